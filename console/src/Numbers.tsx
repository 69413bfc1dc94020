/**
 * The numbers and flows page: the application's numbers with the flow that answers each,
 * a form per flow type (inbound, IVR options, whisper topic, queue, custom NCCO) whose
 * refusals from the backend appear beside the field they name, and a "call this number"
 * button that rings the number from the embedded platform's test phone.
 *
 * The forms start from the backend's own schema (`common/number-settings.ts`): switching a
 * number to another flow fills in that flow's defaults, as the backend would.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { ConsoleRole, TestCallsView, TestCallView } from '../../common/console-api';
import { FLOW_NAMES, menuPrompt, numberSettings, type NumberFlowName } from '../../common/number-settings';
import { isFinalLegStatus } from '../../common/vonage-vocabulary';
import { api } from './api';
import { Field, SaveNotice, TargetEditor, messageFor, messageOf, useSettingsForm, type Draft, type FieldError, type Notice } from './fields';
import { phone } from './format';
import { NccoEditor } from './NccoEditor';

/** A number as `GET /api/admin/numbers` lists it. */
interface NumberRow {
  number: string;
  flow: NumberFlowName;
  settings: Draft;
  updated_at: string;
}


const FLOW_LABELS: Record<NumberFlowName, string> = {
  inbound: 'Inbound: ring an agent',
  ivr: 'IVR menu',
  whisper: 'Whisper topic',
  queue: 'Queue',
  custom: 'Custom NCCO',
};

/** What a flow's form starts from: the current settings, or the flow's defaults from the schema. */
function startingDraft(flow: NumberFlowName, current: Draft | null): Draft {
  if (current && current.flow === flow) return current;
  const label = current?.label;
  const parsed = numberSettings.safeParse(flow === 'whisper' ? { flow, topic: 'topic' } : { flow });
  const defaults: Draft = parsed.success ? { ...parsed.data } : { flow };
  if (flow === 'whisper') delete defaults.topic;
  return label === undefined ? defaults : { ...defaults, label };
}

/** The menu sentence the backend writes for these options (null while an option is incomplete). */
function promptOf(options: Draft[]): string | null {
  const parsed = numberSettings.safeParse({ flow: 'ivr', options });
  return parsed.success && parsed.data.flow === 'ivr' ? menuPrompt(parsed.data.options) : null;
}

export function Numbers({ role }: { role: ConsoleRole }) {
  const admin = role === 'admin';
  const [numbers, setNumbers] = useState<NumberRow[]>([]);
  const [queues, setQueues] = useState<string[]>([]);
  const [testCalls, setTestCalls] = useState<TestCallsView | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [adding, setAdding] = useState('');
  const [notice, setNotice] = useState<Notice | null>(null);
  const [call, setCall] = useState<TestCallView | null>(null);

  const reload = useCallback(async () => {
    try {
      const [list, q] = await Promise.all([api<NumberRow[]>('GET', '/api/admin/numbers'), api<{ queues: Array<{ name: string }> }>('GET', '/api/admin/queues')]);
      setNumbers(list);
      setQueues(q.queues.map((x) => x.name));
    } catch (e) {
      setNotice({ kind: 'error', text: messageOf(e) });
    }
  }, []);
  useEffect(() => {
    void reload();
    api<TestCallsView>('GET', '/api/admin/test-calls').then(setTestCalls, () => setTestCalls(null));
  }, [reload]);

  const placeCall = async (number: string) => {
    setNotice(null);
    try {
      setCall(await api<TestCallView>('POST', `/api/admin/numbers/${encodeURIComponent(number)}/test-call`, {}));
    } catch (e) {
      setNotice({ kind: 'error', text: messageOf(e) });
    }
  };

  const addNumber = (event: FormEvent) => {
    event.preventDefault();
    const digits = adding.trim().replace(/^\+/, '');
    if (digits === '') return;
    setSelected(digits);
    setAdding('');
  };

  const current = numbers.find((n) => n.number === selected);
  return (
    <section aria-labelledby="numbers-title">
      <h1 id="numbers-title">Numbers and flows</h1>
      {!admin ? <p className="muted">Supervisors see the flows; an admin changes them.</p> : null}
      <SaveNotice notice={notice} testId="numbers-notice" />
      {testCalls && !testCalls.available ? (
        <p className="muted small" data-testid="test-calls-unavailable">
          {testCalls.reason}
        </p>
      ) : null}
      <table data-testid="numbers-table">
        <thead>
          <tr>
            <th scope="col">Number</th>
            <th scope="col">Flow</th>
            <th scope="col">Label</th>
            <th scope="col">Changed</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {numbers.map((n) => (
            <tr key={n.number} data-testid={`number-row-${n.number}`}>
              <th scope="row">{phone(n.number)}</th>
              <td data-testid={`number-flow-${n.number}`}>{FLOW_LABELS[n.flow]}</td>
              <td>{typeof n.settings.label === 'string' ? n.settings.label : ''}</td>
              <td>{new Date(n.updated_at).toLocaleString()}</td>
              <td className="row-actions">
                <button type="button" className="secondary" aria-expanded={selected === n.number} data-testid={`edit-number-${n.number}`} onClick={() => setSelected(selected === n.number ? null : n.number)}>
                  {selected === n.number ? 'Close' : admin ? 'Edit flow' : 'View flow'}
                  <span className="visually-hidden"> of {phone(n.number)}</span>
                </button>
                {admin && testCalls?.available ? (
                  <button type="button" data-testid={`call-number-${n.number}`} onClick={() => void placeCall(n.number)}>
                    Call this number<span className="visually-hidden"> ({phone(n.number)})</span>
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {admin ? (
        <form className="inline-form card" onSubmit={addNumber} aria-labelledby="new-number-title">
          <h2 id="new-number-title">Configure another number</h2>
          <label>
            Number (E.164, like +14155550100)
            <input value={adding} inputMode="tel" data-testid="new-number" onChange={(e) => setAdding(e.target.value)} />
          </label>
          <button type="submit">Choose its flow</button>
        </form>
      ) : null}
      {call ? <TestCall call={call} onChange={setCall} /> : null}
      {selected ? (
        <FlowEditor
          key={`${selected}:${current?.updated_at ?? 'new'}`}
          number={selected}
          saved={current?.settings ?? null}
          queues={queues}
          admin={admin}
          onSaved={async (text) => {
            setNotice({ kind: 'ok', text });
            await reload();
          }}
        />
      ) : null}
    </section>
  );
}

/** The form of one number's flow. */
function FlowEditor(props: { number: string; saved: Draft | null; queues: string[]; admin: boolean; onSaved: (text: string) => Promise<void> }) {
  const { draft, setDraft, error, setError, notice, disabled, set, field, target, save } = useSettingsForm({
    initial: () => props.saved ?? startingDraft('inbound', null),
    url: `/api/admin/numbers/${encodeURIComponent(props.number)}`,
    admin: props.admin,
    queues: props.queues,
    savedText: () => `Saved the ${FLOW_LABELS[flow]} flow of ${phone(props.number)}`,
    onSaved: props.onSaved,
  });
  const flow = (draft.flow ?? 'inbound') as NumberFlowName;

  const options = Array.isArray(draft.options) ? (draft.options as Draft[]) : [];
  // A prompt the backend wrote from the options is written again when they change; one the operator wrote stays.
  const setOptions = (next: Draft[]) => {
    const written = typeof draft.prompt === 'string' && draft.prompt === promptOf(options);
    setDraft((d) => ({ ...d, options: next, ...(written ? { prompt: undefined } : {}) }));
    setError(null);
  };
  const setOption = (index: number, value: Draft) => setOptions(options.map((o, i) => (i === index ? value : o)));

  return (
    <form className="card panel flow-form" onSubmit={(e) => void save(e)} aria-labelledby="flow-title" data-testid="flow-editor" noValidate>
      <h2 id="flow-title">Flow of {phone(props.number)}</h2>
      <SaveNotice notice={notice} testId="flow-notice" />
      <fieldset disabled={disabled} className="plain">
        <legend className="visually-hidden">Flow settings</legend>
        <label className="field">
          <span>Flow</span>
          <select value={flow} data-testid="flow-type" onChange={(e) => (setDraft(startingDraft(e.target.value as NumberFlowName, draft)), setError(null))}>
            {FLOW_NAMES.map((f) => (
              <option key={f} value={f}>
                {FLOW_LABELS[f]}
              </option>
            ))}
          </select>
        </label>
        {field('label', 'Label', 'text', 'optional')}
        {flow === 'inbound' ? (
          <>
            {field('greeting', 'Greeting', 'text', '{agent} becomes the agent’s name')}
            <Field label="Default agent" hint="optional; otherwise the longest-idle agent" path="default_agent" error={error} value={draft.default_agent} onChange={(v) => set('default_agent', v ?? null)} disabled={disabled} />
            {field('ring_timeout_s', 'Ring each agent for (seconds)', 'number')}
            {field('max_attempts', 'Agents to try', 'number')}
            {target('fallback', 'When no agent answers')}
          </>
        ) : null}
        {flow === 'ivr' ? (
          <>
            {field('greeting', 'Greeting')}
            {field('prompt', 'Menu prompt', 'text', 'leave empty to write it from the options')}
            <fieldset className="options">
              <legend>Options</legend>
              {options.map((option, index) => (
                <div className="option" key={index} data-testid={`ivr-option-${index}`}>
                  <Field label={`Key of option ${index + 1}`} path={`options[${index}].digit`} error={error} value={option.digit} onChange={(v) => setOption(index, { ...option, digit: v })} disabled={disabled} />
                  <TargetEditor legend={`Option ${index + 1} sends to`} path={`options[${index}].target`} error={error} value={(option.target ?? { type: 'voicemail' }) as Draft} onChange={(v) => setOption(index, { ...option, target: v })} queues={props.queues} disabled={disabled} />
                  <button type="button" className="secondary" onClick={() => setOptions(options.filter((_, i) => i !== index))}>
                    Remove option {index + 1}
                  </button>
                </div>
              ))}
              <span className="field-error" data-testid="error-options">
                {messageFor(error, 'options')}
              </span>
              <button type="button" className="secondary" data-testid="add-option" onClick={() => setOptions([...options, { digit: String(options.length + 1), target: { type: 'voicemail' } }])}>
                Add an option
              </button>
            </fieldset>
            {field('input_timeout_s', 'Wait for a key (seconds)', 'number')}
            {field('retry_message', 'Said before the menu repeats')}
            {field('ring_timeout_s', 'Ring each agent for (seconds)', 'number')}
            {field('max_attempts', 'Agents to try', 'number')}
            {target('fallback', 'After a second wrong key, or when nobody answers')}
          </>
        ) : null}
        {flow === 'whisper' ? (
          <>
            {field('topic', 'Topic whispered to the agent')}
            {field('greeting', 'Greeting to the caller')}
            <WhisperAgent value={draft.agent as Draft | null | undefined} error={error} disabled={disabled} onChange={(v) => set('agent', v)} />
            {field('ring_timeout_s', 'Ring each agent for (seconds)', 'number')}
            {field('max_attempts', 'Agents to try', 'number')}
            {field('max_wait_s', 'Longest wait for an agent (seconds)', 'number')}
            {target('fallback', 'When no agent answers')}
          </>
        ) : null}
        {flow === 'queue' ? (
          <label className="field">
            <span>Queue</span>
            <select value={typeof draft.queue === 'string' ? draft.queue : ''} aria-invalid={messageFor(error, 'queue') ? true : undefined} aria-describedby="flow-queue-error" data-testid="flow-queue" onChange={(e) => set('queue', e.target.value || undefined)}>
              <option value="">Choose a queue</option>
              {props.queues.map((q) => (
                <option key={q} value={q}>
                  {q}
                </option>
              ))}
            </select>
            <span id="flow-queue-error" className="field-error" data-testid="error-queue">
              {messageFor(error, 'queue')}
            </span>
          </label>
        ) : null}
      </fieldset>
      {flow === 'custom' ? <NccoEditor number={props.number} value={draft.ncco} onChange={(v) => set('ncco', v)} error={error} disabled={disabled} /> : null}
      {props.admin ? (
        <button type="submit" data-testid="save-flow">
          Save flow
        </button>
      ) : null}
    </form>
  );
}

/** Whom a whisper call rings: the longest-idle agent, a named agent, or an outside phone. */
function WhisperAgent(props: { value: Draft | null | undefined; error: FieldError | null; disabled: boolean; onChange: (value: Draft | null) => void }) {
  const type = props.value?.type === 'agent' || props.value?.type === 'phone' ? props.value.type : 'any';
  const message = messageFor(props.error, 'agent', true);
  return (
    <fieldset className="target" disabled={props.disabled}>
      <legend>Who answers</legend>
      <label className="field">
        <span>Ring</span>
        <select value={type} aria-describedby="whisper-agent-error" onChange={(e) => props.onChange(e.target.value === 'any' ? null : { type: e.target.value })}>
          <option value="any">The longest-idle agent</option>
          <option value="agent">A named agent</option>
          <option value="phone">An outside phone</option>
        </select>
      </label>
      {type === 'agent' ? (
        <label className="field">
          <span>Agent name</span>
          <input value={String(props.value?.agent ?? '')} aria-invalid={message ? true : undefined} aria-describedby="whisper-agent-error" onChange={(e) => props.onChange({ type: 'agent', agent: e.target.value })} />
        </label>
      ) : null}
      {type === 'phone' ? (
        <label className="field">
          <span>Phone number</span>
          <input value={String(props.value?.number ?? '')} inputMode="tel" aria-invalid={message ? true : undefined} aria-describedby="whisper-agent-error" onChange={(e) => props.onChange({ type: 'phone', number: e.target.value })} />
        </label>
      ) : null}
      <span id="whisper-agent-error" className="field-error" data-testid="error-agent">
        {message}
      </span>
    </fieldset>
  );
}

/** A test call in progress: what the caller hears, and a button to hang up. */
function TestCall({ call, onChange }: { call: TestCallView; onChange: (call: TestCallView | null) => void }) {
  const [error, setError] = useState('');
  const over = isFinalLegStatus(call.status);
  useEffect(() => {
    if (over) return;
    const timer = setInterval(() => {
      api<TestCallView>('GET', `/api/admin/test-calls/${encodeURIComponent(call.uuid)}`).then(onChange, (e: unknown) => setError(messageOf(e)));
    }, 1000);
    return () => clearInterval(timer);
  }, [call.uuid, over, onChange]);
  const hangUp = async () => {
    try {
      await api('DELETE', `/api/admin/test-calls/${encodeURIComponent(call.uuid)}`);
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return (
    <section className="card panel" aria-labelledby="test-call-title" data-testid="test-call">
      <h2 id="test-call-title">
        Test call from {phone(call.from)} to {phone(call.to)}
      </h2>
      <p role="status">
        Status: <strong data-testid="test-call-status">{call.status}</strong>
      </p>
      {call.heard.length > 0 ? (
        <>
          <h3>The caller heard</h3>
          <ol className="changes" data-testid="test-call-heard">
            {call.heard.map((text, i) => (
              <li key={i}>{text}</li>
            ))}
          </ol>
        </>
      ) : null}
      <p className="error" role="alert">
        {error}
      </p>
      <div className="row-actions">
        {!over ? (
          <button type="button" className="danger" data-testid="test-call-hangup" onClick={() => void hangUp()}>
            Hang up the test call
          </button>
        ) : null}
        <button type="button" className="secondary" onClick={() => onChange(null)}>
          Close
        </button>
      </div>
    </section>
  );
}
