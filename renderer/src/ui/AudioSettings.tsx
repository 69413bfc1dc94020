/**
 * Audio settings: microphone, speaker, ringer device and volume, a live microphone level and
 * test sounds. Opened from the header's "Audio" button (a disclosure: Enter or Space, Escape
 * closes it and returns focus); every control is a native, labelled form control.
 */
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { AudioDevice, AudioPreferences } from '../audio/preferences';
import type { AudioDevices, AudioDevicesView } from '../audio/devices';

/** Re-renders with the devices' view. */
export function useAudioDevices(devices: AudioDevices): AudioDevicesView {
  const [view, setView] = useState(devices.current);
  useEffect(() => devices.subscribe(setView), [devices]);
  return view;
}

/**
 * The settings' open state, the header's button and the panel (placed apart: the button in the
 * header, the panel under it). Closing returns focus to the button.
 */
export function useAudioSettings(devices: AudioDevices): { button: ReactNode; panel: ReactNode } {
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const panelId = useId();
  useEffect(() => {
    devices.setMonitoring('settings', open);
    return () => devices.setMonitoring('settings', false);
  }, [devices, open]);
  const close = () => {
    setOpen(false);
    buttonRef.current?.focus();
  };
  return {
    button: (
      <button ref={buttonRef} type="button" className="link" data-testid="audio-settings-button" aria-expanded={open} aria-controls={panelId} onClick={() => setOpen((o) => !o)}>
        Audio
      </button>
    ),
    panel: open ? <AudioPanel id={panelId} devices={devices} onClose={close} /> : null,
  };
}

function AudioPanel({ id, devices, onClose }: { id: string; devices: AudioDevices; onClose: () => void }) {
  const view = useAudioDevices(devices);
  const [testing, setTesting] = useState<'output' | 'ringer' | null>(null);
  const { preferences } = view;
  const choose = (patch: Partial<AudioPreferences>) => void devices.choose(patch);
  const test = async (target: 'output' | 'ringer') => {
    setTesting(target);
    try {
      await devices.playTestSound(target);
    } finally {
      setTesting(null);
    }
  };
  return (
    <section
      id={id}
      className="card audio-settings"
      data-testid="audio-settings"
      aria-label="Audio settings"
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          onClose();
        }
      }}
    >
      <p className="label">Audio settings</p>
      <DeviceSelect label="Microphone" testId="audio-input" value={preferences.input} devices={view.inputs} onChange={(input) => choose({ input })} />
      <MicLevel devices={devices} monitoring={view.monitoring} />
      {view.callInput !== null && (
        <p className="hint" data-testid="audio-call-input" data-device-id={view.callInput}>
          The call uses: {view.inputs.find((device) => device.id === view.callInput)?.label ?? 'the default microphone'}
        </p>
      )}
      <DeviceSelect label="Speaker" testId="audio-output" value={preferences.output} devices={view.outputs} onChange={(output) => choose({ output })} />
      <button type="button" className="small secondary" data-testid="audio-test-output" disabled={testing !== null} onClick={() => void test('output')}>
        {testing === 'output' ? 'Playing…' : 'Play a test sound'}
      </button>
      <DeviceSelect label="Ringer" testId="audio-ringer" value={preferences.ringer} devices={view.outputs} onChange={(ringer) => choose({ ringer })} />
      <label className="field">
        <span>Ringer volume</span>
        <input
          type="range"
          min={0}
          max={100}
          step={5}
          data-testid="audio-ringer-volume"
          value={Math.round(preferences.ringerVolume * 100)}
          aria-valuetext={`${Math.round(preferences.ringerVolume * 100)} percent`}
          onChange={(event) => choose({ ringerVolume: Number(event.target.value) / 100 })}
        />
      </label>
      <button type="button" className="small secondary" data-testid="audio-test-ringer" disabled={testing !== null} onClick={() => void test('ringer')}>
        {testing === 'ringer' ? 'Playing…' : 'Test the ringer'}
      </button>
      <p className="hint">Your choices are remembered on this computer.</p>
      <button type="button" className="small" data-testid="audio-settings-close" onClick={onClose}>
        Done
      </button>
    </section>
  );
}

function DeviceSelect({ label, testId, value, devices, onChange }: { label: string; testId: string; value: string; devices: AudioDevice[]; onChange: (id: string) => void }) {
  // A chosen device that is unplugged stays chosen (it is used again when it returns): list it as such.
  const missing = value !== '' && !devices.some((device) => device.id === value);
  return (
    <label className="field">
      <span>{label}</span>
      <select data-testid={testId} value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">System default</option>
        {devices.map((device) => (
          <option key={device.id} value={device.id}>
            {device.label}
          </option>
        ))}
        {missing && <option value={value}>Disconnected device</option>}
      </select>
    </label>
  );
}

/** Per frame (40 ms), the shown level falls to this share of itself unless the new one is higher: peaks stay readable. */
const METER_DECAY = 0.85;

/** The live microphone level, as a meter (updated outside React's state: 25 frames a second), with a falling peak. */
export function MicLevel({ devices, monitoring }: { devices: AudioDevices; monitoring: boolean }) {
  const meter = useRef<HTMLMeterElement>(null);
  useEffect(() => {
    let shown = 0;
    return devices.onLevel((frame) => {
      const element = meter.current;
      if (!element) return;
      shown = Math.max(frame, shown * METER_DECAY);
      // dBFS from -60 (nothing) to 0 (full scale), as 0 to 1: speech sits around the middle.
      element.value = shown <= 0 ? 0 : Math.max(0, Math.min(1, (20 * Math.log10(shown) + 60) / 60));
      element.dataset.level = shown.toFixed(4);
    });
  }, [devices]);
  return (
    <div className="mic-level">
      <span id="mic-level-label">Microphone level</span>
      <meter ref={meter} aria-labelledby="mic-level-label" data-testid="mic-level" min={0} max={1} low={0.25} high={0.9} optimum={0.6} value={0} />
      {!monitoring && <span className="hint">Opening the microphone…</span>}
    </div>
  );
}
