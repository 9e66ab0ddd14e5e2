import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../api';
import type { paths } from '../api-types';
import { useLocale } from '../i18n';
import { useLive } from '../live';
import { thisMonth } from './Month';

type Workload = paths['/workload']['get']['responses'][200]['content']['application/json'];
type Month = paths['/clients/{id}/months/{month}']['get']['responses'][200]['content']['application/json'];
type Client = paths['/clients']['get']['responses'][200]['content']['application/json']['items'][number];

/** A cell's shade by how full the person is: free, busy, full, over. */
const band = (load: number) => (load >= 1 ? 'over' : load >= 0.8 ? 'full' : load >= 0.4 ? 'busy' : 'free');

/** The team's load by person and skill (a heat map), the queue per skill, and each client's hours this month. */
export function TeamPage() {
  const { t, hours, lang } = useLocale();
  const [w, setW] = useState<Workload | null>(null);
  const [burn, setBurn] = useState<{ client: Client; month: Month }[]>([]);
  const pct = new Intl.NumberFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { style: 'percent', maximumFractionDigits: 0 });
  const load = useCallback(async () => {
    const month = thisMonth();
    const [workload, clients] = await Promise.all([api.GET('/workload'), api.GET('/clients')]);
    setW(workload.data ?? null);
    const items = [...(clients.data?.items ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    const months = await Promise.all(items.map((c) => api.GET('/clients/{id}/months/{month}', { params: { path: { id: c.id, month } } })));
    setBurn(items.flatMap((client, i) => (months[i]?.data ? [{ client, month: months[i].data }] : [])));
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  useLive((e) => e.kind === 'request', () => void load());
  if (!w) return <p>{t.loading}</p>;
  const skills = w.skills.map((s) => s.skill);
  return (
    <>
      <h1>{t.team}</h1>
      <section aria-labelledby="heat">
        <h2 id="heat">{t.loadBySkill}</h2>
        <p className="muted">
          <span className="heat free">{t.bands.free}</span> <span className="heat busy">{t.bands.busy}</span> <span className="heat full">{t.bands.full}</span>{' '}
          <span className="heat over">{t.bands.over}</span>
        </p>
        <div className="scroll" role="region" aria-labelledby="heat" tabIndex={0}>
          <table className="heatmap">
            <thead>
              <tr>
                <th scope="col">{t.person}</th>
                <th scope="col">{t.loadLabel}</th>
                {skills.map((s) => (
                  <th key={s} scope="col">
                    {s}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {w.specialists.map((p) => (
                <tr key={p.id}>
                  <th scope="row">
                    {p.name}
                    {p.absent ? <span className="muted"> · {t.absent}</span> : null}
                  </th>
                  <td className={`heat ${band(p.load)}`}>
                    {pct.format(p.load)} · {hours(p.assignedHours)} / {hours(p.weeklyCapacityHours)}
                  </td>
                  {skills.map((s) => {
                    if (!p.skills.includes(s)) return <td key={s} className="none" aria-label={t.noSkill} />;
                    const held = p.tasks.filter((k) => k.skill === s).reduce((sum, k) => sum + k.hours, 0);
                    return (
                      <td key={s} className={`heat ${band(p.load)}`}>
                        {hours(held)}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">{t.waitingTasks}</th>
                <td />
                {w.skills.map((s) => (
                  <td key={s.skill} className={s.queue.length > 0 ? 'heat over' : undefined}>
                    {s.queue.length > 0 ? (
                      <Link to={`/r/${s.queue[0]!.requestId}`}>
                        {s.queue.length} · {s.queue[0]!.waitingFor === 'skill' ? t.missingSkill : t.noRoom}
                      </Link>
                    ) : (
                      '0'
                    )}
                  </td>
                ))}
              </tr>
            </tfoot>
          </table>
        </div>
      </section>
      <section aria-labelledby="burn">
        <h2 id="burn">{t.clientBurn}</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">{t.client}</th>
              <th scope="col">{t.included}</th>
              <th scope="col">{t.used}</th>
              <th scope="col">{t.committed}</th>
              <th scope="col">{t.left}</th>
              <th scope="col">{t.burnt}</th>
            </tr>
          </thead>
          <tbody>
            {burn.map(({ client, month }) => {
              const share = month.includedHours > 0 ? (month.consumedHours + month.committedHours) / month.includedHours : 0;
              return (
                <tr key={client.id}>
                  <th scope="row">
                    <Link to={`/month?client=${client.id}`}>{client.name}</Link>
                  </th>
                  <td>{hours(month.includedHours)}</td>
                  <td>{hours(month.consumedHours)}</td>
                  <td>{hours(month.committedHours)}</td>
                  <td>{hours(month.freeHours)}</td>
                  <td>
                    <meter min={0} max={1} low={0.5} high={0.9} optimum={0.7} value={Math.min(1, share)} aria-label={`${client.name}: ${pct.format(share)}`} /> {pct.format(share)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
    </>
  );
}
