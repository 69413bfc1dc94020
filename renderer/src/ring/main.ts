/**
 * The ring window's script: plays the ring cadence until main destroys the window.
 *
 * `document.body.dataset.ring` says what happens, for tests and debugging.
 */
import { ringerFromQuery } from '../../../common/audio-preferences';
import type { SinkableAudioContext } from '../audio/preferences';
import { RING_ON_S } from './cadence';
import { startRingTone } from './tone';

function startRing(): void {
  const context: SinkableAudioContext = new AudioContext({ latencyHint: 'playback' });
  // The agent's ringer device and volume (Audio settings, kept in main's store): main puts them in the URL.
  const { ringer, ringerVolume } = ringerFromQuery(window.location.search);
  if (ringer && context.setSinkId) {
    context.setSinkId(ringer).then(
      () => (document.body.dataset.ringerDevice = ringer),
      // Unplugged: the default device rings instead.
      () => (document.body.dataset.ringerDevice = 'default'),
    );
  }
  document.body.dataset.ringerVolume = String(ringerVolume);
  startRingTone(context, ringerVolume);

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
