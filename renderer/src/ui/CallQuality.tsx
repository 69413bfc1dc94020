/**
 * The call's quality (good / fair / poor from an estimated MOS, with loss, jitter and round
 * trip on demand) and the microphone warnings during a call.
 */
import { useId, useState } from 'react';
import type { QualityReading } from '../../../common/call-quality';
import type { MicWarnings } from '../../../common/mic-watch';

const LABELS = { good: 'Good', fair: 'Fair', poor: 'Poor' } as const;

/** "Call quality: Good", a details button, and the figures when asked for. */
export function CallQuality({ quality }: { quality: QualityReading | null }) {
  const [open, setOpen] = useState(false);
  const detailsId = useId();
  const label = quality ? LABELS[quality.label] : 'Measuring…';
  return (
    <div className="call-quality" data-testid="call-quality" data-quality={quality?.label ?? 'unknown'}>
      {/* Only the label is live: it changes rarely, the figures every second. */}
      <span role="status" aria-atomic="true" className={`quality-label quality-${quality?.label ?? 'unknown'}`} data-testid="call-quality-label">
        <span className="quality-dot" aria-hidden="true" />
        Call quality: {label}
      </span>
      <button type="button" className="link small" data-testid="call-quality-details-button" aria-expanded={open} aria-controls={detailsId} onClick={() => setOpen((o) => !o)}>
        {open ? 'Hide details' : 'Details'}
      </button>
      {open && (
        <dl id={detailsId} className="quality-details" data-testid="call-quality-details">
          <dt>Estimated MOS</dt>
          <dd data-testid="quality-mos">{quality ? quality.mos.toFixed(2) : '—'}</dd>
          <dt>Packet loss</dt>
          <dd data-testid="quality-loss">{quality ? `${quality.lossPct.toFixed(1)} %` : '—'}</dd>
          <dt>Jitter</dt>
          <dd data-testid="quality-jitter">{quality ? `${quality.jitterMs.toFixed(0)} ms` : '—'}</dd>
          <dt>Round trip</dt>
          <dd data-testid="quality-rtt">{quality?.rttMs != null ? `${quality.rttMs.toFixed(0)} ms` : '—'}</dd>
        </dl>
      )}
    </div>
  );
}

/** Talking while muted, or a silent microphone: in an alert region present with the call card, so it is announced. */
export function MicWarningsLine({ warnings, muted }: { warnings: MicWarnings; muted: boolean }) {
  return (
    <div role="alert" className="mic-warnings" data-testid="mic-warnings">
      {warnings.talkingWhileMuted && muted && (
        <p className="mic-warning" data-testid="talking-while-muted">
          You are talking while muted. Press M or Unmute to be heard.
        </p>
      )}
      {warnings.silentMic && (
        <p className="mic-warning" data-testid="silent-mic">
          Your microphone is sending silence. Check it is plugged in and not muted on the headset, or choose another in Audio settings.
        </p>
      )}
    </div>
  );
}
