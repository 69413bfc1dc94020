/**
 * The reports page: calls per hour, service level and abandon rate per queue per day, average
 * wait and handle time per day, and each agent's occupancy, over a chosen period; each chart
 * has its figures as a table beside it and a CSV download.
 *
 * Charts are uPlot: about 50 kB minified (~23 kB gzip) with no dependencies, drawing on one
 * canvas, and among the fastest time-series charts for the browser — a fraction of Chart.js
 * (~200 kB) or ECharts (~1 MB). It styles elements through the DOM (no inline style markup),
 * which the console's strict CSP allows. This page is loaded on demand (main.tsx), so the
 * wallboard's cold load does not pay for it.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ConsoleReport } from '../../common/console-api';
import { ApiError, api } from './api';

type Row = Record<string, string | number | null>;
const DAY_MS = 86_400_000;
const COLORS = ['#2f6fdf', '#c2410c', '#15803d', '#7e22ce', '#0e7490', '#b91c1c', '#a16207'];

/** A UTC date (YYYY-MM-DD) as epoch seconds, for the charts' x axis. */
const daySeconds = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;

/** A uPlot chart over `data` ([x, ...series]); redrawn when they change, sized to its box. */
function Chart({ title, series, data, bars = false }: { title: string; series: string[]; data: number[][]; bars?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || (data[0]?.length ?? 0) === 0) return;
    const chart = new uPlot(
      {
        width: Math.max(320, el.clientWidth),
        height: 240,
        series: [
          {},
          ...series.map((label, i) => ({
            label,
            stroke: COLORS[i % COLORS.length] ?? '#2f6fdf',
            width: 2,
            ...(bars ? { fill: `${COLORS[i % COLORS.length] ?? '#2f6fdf'}55`, paths: uPlot.paths.bars?.({ size: [0.6, 40] }) } : {}),
          })),
        ],
        axes: [{ stroke: '#8a93a3' }, { stroke: '#8a93a3' }],
      },
      data as uPlot.AlignedData,
      el,
    );
    return () => chart.destroy();
  }, [series, data, bars]);
  return <div ref={box} className="chart" role="img" aria-label={`${title} chart; the figures are in the table below`} />;
}

/** A report's rows as a table, with its CSV download. */
function Figures({ report, query, caption }: { report: ConsoleReport; query: string; caption: string }) {
  return (
    <>
      <table data-testid={`report-${report.report}`}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {report.columns.map((c) => (
              <th scope="col" key={c}>
                {c.replace(/_/g, ' ')}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {report.rows.map((r, i) => (
            <tr key={i}>
              {report.columns.map((c) => (
                <td key={c} className={typeof r[c] === 'number' ? 'num' : undefined}>
                  {r[c] ?? '—'}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {report.rows.length === 0 ? <p className="muted">No data in this period.</p> : null}
      <a href={`/api/console/reports/${report.report}?${query}&format=csv`} download data-testid={`csv-${report.report}`}>
        Download {caption} as CSV
      </a>
    </>
  );
}

/** Pivot per-queue daily rows into [days, one series per queue] for a chart. */
function perQueue(rows: Row[], field: string): { queues: string[]; data: number[][] } {
  const days = [...new Set(rows.map((r) => String(r.day)))].sort();
  const queues = [...new Set(rows.map((r) => String(r.queue)))].sort();
  const data = [days.map(daySeconds), ...queues.map((q) => days.map((d) => Number(rows.find((r) => r.day === d && r.queue === q)?.[field] ?? NaN)))];
  return { queues, data };
}

const toInput = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function Reports() {
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const [draft, setDraft] = useState({ from: toInput(today - 6 * DAY_MS), to: toInput(today), sl: '20' });
  const [query, setQuery] = useState('');
  const [reports, setReports] = useState<Record<string, ConsoleReport>>({});
  const [error, setError] = useState<{ text: string; field?: string | undefined }>({ text: '' });

  const run = async (q: typeof draft) => {
    // The period is whole UTC days, the last one included.
    const to = Number.isFinite(Date.parse(q.to)) ? new Date(Date.parse(`${q.to}T00:00:00Z`) + DAY_MS).toISOString() : q.to;
    const params = new URLSearchParams({ from: q.from, to, service_level_s: q.sl }).toString();
    try {
      const names = ['calls-per-hour', 'queues-daily', 'handle-time', 'agent-occupancy'];
      const got = await Promise.all(names.map((n) => api<ConsoleReport>('GET', `/api/console/reports/${n}?${params}`)));
      setReports(Object.fromEntries(got.map((r) => [r.report, r])));
      setQuery(params);
      setError({ text: '' });
    } catch (e) {
      setError(e instanceof ApiError ? { text: e.message, field: e.field } : { text: 'The reports could not be read' });
    }
  };
  useEffect(() => void run(draft), []); // The first period only; later ones on submit.

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(draft);
  };

  const hourly = reports['calls-per-hour'];
  const queues = reports['queues-daily'];
  const handle = reports['handle-time'];
  const occupancy = reports['agent-occupancy'];
  const sl = queues ? perQueue(queues.rows, 'service_level') : null;
  const abandon = queues ? perQueue(queues.rows, 'abandon_rate') : null;

  return (
    <section aria-labelledby="reports-title">
      <h1 id="reports-title">Reports</h1>
      <form className="inline-form" onSubmit={submit} aria-label="Report period">
        <label>
          From (UTC day)
          <input type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} aria-invalid={error.field === 'from' ? true : undefined} data-testid="report-from" />
        </label>
        <label>
          To (UTC day, included)
          <input type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} aria-invalid={error.field === 'to' ? true : undefined} data-testid="report-to" />
        </label>
        <label>
          Service level threshold (s)
          <input type="number" min={1} max={3600} value={draft.sl} onChange={(e) => setDraft({ ...draft, sl: e.target.value })} aria-invalid={error.field === 'service_level_s' ? true : undefined} data-testid="report-sl" />
        </label>
        <button type="submit" data-testid="report-run">
          Show reports
        </button>
      </form>
      <p className="error" role="alert" data-testid="report-error">
        {error.text}
      </p>
      {hourly ? (
        <section className="panel" aria-labelledby="r-hourly">
          <h2 id="r-hourly">Calls per hour</h2>
          <Chart
            title="Calls per hour"
            series={['calls', 'answered', 'abandoned']}
            bars
            data={[hourly.rows.map((r) => Date.parse(String(r.hour)) / 1000), ...['calls', 'answered', 'abandoned'].map((f) => hourly.rows.map((r) => Number(r[f])))]}
          />
          <Figures report={hourly} query={query} caption="calls per hour" />
        </section>
      ) : null}
      {queues && sl && abandon ? (
        <section className="panel" aria-labelledby="r-queues">
          <h2 id="r-queues">Service level and abandon rate per queue</h2>
          <div className="chart-pair">
            <Chart title="Service level per queue per day" series={sl.queues.map((q) => `${q} service level`)} data={sl.data} />
            <Chart title="Abandon rate per queue per day" series={abandon.queues.map((q) => `${q} abandon rate`)} data={abandon.data} />
          </div>
          <Figures report={queues} query={query} caption="queues per day" />
        </section>
      ) : null}
      {handle ? (
        <section className="panel" aria-labelledby="r-handle">
          <h2 id="r-handle">Average wait and handle time</h2>
          <Chart
            title="Average wait and handle time per day"
            series={['average wait (s)', 'average handle (s)']}
            data={[handle.rows.map((r) => daySeconds(String(r.day))), handle.rows.map((r) => Number(r.average_wait_s ?? NaN)), handle.rows.map((r) => Number(r.average_handle_s ?? NaN))]}
          />
          <Figures report={handle} query={query} caption="wait and handle time" />
        </section>
      ) : null}
      {occupancy ? (
        <section className="panel" aria-labelledby="r-occupancy">
          <h2 id="r-occupancy">Agent occupancy</h2>
          <ul className="bars" aria-hidden="true">
            {occupancy.rows.map((r) => (
              <li key={String(r.agent)}>
                <span>{r.agent}</span>
                <meter min={0} max={1} value={Number(r.occupancy ?? 0)} />
              </li>
            ))}
          </ul>
          <Figures report={occupancy} query={query} caption="agent occupancy" />
        </section>
      ) : null}
    </section>
  );
}
