/**
 * The custom flow's NCCO editor: JSON in a text area, checked as the operator types with the
 * backend's own schema (`common/ncco-schema.ts`) and phrased like the backend's 400s, so
 * the message beside the field names the same place (`ncco[1].endpoint[0].user`). The seed
 * guide's sample NCCOs (inbound, outbound, IVR) are offered to start from.
 */
import { useEffect, useId, useState } from 'react';
import type { NccoSample } from '../../common/console-api';
import { nccoSchema } from '../../common/ncco-schema';
import { locateIssue } from '../../common/zod-issues';
import { api } from './api';
import { FieldMessage, messageFor, type FieldError } from './fields';

/** What is wrong with the text as an NCCO, in the backend's words, or null when it is valid. */
export function checkNccoText(text: string): FieldError | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { field: 'ncco', message: `ncco is not valid JSON: ${error instanceof Error ? error.message : 'cannot be read'}` };
  }
  const result = nccoSchema.safeParse(value);
  if (result.success) return null;
  const { field, message } = locateIssue(result.error, value, 'ncco');
  return { field, message: `${field} ${message}` };
}

/** The value to send: the parsed JSON, or the text itself when it does not parse (the backend then refuses it by name). */
function valueOf(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function NccoEditor(props: { number: string; value: unknown; onChange: (value: unknown) => void; error: FieldError | null; disabled: boolean }) {
  const id = useId();
  const [text, setText] = useState(() => (props.value === undefined ? '' : JSON.stringify(props.value, null, 2)));
  const [samples, setSamples] = useState<NccoSample[]>([]);
  const [note, setNote] = useState('');
  useEffect(() => {
    api<{ samples: NccoSample[] }>('GET', `/api/admin/numbers/${encodeURIComponent(props.number)}/ncco-samples`).then(
      (r) => setSamples(r.samples),
      () => setSamples([]),
    );
  }, [props.number]);

  const typed = text.trim() === '' ? null : checkNccoText(text);
  // The live check speaks first; the backend's answer to the last save stands until the text changes.
  const message = typed?.message ?? messageFor(props.error, 'ncco', true);
  const edit = (next: string) => {
    setText(next);
    props.onChange(next.trim() === '' ? undefined : valueOf(next));
  };

  return (
    <div className="ncco-editor">
      {!props.disabled ? (
        <div className="row-actions" role="group" aria-label="Start from a sample NCCO">
          <span className="muted small">Start from a sample:</span>
          {samples.map((s) => (
            <button
              key={s.id}
              type="button"
              className="secondary"
              data-testid={`ncco-sample-${s.id}`}
              onClick={() => {
                edit(JSON.stringify(s.ncco, null, 2));
                setNote(s.note);
              }}
            >
              {s.label}
            </button>
          ))}
        </div>
      ) : null}
      {note ? <p className="muted small">{note}</p> : null}
      <label className="field">
        <span>NCCO (JSON array of actions)</span>
        <textarea
          rows={14}
          spellCheck={false}
          value={text}
          disabled={props.disabled}
          aria-invalid={message ? true : undefined}
          aria-describedby={`${id}-error ${id}-ok`}
          data-testid="ncco-text"
          onChange={(e) => edit(e.target.value)}
        />
      </label>
      <FieldMessage id={`${id}-error`} message={message} testId="error-ncco" />
      <span id={`${id}-ok`} className="ok small" data-testid="ncco-valid">
        {text.trim() !== '' && typed === null ? 'Valid NCCO' : ''}
      </span>
    </div>
  );
}
