/**
 * The ring window's script: plays the ring cadence until main destroys the window.
 *
 * `document.body.dataset.ring` says what happens, for tests and debugging.
 */
import { RING_ON_S } from './cadence';
import { startRingTone } from './tone';

function startRing(): void {
  const context = new AudioContext({ latencyHint: 'playback' });
  startRingTone(context);

  const report = () => {
    document.body.dataset.ring = context.state === 'running' ? 'ringing' : `audio-${context.state}`;
  };
  context.addEventListener('statechange', report);
  report();
  // The window is created with autoplay allowed; resume() covers an engine that starts suspended.
  if (context.state === 'suspended') void context.resume().then(report, report);
  document.body.dataset.burstSeconds = String(RING_ON_S);
}

try {
  startRing();
} catch (error) {
  document.body.dataset.ring = 'failed';
  console.error('Switchboard ring failed to start', error);
}
