import { useCallback, useEffect, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { api, type Actor } from '../api';
import type { paths } from '../api-types';
import { useLocale } from '../i18n';
import { useLive } from '../live';

type Month = paths['/clients/{id}/months/{month}']['get']['responses'][200]['content']['application/json'];
type Statement = paths['/clients/{id}/statements/{month}']['get']['responses'][200]['content']['application/json'];
type Clients = { items: { id: string; name: string }[] };

/** This month as YYYY-MM, in the browser's time zone (the page then shows the client's own figures). */
export const thisMonth = () => new Date().toISOString().slice(0, 7);
const shift = (month: string, by: number) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + by, 1));
  return d.toISOString().slice(0, 7);
};

/** The hours left day by day against an even burn of the month's hours: an SVG with a table for screen readers. */
function BurnDown({ month }: { month: Month }) {
  const { t, hours, lang } = useLocale();
  const days = month.days;
  const [y, m] = month.period.split('-').map(Number) as [number, number];
  const length = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const W = 600;
  const H = 220;
  const P = 32;
  const top = Math.max(month.includedHours, ...days.map((d) => d.leftHours), 1);
  const bottom = Math.min(0, ...days.map((d) => d.leftHours));
  const x = (day: number) => P + ((day - 1) / Math.max(1, length - 1)) * (W - 2 * P);
  const yOf = (h: number) => P + ((top - h) / (top - bottom)) * (H - 2 * P);
  const actual = days.map((d, i) => `${i === 0 ? 'M' : 'L'}${x(Number(d.date.slice(8, 10))).toFixed(1)},${yOf(d.leftHours).toFixed(1)}`).join(' ');
  const label = `${t.burnDown}: ${hours(month.includedHours)} → ${hours(days.at(-1)?.leftHours ?? month.includedHours)}`;
  const day = new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
  return (
    <figure className="burn">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
        <line x1={P} y1={yOf(0)} x2={W - P} y2={yOf(0)} className="axis" />
        <line x1={x(1)} y1={yOf(month.includedHours)} x2={x(length)} y2={yOf(0)} className="ideal" />
        {days.length > 0 ? <path d={actual} className="actual" /> : null}
        <text x={P} y={P - 8} className="tick">
          {hours(top)}
        </text>
        <text x={W - P} y={yOf(0) + 16} textAnchor="end" className="tick">
          {day.format(new Date(Date.UTC(y, m - 1, length)))}
        </text>
      </svg>
      <figcaption>
        <span className="legend actual">{t.leftByDay}</span> <span className="legend ideal">{t.evenBurn}</span>
      </figcaption>
      <details>
        <summary>{t.byDay}</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">{t.day}</th>
              <th scope="col">{t.leftByDay}</th>
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.date}>
                <td>{day.format(new Date(`${d.date}T00:00:00Z`))}</td>
                <td>{hours(d.leftHours)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

/** A client's month: the hours included, used, held and left, the burn-down, and the statement. */
export function MonthPage({ actor }: { actor: Actor }) {
  const { t, hours } = useLocale();
  const [params, setParams] = useSearchParams();
  const [clients, setClients] = useState<Clients['items']>([]);
  const clientId = actor.role === 'client' ? (actor.clientId ?? '') : (params.get('client') ?? clients[0]?.id ?? '');
  const month = params.get('month') ?? thisMonth();
  const [data, setData] = useState<Month | null | undefined>(undefined);
  useEffect(() => {
    if (actor.role === 'client') return;
    void api.GET('/clients').then(({ data: d }) => setClients(((d as Clients | undefined)?.items ?? []).sort((a, b) => a.name.localeCompare(b.name))));
  }, [actor.role]);
  const load = useCallback(async () => {
    if (!clientId) return;
    const { data: d } = await api.GET('/clients/{id}/months/{month}', { params: { path: { id: clientId, month } } });
    setData(d ?? null);
  }, [clientId, month]);
  useEffect(() => {
    void load();
  }, [load]);
  useLive((e) => e.kind === 'request', () => void load());
  const go = (next: Record<string, string>) => setParams({ ...Object.fromEntries(params), ...next });
  const figures: [string, number | undefined][] = data
    ? [
        [t.included, data.includedHours],
        [t.used, data.consumedHours],
        [t.committed, data.committedHours],
        [t.left, data.freeHours],
        ...(data.overageHours > 0 ? ([[t.overage, data.overageHours]] as [string, number][]) : []),
      ]
    : [];
  return (
    <>
      <h1>{t.month}</h1>
      <nav className="month-nav" aria-label={t.month}>
        {actor.role !== 'client' ? (
          <label>
            {t.client}
            <select value={clientId} onChange={(e) => go({ client: e.target.value })}>
              {clients.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <button type="button" onClick={() => go({ month: shift(month, -1) })}>
          ← {t.previous}
        </button>
        <label>
          {t.monthLabel}
          <input type="month" value={month} onChange={(e) => e.target.value && go({ month: e.target.value })} />
        </label>
        <button type="button" onClick={() => go({ month: shift(month, 1) })}>
          {t.nextMonth} →
        </button>
      </nav>
      {data === undefined ? <p>{t.loading}</p> : null}
      {data === null ? <p role="alert">{t.notFound}</p> : null}
      {data ? (
        <>
          <dl className="figures">
            {figures.map(([name, value]) => (
              <div key={name}>
                <dt>{name}</dt>
                <dd>{hours(value)}</dd>
              </div>
            ))}
          </dl>
          <BurnDown month={data} />
          <p className="statement-links">
            <a href={`/clients/${clientId}/statements/${month}?format=csv`} download>
              {t.downloadCsv}
            </a>{' '}
            <Link to={`/statement/${clientId}/${month}`}>{t.printable}</Link>
          </p>
        </>
      ) : null}
    </>
  );
}

/** The month's statement as a printable page (the browser's print makes the PDF). */
export function StatementPage() {
  const { t, hours, moment } = useLocale();
  const { clientId = '', month = '' } = useParams();
  const [s, setS] = useState<Statement | null | undefined>(undefined);
  useEffect(() => {
    void api.GET('/clients/{id}/statements/{month}', { params: { path: { id: clientId, month } } }).then(({ data }) => setS(data ?? null));
  }, [clientId, month]);
  if (s === undefined) return <p>{t.loading}</p>;
  if (s === null) return <p role="alert">{t.notFound}</p>;
  return (
    <article className="statement">
      <h1>
        {t.statement}: {s.clientName}, {month}
      </h1>
      <p>{s.closed ? t.statementClosed : t.statementOpen}</p>
      <button type="button" className="no-print" onClick={() => window.print()}>
        {t.print}
      </button>
      <table>
        <thead>
          <tr>
            <th scope="col">{t.title}</th>
            <th scope="col">{t.stage}</th>
            <th scope="col">{t.closedAt}</th>
            <th scope="col">{t.billable}</th>
          </tr>
        </thead>
        <tbody>
          {s.requests.map((r) => (
            <tr key={r.requestId}>
              <td>{r.title}</td>
              <td>{t.stages[r.stage] ?? r.stage}</td>
              <td>{moment(r.closedAt)}</td>
              <td>{hours(r.billableHours)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={3}>
              {t.total}
            </th>
            <td>{hours(s.totals.billableHours)}</td>
          </tr>
        </tfoot>
      </table>
      <dl className="figures">
        <div>
          <dt>{t.included}</dt>
          <dd>{hours(s.summary.includedHours)}</dd>
        </div>
        <div>
          <dt>{t.used}</dt>
          <dd>{hours(s.summary.consumedHours)}</dd>
        </div>
        <div>
          <dt>{t.left}</dt>
          <dd>{hours(s.summary.freeHours)}</dd>
        </div>
      </dl>
    </article>
  );
}
