/**
 * The lists agents pick from: away reasons (`/api/admin/away-reasons`) and call
 * dispositions (`/api/admin/dispositions`). Each is saved whole, in order; the backend's
 * refusal (an empty label, a code used twice) appears beside the row it names.
 */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { SYSTEM_AWAY_REASON_TEXT, type AwayReasons } from '../../common/backend-api';
import type { Disposition, Dispositions } from '../../common/agent-desk';
import type { ConsoleRole } from '../../common/console-api';
import { ApiError, api } from './api';
import { Field, SaveNotice, fieldErrorOf, messageFor, type FieldError, type Notice } from './fields';


/** The lists out of the APIs' answers (module-level, so the editors load once). */
const readReasons = (body: unknown): string[] => (body as AwayReasons).reasons;
const readDispositions = (body: unknown): Disposition[] => (body as Dispositions).dispositions;

export function Lists({ role }: { role: ConsoleRole }) {
  const admin = role === 'admin';
  return (
    <section aria-labelledby="lists-title">
      <h1 id="lists-title">Away reasons and dispositions</h1>
      {!admin ? <p className="muted">Supervisors see the lists; an admin changes them.</p> : null}
      <div className="panel-grid lists">
        <ListEditor<string>
          title="Away reasons"
          what="away reason"
          note={`Built in, not on this list: ${SYSTEM_AWAY_REASON_TEXT}. The desktop app sets it while the PC sleeps or is locked; agents do not pick it.`}
          field="reasons"
          url="/api/admin/away-reasons"
          admin={admin}
          read={readReasons}
          write={(reasons) => ({ reasons })}
          blank={() => ''}
          row={(reason, index, error, change) => (
            <Field label={`Reason ${index + 1}`} path={`reasons.${index}`} error={error} value={reason} onChange={(v) => change(typeof v === 'string' ? v : '')} disabled={!admin} />
          )}
        />
        <ListEditor<Disposition>
          title="Dispositions"
          what="disposition"
          field="dispositions"
          url="/api/admin/dispositions"
          admin={admin}
          read={readDispositions}
          write={(dispositions) => ({ dispositions })}
          blank={() => ({ code: '', label: '' })}
          row={(d, index, error, change) => (
            <>
              <Field label={`Code ${index + 1}`} hint="lower-case, digits, - and _" path={`dispositions.${index}.code`} error={error} value={d.code} onChange={(v) => change({ ...d, code: typeof v === 'string' ? v : '' })} disabled={!admin} />
              <Field label={`Label ${index + 1}`} path={`dispositions.${index}.label`} error={error} value={d.label} onChange={(v) => change({ ...d, label: typeof v === 'string' ? v : '' })} disabled={!admin} />
            </>
          )}
        />
      </div>
    </section>
  );
}

/** An ordered list saved whole: rows to edit, add, move and remove, and one save. */
function ListEditor<T>(props: {
  title: string;
  what: string;
  /** A line under the title (what the list does not hold). */
  note?: string;
  field: string;
  url: string;
  admin: boolean;
  read: (body: unknown) => T[];
  write: (rows: T[]) => unknown;
  blank: () => T;
  row: (value: T, index: number, error: FieldError | null, change: (value: T) => void) => ReactNode;
}) {
  const { read, url } = props;
  const [rows, setRows] = useState<T[]>([]);
  const [error, setError] = useState<FieldError | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  useEffect(() => {
    api<unknown>('GET', url).then(
      (body) => setRows(read(body)),
      (e: unknown) => setNotice({ kind: 'error', text: e instanceof ApiError ? e.message : 'Something went wrong' }),
    );
  }, [url, read]);

  const change = (next: T[]) => {
    setRows(next);
    setError(null);
  };
  const move = (index: number, by: number) => {
    const next = [...rows];
    const [item] = next.splice(index, 1);
    if (item === undefined) return;
    next.splice(index + by, 0, item);
    change(next);
  };
  const save = async (event: FormEvent) => {
    event.preventDefault();
    setNotice(null);
    try {
      setRows(read(await api<unknown>('PUT', props.url, props.write(rows))));
      setNotice({ kind: 'ok', text: `Saved ${rows.length} ${props.what}${rows.length === 1 ? '' : 's'}` });
    } catch (e) {
      setError(fieldErrorOf(e));
      setNotice({ kind: 'error', text: `Not saved: ${e instanceof ApiError ? e.message : 'something went wrong'}` });
    }
  };
  const id = props.field;

  return (
    <form className="card" onSubmit={(e) => void save(e)} aria-labelledby={`${id}-title`} data-testid={`${id}-editor`} noValidate>
      <h2 id={`${id}-title`}>{props.title}</h2>
      {props.note ? (
        <p className="muted" data-testid={`${id}-note`}>
          {props.note}
        </p>
      ) : null}
      <SaveNotice notice={notice} testId={`${id}-notice`} />
      <ol className="list-rows">
        {rows.map((value, index) => (
          <li key={index} data-testid={`${id}-row-${index}`}>
            {props.row(value, index, error, (v) => change(rows.map((r, i) => (i === index ? v : r))))}
            {props.admin ? (
              <div className="row-actions">
                <button type="button" className="secondary" disabled={index === 0} onClick={() => move(index, -1)}>
                  Up<span className="visually-hidden"> {props.what} {index + 1}</span>
                </button>
                <button type="button" className="secondary" disabled={index === rows.length - 1} onClick={() => move(index, 1)}>
                  Down<span className="visually-hidden"> {props.what} {index + 1}</span>
                </button>
                <button type="button" className="secondary" data-testid={`${id}-remove-${index}`} onClick={() => change(rows.filter((_, i) => i !== index))}>
                  Remove<span className="visually-hidden"> {props.what} {index + 1}</span>
                </button>
              </div>
            ) : null}
          </li>
        ))}
      </ol>
      <span className="field-error" data-testid={`error-${id}`}>
        {messageFor(error, props.field)}
      </span>
      {props.admin ? (
        <div className="row-actions">
          <button type="button" className="secondary" data-testid={`${id}-add`} onClick={() => change([...rows, props.blank()])}>
            Add {props.what}
          </button>
          <button type="submit" data-testid={`${id}-save`}>
            Save {props.title.toLowerCase()}
          </button>
        </div>
      ) : null}
    </form>
  );
}
