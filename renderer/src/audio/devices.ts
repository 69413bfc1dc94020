/**
 * The agent's audio devices: which microphone, speaker and ringer the app uses, the live
 * microphone level, and the warnings the level implies during a call (talking while muted,
 * a microphone delivering silence).
 *
 * The Client SDK captures the default microphone (`getUserMedia({audio: true})`) and plays
 * the far end through one `<audio>` element it creates. So a chosen microphone is applied by
 * replacing the track the call's peer connection sends (`RTCRtpSender.replaceTrack`, keeping
 * the SDK's mute, which disables that track), and a chosen speaker by `setSinkId` on the
 * SDK's audio element (`getAudioOutputElement`). The level comes from a separate capture of
 * the chosen microphone through an `AnalyserNode`, opened only while the settings are open
 * or a call is answered: a muted call's track is disabled and carries only silence, and the
 * agent's talking must still be heard to warn them.
 *
 * A device unplugged (`devicechange`) makes its choice fall back to the default at once,
 * mid-call too, with a notice; the choice is kept, and used again when it comes back.
 *
 * The choices are remembered through the bridge: the web app's local storage, the desktop
 * app's main store (so the ring window, a page main opens, rings on the chosen device).
 */
import { MicWatch, NO_MIC_WARNINGS, rmsOf, type MicContext, type MicWarnings } from '../../../common/mic-watch';
import { DEFAULT_AUDIO_PREFERENCES } from '../../../common/audio-preferences';
import {
  resolveDevice,
  type AudioDevice,
  type AudioPreferences,
  type SinkableAudioContext,
  type SinkableMediaElement,
} from './preferences';

/** What the devices look like now. */
export interface AudioDevicesView {
  inputs: AudioDevice[];
  outputs: AudioDevice[];
  preferences: AudioPreferences;
  /** The device ids in use ('' = default): a chosen device that went missing falls back. */
  effective: { input: string; output: string; ringer: string };
  /** Why a choice fell back, or a device error, for the agent to read. */
  notice: string | null;
  warnings: MicWarnings;
  /** Whether the microphone is being measured (settings open or a call answered). */
  monitoring: boolean;
  /** The microphone the call on screen sends (its device id), or null without a call. */
  callInput: string | null;
}

/** The media of the call on screen, as the SDK exposes it. */
export interface CallMedia {
  peerConnection: RTCPeerConnection | undefined;
  output: HTMLAudioElement | undefined;
}

/** Where the choices are remembered: the bridge (local storage on the web, main's store on the desktop). */
export interface AudioPreferenceStore {
  getAudioPreferences(): Promise<AudioPreferences>;
  setAudioPreferences(preferences: AudioPreferences): Promise<AudioPreferences>;
}

type MonitorReason = 'settings' | 'call';

/** Frames of ~43 ms (2048 samples at 48 kHz) read every 40 ms cover the signal without gaps. */
const FRAME_MS = 40;
const FFT_SIZE = 2048;
const TEST_TONE_HZ = 440;
const TEST_TONE_S = 0.6;

/** Runs the device choices for one signed-in page. */
export class AudioDevices {
  private view: AudioDevicesView;
  private readonly listeners = new Set<(view: AudioDevicesView) => void>();
  private readonly levelListeners = new Set<(level: number) => void>();
  private readonly reasons = new Set<MonitorReason>();
  private readonly watch = new MicWatch();
  private context: MicContext = { inCall: false, muted: false };
  private call: CallMedia | null = null;
  private monitor: { stream: MediaStream; audio: AudioContext; timer: ReturnType<typeof setInterval>; deviceId: string } | null = null;
  private monitorStarting: Promise<void> | null = null;
  /** Tracks this module captured for calls, stopped when replaced or the call ends. */
  private readonly ownTracks = new Set<MediaStreamTrack>();
  private stopped = false;
  /** The agent chose before the stored choices arrived: theirs win. */
  private chosenEarly = false;
  private readonly onDeviceChange = () => void this.refresh();

  constructor(
    private readonly store: AudioPreferenceStore,
    private readonly media: MediaDevices | undefined = globalThis.navigator?.mediaDevices,
  ) {
    const preferences = { ...DEFAULT_AUDIO_PREFERENCES };
    this.view = {
      inputs: [],
      outputs: [],
      preferences,
      effective: { input: preferences.input, output: preferences.output, ringer: preferences.ringer },
      notice: null,
      warnings: NO_MIC_WARNINGS,
      monitoring: false,
      callInput: null,
    };
  }

  get current(): AudioDevicesView {
    return this.view;
  }

  subscribe(listener: (view: AudioDevicesView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The microphone's level (RMS, 0 to 1) every frame while monitoring. */
  onLevel(listener: (level: number) => void): () => void {
    this.levelListeners.add(listener);
    return () => this.levelListeners.delete(listener);
  }

  /** Lists the devices and follows plugging and unplugging. */
  async start(): Promise<void> {
    this.media?.addEventListener('devicechange', this.onDeviceChange);
    try {
      const preferences = await this.store.getAudioPreferences();
      if (!this.chosenEarly) this.update({ preferences });
    } catch {
      this.update({ notice: 'Your audio choices could not be read: the default devices are used.' });
    }
    await this.refresh();
  }

  stop(): void {
    this.stopped = true;
    this.media?.removeEventListener('devicechange', this.onDeviceChange);
    this.reasons.clear();
    this.stopMonitor();
    this.releaseCallTracks();
  }

  /** Chooses a device ('' = the system default) or the ringer volume; remembered on this machine. */
  async choose(patch: Partial<AudioPreferences>): Promise<void> {
    const preferences = { ...this.view.preferences, ...patch };
    this.chosenEarly = true;
    this.update({ preferences });
    try {
      await this.store.setAudioPreferences(preferences);
    } catch {
      this.update({ notice: 'Your audio choice applies now but could not be remembered.' });
    }
    await this.refresh();
  }

  /** Starts or stops measuring the microphone for one reason (the settings panel, a call). */
  setMonitoring(reason: MonitorReason, on: boolean): void {
    if (on) this.reasons.add(reason);
    else this.reasons.delete(reason);
    void this.syncMonitor();
  }

  /** The call on screen (or none) and whether it is muted: the devices apply to it, the warnings follow it. */
  setCall(media: CallMedia | null, context: MicContext): void {
    const changed = media?.peerConnection !== this.call?.peerConnection || media?.output !== this.call?.output;
    this.call = media;
    this.context = context;
    if (!context.inCall) {
      this.watch.reset();
      if (this.view.warnings !== NO_MIC_WARNINGS) this.update({ warnings: NO_MIC_WARNINGS });
    }
    if (changed) {
      if (!media) this.releaseCallTracks();
      void this.applyToCall();
    } else {
      // The SDK's mute disables the sender's track; a track we put there follows the same flag.
      for (const track of this.ownTracks) track.enabled = !context.muted;
    }
    this.setMonitoring('call', context.inCall);
  }

  /** Plays a short tone on the speaker (or the ringer, at its volume), so the agent hears where sound goes. */
  async playTestSound(target: 'output' | 'ringer'): Promise<void> {
    const audio = new AudioContext() as SinkableAudioContext;
    try {
      const sink = this.view.effective[target];
      if (sink && audio.setSinkId) await audio.setSinkId(sink);
      const gain = audio.createGain();
      const level = (target === 'ringer' ? this.view.preferences.ringerVolume : 1) * 0.2;
      const now = audio.currentTime;
      gain.gain.setValueAtTime(0, now);
      gain.gain.linearRampToValueAtTime(level, now + 0.02);
      gain.gain.setValueAtTime(level, now + TEST_TONE_S - 0.02);
      gain.gain.linearRampToValueAtTime(0, now + TEST_TONE_S);
      const tone = audio.createOscillator();
      tone.frequency.value = TEST_TONE_HZ;
      tone.connect(gain).connect(audio.destination);
      if (audio.state === 'suspended') await audio.resume();
      tone.start(now);
      tone.stop(now + TEST_TONE_S);
      await new Promise<void>((resolve) => (tone.onended = () => resolve()));
    } catch (error) {
      this.update({ notice: `Could not play the test sound: ${messageOf(error)}` });
    } finally {
      void audio.close().catch(() => undefined);
    }
  }

  /** Clears the notice (the agent read it). */
  dismissNotice(): void {
    if (this.view.notice) this.update({ notice: null });
  }

  /** Lists the devices again and works out which to use; falls back (with a notice) where a chosen one is gone. */
  private async refresh(): Promise<void> {
    if (!this.media || this.stopped) return;
    let devices: MediaDeviceInfo[];
    try {
      devices = await this.media.enumerateDevices();
    } catch (error) {
      this.update({ notice: `Could not list the audio devices: ${messageOf(error)}` });
      return;
    }
    const list = (kind: MediaDeviceKind): AudioDevice[] =>
      devices
        .filter((device) => device.kind === kind && device.deviceId !== '' && device.deviceId !== 'default' && device.deviceId !== 'communications')
        .map((device, index) => ({ id: device.deviceId, label: device.label || `${kind === 'audioinput' ? 'Microphone' : 'Speaker'} ${index + 1}` }));
    const inputs = list('audioinput');
    const outputs = list('audiooutput');
    const { preferences } = this.view;
    const before = this.view.effective;
    // Before the page may use a microphone, devices are listed without ids: nothing can be judged missing yet.
    const hidden = (kind: MediaDeviceKind) => devices.some((device) => device.kind === kind && device.deviceId === '');
    const resolve = (chosen: string, kind: MediaDeviceKind, available: AudioDevice[]) => (hidden(kind) ? { id: chosen, missing: null } : resolveDevice(chosen, available));
    const input = resolve(preferences.input, 'audioinput', inputs);
    const output = resolve(preferences.output, 'audiooutput', outputs);
    const ringer = resolve(preferences.ringer, 'audiooutput', outputs);
    const effective = { input: input.id, output: output.id, ringer: ringer.id };
    const lost = [
      input.missing && before.input !== '' ? 'microphone' : null,
      output.missing && before.output !== '' ? 'speaker' : null,
      ringer.missing && before.ringer !== '' ? 'ringer' : null,
    ].filter((kind): kind is string => kind !== null);
    const back = (['input', 'output', 'ringer'] as const).some((kind) => before[kind] === '' && effective[kind] !== '' && preferences[kind] === effective[kind]);
    let notice = this.view.notice;
    if (lost.length > 0) notice = `Your chosen ${joinWords(lost)} ${lost.length > 1 ? 'were' : 'was'} disconnected: using the default device instead.`;
    else if (back && notice?.includes('disconnected')) notice = null;
    this.update({ inputs, outputs, effective, notice });
    if (before.input !== effective.input || before.output !== effective.output) await this.applyToCall();
    if (before.input !== effective.input) await this.syncMonitor(true);
  }

  /** Puts the chosen microphone and speaker on the call on screen. */
  private async applyToCall(): Promise<void> {
    const call = this.call;
    if (!call) {
      if (this.view.callInput !== null) this.update({ callInput: null });
      return;
    }
    const { input, output } = this.view.effective;
    const element = call.output as SinkableMediaElement | undefined;
    if (element?.setSinkId && element.sinkId !== output) {
      await element.setSinkId(output).catch((error: unknown) => this.update({ notice: `Could not use the chosen speaker: ${messageOf(error)}` }));
    }
    const senders = call.peerConnection?.getSenders().filter((sender) => sender.track?.kind === 'audio') ?? [];
    const current = senders[0]?.track;
    if (!current || !this.media) return;
    const currentDevice = current.getSettings().deviceId ?? '';
    // The SDK captured the default device: nothing to replace while the default is wanted.
    if (input === currentDevice || (input === '' && !this.ownTracks.has(current))) {
      this.update({ callInput: currentDevice });
      return;
    }
    try {
      const stream = await this.media.getUserMedia({ audio: input ? { deviceId: { exact: input } } : true, video: false });
      const [track] = stream.getAudioTracks();
      if (!track) return;
      if (this.call !== call) {
        track.stop();
        return;
      }
      track.enabled = !this.context.muted;
      for (const sender of senders) await sender.replaceTrack(track);
      this.ownTracks.add(track);
      // The SDK's own capture is stopped too: no second microphone left open.
      current.stop();
      this.ownTracks.delete(current);
      this.update({ callInput: track.getSettings().deviceId ?? input });
    } catch (error) {
      this.update({ notice: `Could not use the chosen microphone: ${messageOf(error)}` });
    }
  }

  private releaseCallTracks(): void {
    for (const track of this.ownTracks) track.stop();
    this.ownTracks.clear();
  }

  /** Opens or closes the level monitor to match the reasons; `restart` re-opens it on a new device. */
  private async syncMonitor(restart = false): Promise<void> {
    await this.monitorStarting;
    const want = this.reasons.size > 0 && !this.stopped;
    if (this.monitor && (!want || (restart && this.monitor.deviceId !== this.view.effective.input))) this.stopMonitor();
    if (!want || this.monitor || !this.media) {
      if (this.view.monitoring !== (this.monitor !== null)) this.update({ monitoring: this.monitor !== null });
      return;
    }
    this.monitorStarting = this.startMonitor(this.media).finally(() => (this.monitorStarting = null));
    await this.monitorStarting;
  }

  private async startMonitor(media: MediaDevices): Promise<void> {
    const deviceId = this.view.effective.input;
    let stream: MediaStream;
    try {
      stream = await media.getUserMedia({
        // The raw signal: processing would hide a dead microphone's silence and shape the level.
        audio: { ...(deviceId ? { deviceId: { exact: deviceId } } : {}), echoCancellation: false, noiseSuppression: false, autoGainControl: false },
        video: false,
      });
    } catch (error) {
      this.update({ notice: `Could not open the microphone: ${messageOf(error)}`, monitoring: false });
      return;
    }
    if (this.reasons.size === 0 || this.stopped) {
      for (const track of stream.getTracks()) track.stop();
      return;
    }
    const audio = new AudioContext();
    const analyser = audio.createAnalyser();
    analyser.fftSize = FFT_SIZE;
    audio.createMediaStreamSource(stream).connect(analyser);
    if (audio.state === 'suspended') void audio.resume().catch(() => undefined);
    const samples = new Float32Array(analyser.fftSize);
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      this.level(audio.state === 'running' ? rmsOf(samples) : null);
    }, FRAME_MS);
    this.monitor = { stream, audio, timer, deviceId };
    this.update({ monitoring: true });
    // Labels are only listed once the page may use a microphone.
    if (this.view.inputs.every((device) => device.label.startsWith('Microphone '))) void this.refresh();
  }

  private stopMonitor(): void {
    const monitor = this.monitor;
    this.monitor = null;
    if (!monitor) return;
    clearInterval(monitor.timer);
    for (const track of monitor.stream.getTracks()) track.stop();
    void monitor.audio.close().catch(() => undefined);
    for (const listener of this.levelListeners) listener(0);
    if (this.view.monitoring) this.update({ monitoring: false });
  }

  /** One frame's level (null: not measurable, the audio engine is suspended). */
  private level(level: number | null): void {
    if (level === null) return;
    for (const listener of this.levelListeners) listener(level);
    const warnings = this.watch.update(performance.now(), level, this.context);
    const previous = this.view.warnings;
    if (warnings.talkingWhileMuted !== previous.talkingWhileMuted || warnings.silentMic !== previous.silentMic) this.update({ warnings });
  }

  private update(patch: Partial<AudioDevicesView>): void {
    this.view = { ...this.view, ...patch };
    for (const listener of this.listeners) listener(this.view);
  }
}

function joinWords(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
