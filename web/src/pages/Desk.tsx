import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { api, type Actor } from '../api';
import type { paths } from '../api-types';
import { useLocale } from '../i18n';
import { useLive } from '../live';

type Inbox = paths['/inbox']['get']['responses'][200]['content']['application/json'];
type Escalations = paths['/escalations']['get']['responses'][200]['content']['application/json'];
type MyTasks = paths['/me/tasks']['get']['responses'][200]['content']['application/json'];
type Queue = paths['/requests']['get']['responses'][200]['content']['application/json']['items'];

/** The SLA clock: how long until triage is due, or how long it is overdue, ticking. */
function SlaClock({ due, now }: { due: string | null | undefined; now: number }) {
  const { t, lang } = useLocale();
  if (!due) return null;
  const ms = new Date(due).getTime() - now;
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const span = new Intl.NumberFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { maximumFractionDigits: 0 });
  const text = minutes >= 120 ? `${span.format(Math.floor(minutes / 60))} ${t.hoursShort}` : `${span.format(minutes)} ${t.minutesShort}`;
  return <span className={`sla${ms < 0 ? ' overdue' : ms < 3_600_000 ? ' soon' : ''}`}>{ms < 0 ? `${t.overdueBy} ${text}` : `${t.dueIn} ${text}`}</span>;
}

/** My desk: what is new for me, the escalations I own (staff), my tasks (specialists); live. */
export function DeskPage({ actor }: { actor: Actor }) {
  const { t, moment, moments, hours } = useLocale();
  const [inbox, setInbox] = useState<Inbox['items']>([]);
  const [escalations, setEscalations] = useState<Escalations['items']>([]);
  const [tasks, setTasks] = useState<MyTasks['items']>([]);
  const [reviews, setReviews] = useState<MyTasks['reviews']>([]);
  const [queue, setQueue] = useState<Queue>([]);
  const [now, setNow] = useState(() => Date.now());
  const staff = actor.role === 'manager' || actor.role === 'head';
  const load = useCallback(async () => {
    const [n, e, k, q] = await Promise.all([
      api.GET('/inbox', { params: { query: { limit: 50 } } }),
      staff ? api.GET('/escalations', { params: { query: { state: 'open' } } }) : Promise.resolve(undefined),
      actor.role === 'specialist' ? api.GET('/me/tasks') : Promise.resolve(undefined),
      staff ? api.GET('/requests', { params: { query: { stage: 'Triage', limit: 100 } } }) : Promise.resolve(undefined),
    ]);
    setInbox(n.data?.items ?? []);
    if (e) setEscalations(e.data?.items ?? []);
    if (k) {
      setTasks(k.data?.items ?? []);
      setReviews(k.data?.reviews ?? []);
    }
    // Most urgent first: the triage deadline (R3).
    if (q) setQueue([...(q.data?.items ?? [])].sort((a, b) => String(a.triageDueAt ?? '').localeCompare(String(b.triageDueAt ?? ''))));
  }, [actor.role, staff]);
  useEffect(() => {
    void load();
  }, [load]);
  // Escalations raised by the requests' timers, new notices and my tasks' changes appear on their own.
  useLive(() => true, () => void load());
  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(tick);
  }, []);
  const acknowledge = async (id: string) => {
    await api.POST('/escalations/{escalationId}/acknowledge', { params: { path: { escalationId: id } } });
    await load();
  };
  return (
    <>
      <h1>{t.desk}</h1>
      {staff ? (
        <section aria-labelledby="esc" aria-live="polite">
          <h2 id="esc">{t.escalations}</h2>
          {escalations.length === 0 ? <p>{t.nothingHere}</p> : null}
          <ul className="list">
            {escalations.map((e) => (
              <li key={e.id} className="row escalation">
                <span>
                  <strong>{t.escalationKinds[e.kind] ?? e.kind}</strong> · {moments(e.cause)}
                </span>
                {e.acknowledgedAt ? (
                  <span className="muted">{t.acknowledged}</span>
                ) : (
                  <button type="button" onClick={() => void acknowledge(e.id)}>
                    {t.acknowledge}
                  </button>
                )}
                <span className="muted">
                  {moment(e.raisedAt)} {e.requestId ? <Link to={`/r/${e.requestId}`}>{t.open}</Link> : null}
                </span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {staff ? (
        <section aria-labelledby="triage">
          <h2 id="triage">{t.triageQueue}</h2>
          {queue.length === 0 ? <p>{t.nothingHere}</p> : null}
          <ul className="list">
            {queue.map((r) => (
              <li key={r.requestId} className="row">
                <Link to={`/r/${r.key ?? r.requestId}`}>
                  {r.key ? `${r.key} · ` : ''}
                  {r.title}
                </Link>
                <SlaClock due={r.triageDueAt} now={now} />
                <span className="muted">
                  {t.priorities[r.priority] ?? r.priority} · {t.created} {moment(r.createdAt)}
                </span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {actor.role === 'specialist' ? (
        <section aria-labelledby="tasks">
          <h2 id="tasks">{t.myTasks}</h2>
          {tasks.length === 0 ? <p>{t.nothingHere}</p> : null}
          <ul className="list">
            {tasks.map((k) => (
              <li key={`${k.requestId}-${k.taskId}`} className="row">
                <Link to={`/r/${k.requestId}`}>
                  {k.taskId} {k.title}
                </Link>
                <span className="task-status">{t.taskStatuses[k.status] ?? k.status}</span>
                <span className="muted">{t.priorities[k.priority] ?? k.priority}</span>
                <span className="muted">
                  {hours(k.hours)} · {t.deadline}: {moment(k.deadlineAt)}
                </span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {actor.role === 'specialist' && reviews.length > 0 ? (
        <section aria-labelledby="reviews">
          <h2 id="reviews">{t.reviewsForMe}</h2>
          <ul className="list">
            {reviews.map((v) => (
              <li key={`${v.requestId}-${v.taskId}`} className="row">
                <Link to={`/r/${v.requestId}`}>
                  {v.review === 'estimate' ? t.reviewEstimate : t.reviewResult}: {v.taskId} {v.title}
                  {v.review === 'estimate' && v.estimateHours !== null ? ` (${hours(v.estimateHours)})` : ''}
                </Link>
                <span className="muted">{moment(v.since)}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section aria-labelledby="inbox">
        <h2 id="inbox">{t.inbox}</h2>
        {inbox.length === 0 ? <p>{t.nothingHere}</p> : null}
        <ul className="list">
          {inbox.map((n) => (
            <li key={n.id} className={`row${n.read ? '' : ' unread'}`}>
              <span>{n.requestId ? <Link to={`/r/${n.requestId}`}>{moments(n.text)}</Link> : moments(n.text)}</span>
              <span className="muted">{moment(n.createdAt)}</span>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
