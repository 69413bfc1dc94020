/**
 * Form pieces the configuration pages share (numbers and flows, queues, lists): a labelled
 * input that shows the backend's refusal beside itself when the refusal names its field, and
 * an editor for a route target (agent, queue, phone, voicemail, goodbye).
 *
 * The backend answers a bad body with 400 and the exact field path (`fallback.queue`,
 * `options[1].digit`); {@link FieldError} holds that answer and each field asks for its own.
 */
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { RouteTarget } from '../../common/route-targets';
import { ApiError, api } from './api';

/** The backend's refusal of a form, or one found while typing, with the field it names. */
export interface FieldError {
  field: string;
  message: string;
}

/** A settings body as a form edits it (the backend's schema checks it on save). */
export type Draft = Record<string, unknown>;

/** The line above a form after a save: saved, or why not. */
export type Notice = { kind: 'ok' | 'error'; text: string };

/** What a failed request says to the operator. */
export function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something went wrong';
}

/**
 * A settings form saved whole with `PUT url` (a number's flow, a queue): the draft, the
 * backend's refusal shown beside the field it names, the notice above the form, and the
 * field and route-target inputs bound to the draft.
 */
export function useSettingsForm(options: {
  initial: () => Draft;
  url: string;
  admin: boolean;
  queues: string[];
  /** The notice after a save (read when the save succeeds). */
  savedText: () => string;
  onSaved: (text: string) => Promise<void>;
}) {
  const [draft, setDraft] = useState<Draft>(options.initial);
  const [error, setError] = useState<FieldError | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const disabled = !options.admin;
  const set = (key: string, value: unknown) => {
    setDraft((d) => ({ ...d, [key]: value }));
    setError(null);
  };
  const field = (key: string, label: string, kind: 'text' | 'number' | 'url' = 'text', hint?: string) => (
    <Field label={label} path={key} error={error} value={draft[key]} onChange={(v) => set(key, v)} kind={kind} disabled={disabled} {...(hint ? { hint } : {})} />
  );
  const target = (key: string, legend: string) => (
    <TargetEditor legend={legend} path={key} error={error} value={(draft[key] ?? { type: 'voicemail' }) as Draft} onChange={(v) => set(key, v)} queues={options.queues} disabled={disabled} />
  );
  const save = async (event: FormEvent) => {
    event.preventDefault();
    setNotice(null);
    try {
      await api('PUT', options.url, draft);
      setError(null);
      await options.onSaved(options.savedText());
    } catch (e) {
      setError(fieldErrorOf(e));
      setNotice({ kind: 'error', text: `Not saved: ${messageOf(e)}` });
    }
  };
  return { draft, setDraft, error, setError, notice, disabled, set, field, target, save };
}

/** The field error of a failed save (or null when the refusal names no field). */
export function fieldErrorOf(error: unknown): FieldError | null {
  return error instanceof ApiError && error.field ? { field: error.field, message: error.message } : null;
}

/** The message for a field path, or for anything below it when `below` (a target's `.queue`). */
export function messageFor(error: FieldError | null, path: string, below = false): string | null {
  if (!error) return null;
  if (error.field === path) return error.message;
  if (below && (error.field.startsWith(`${path}.`) || error.field.startsWith(`${path}[`))) return error.message;
  return null;
}

/** A message shown beside a field and tied to it for assistive technology. */
export function FieldMessage({ id, message, testId }: { id: string; message: string | null; testId?: string }) {
  return (
    <span id={id} className="field-error" data-testid={testId}>
      {message ?? ''}
    </span>
  );
}

type InputKind = 'text' | 'number' | 'url';

/**
 * A labelled input bound to one value of a settings object.
 *
 * Numbers are kept as numbers; an emptied field becomes undefined, so the schema's default
 * applies (or the backend says the field is required).
 */
export function Field(props: {
  label: string;
  path: string;
  error: FieldError | null;
  value: unknown;
  onChange: (value: unknown) => void;
  kind?: InputKind;
  hint?: string;
  disabled?: boolean;
  testId?: string;
}) {
  const id = useId();
  const message = messageFor(props.error, props.path);
  const kind = props.kind ?? 'text';
  const shown = props.value === undefined || props.value === null ? '' : String(props.value);
  return (
    <label className="field">
      <span>
        {props.label}
        {props.hint ? <span className="muted small"> ({props.hint})</span> : null}
      </span>
      <input
        type={kind}
        value={shown}
        disabled={props.disabled}
        aria-invalid={message ? true : undefined}
        aria-describedby={`${id}-error`}
        data-testid={props.testId ?? `field-${props.path}`}
        onChange={(e) => {
          const raw = e.target.value;
          props.onChange(raw === '' ? undefined : kind === 'number' ? Number(raw) : raw);
        }}
      />
      <FieldMessage id={`${id}-error`} message={message} testId={`error-${props.path}`} />
    </label>
  );
}

const TARGET_TYPES: Array<{ type: RouteTarget['type']; label: string }> = [
  { type: 'voicemail', label: 'Voicemail' },
  { type: 'agent', label: 'An agent' },
  { type: 'queue', label: 'A queue' },
  { type: 'phone', label: 'An outside number' },
  { type: 'disconnect', label: 'Say goodbye and hang up' },
];

/** Where a call goes: the kind of target and its one detail (agent, queue, number or words). */
export function TargetEditor(props: {
  legend: string;
  path: string;
  error: FieldError | null;
  value: Partial<RouteTarget> & Record<string, unknown>;
  onChange: (value: Record<string, unknown>) => void;
  queues: string[];
  disabled?: boolean;
}) {
  const id = useId();
  const type = (props.value.type ?? 'voicemail') as RouteTarget['type'];
  const message = messageFor(props.error, props.path, true);
  const detail = (label: string, input: ReactNode) => (
    <label className="field">
      <span>{label}</span>
      {input}
    </label>
  );
  const text = (key: string) => (props.value[key] === undefined ? '' : String(props.value[key]));
  const set = (key: string, value: string) => props.onChange({ ...props.value, [key]: value === '' ? undefined : value });
  return (
    <fieldset className="target" disabled={props.disabled} data-testid={`target-${props.path}`}>
      <legend>{props.legend}</legend>
      <label className="field">
        <span>Send to</span>
        <select value={type} aria-describedby={`${id}-error`} data-testid={`target-type-${props.path}`} onChange={(e) => props.onChange({ type: e.target.value })}>
          {TARGET_TYPES.map((t) => (
            <option key={t.type} value={t.type}>
              {t.label}
            </option>
          ))}
        </select>
      </label>
      {type === 'agent' ? detail('Agent name', <input value={text('agent')} aria-invalid={message ? true : undefined} aria-describedby={`${id}-error`} data-testid={`target-agent-${props.path}`} onChange={(e) => set('agent', e.target.value)} />) : null}
      {type === 'queue'
        ? detail(
            'Queue',
            <select value={text('queue')} aria-invalid={message ? true : undefined} aria-describedby={`${id}-error`} data-testid={`target-queue-${props.path}`} onChange={(e) => set('queue', e.target.value)}>
              <option value="">Choose a queue</option>
              {props.queues.map((q) => (
                <option key={q} value={q}>
                  {q}
                </option>
              ))}
            </select>,
          )
        : null}
      {type === 'phone' ? detail('Phone number (E.164, like +14155550100)', <input value={text('number')} inputMode="tel" aria-invalid={message ? true : undefined} aria-describedby={`${id}-error`} data-testid={`target-number-${props.path}`} onChange={(e) => set('number', e.target.value)} />) : null}
      {type === 'voicemail' ? detail('Voicemail greeting (optional)', <input value={text('greeting')} aria-describedby={`${id}-error`} data-testid={`target-greeting-${props.path}`} onChange={(e) => set('greeting', e.target.value)} />) : null}
      {type === 'disconnect' ? detail('Goodbye message (optional)', <input value={text('message')} aria-describedby={`${id}-error`} data-testid={`target-message-${props.path}`} onChange={(e) => set('message', e.target.value)} />) : null}
      <FieldMessage id={`${id}-error`} message={message} testId={`error-${props.path}`} />
    </fieldset>
  );
}

/** The form's summary line: saved, or not saved with the backend's words. */
export function SaveNotice({ notice, testId }: { notice: { kind: 'ok' | 'error'; text: string } | null; testId: string }) {
  return (
    <p className={notice?.kind === 'error' ? 'error' : 'ok'} role={notice?.kind === 'error' ? 'alert' : 'status'} data-testid={testId}>
      {notice?.text ?? ''}
    </p>
  );
}
