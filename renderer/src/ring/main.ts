/**
 * The ring window's script: plays the ring cadence until main destroys the window.
 *
 * Bursts are scheduled on the audio clock, a minute ahead, so timer throttling cannot
 * shift them. `document.body.dataset.ring` says what happens, for tests and debugging.
 */
import { loadAudioPreferences, type SinkableAudioContext } from '../audio/preferences';
import { RING_ON_S, RING_TONES_HZ, ringBursts } from './cadence';

const LEVEL = 0.08; // per tone: audible over an office, not a fire alarm
const RAMP_S = 0.01; // avoids clicks at burst edges
const HORIZON_S = 60;
const REFILL_MS = 20_000;

function startRing(): void {
  const context: SinkableAudioContext = new AudioContext({ latencyHint: 'playback' });
  // The agent's ringer device and volume (Audio settings, the same origin's storage).
  const { ringer, ringerVolume } = loadAudioPreferences();
  if (ringer && context.setSinkId) {
    context.setSinkId(ringer).then(
      () => (document.body.dataset.ringerDevice = ringer),
      // Unplugged: the default device rings instead.
      () => (document.body.dataset.ringerDevice = 'default'),
    );
  }
  document.body.dataset.ringerVolume = String(ringerVolume);
  const envelope = context.createGain();
  envelope.gain.value = 0;
  envelope.connect(context.destination);
  for (const frequency of RING_TONES_HZ) {
    const oscillator = context.createOscillator();
    oscillator.frequency.value = frequency;
    const level = context.createGain();
    level.gain.value = LEVEL * ringerVolume;
    oscillator.connect(level).connect(envelope);
    oscillator.start();
  }

  const origin = context.currentTime + 0.05;
  let scheduledUntil = origin;
  const schedule = () => {
    const until = context.currentTime + HORIZON_S;
    for (const burst of ringBursts(origin, scheduledUntil, until)) {
      if (burst.start < scheduledUntil) continue;
      envelope.gain.setValueAtTime(0, burst.start);
      envelope.gain.linearRampToValueAtTime(1, burst.start + RAMP_S);
      envelope.gain.setValueAtTime(1, burst.stop - RAMP_S);
      envelope.gain.linearRampToValueAtTime(0, burst.stop);
    }
    scheduledUntil = until;
  };
  schedule();
  setInterval(schedule, REFILL_MS);

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
