import { useCallback, useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { useParams } from 'react-router-dom';
import { ApiError, act, api, type Actor, type Message, type Problem, type RequestView, type Timeline } from '../api';
import type { paths } from '../api-types';
import { useLocale, type Texts } from '../i18n';
import { useLive } from '../live';
import { ProblemText } from './SignIn';
import { Action, type Field } from '../Action';
import { RequestPolicyPanel } from './Policies';

/** The kinds of time a person logs, in their language. */
const categoryOptions = (t: Texts) => (['execution', 'rework', 'analysis', 'communication'] as const).map((c) => ({ value: c, label: t.categories[c] ?? c }));

const complexity = (t: Texts): Field => ({ name: 'complexity', label: t.complexity, kind: 'select', options: (['low', 'medium', 'high'] as const).map((c) => ({ value: c, label: t[c] })) });

/** The actions this person can take now, by role and stage (the API decides; these are the ones that make sense to offer). */
function Actions({ r, actor, reload }: { r: RequestView; actor: Actor; reload: () => void }) {
  const { t, moment, hours } = useLocale();
  const base = `/requests/${r.requestId}`;
  const out: ReactNode[] = [];
  const open = !['Closed', 'Cancelled'].includes(r.stage);
  if (actor.role === 'client') {
    if (r.stage === 'ClientApproval') {
      out.push(<Action key="approve" title={t.approve} path={`${base}/approve`} fields={[{ name: 'acceptOverage', label: t.acceptOverage, kind: 'checkbox' }]} onDone={reload} />);
      out.push(
        <Action
          key="reject"
          title={t.reject}
          path={`${base}/reject`}
          fields={[
            { name: 'comment', label: t.comment, kind: 'textarea', required: true },
            { name: 'next', label: t.next, kind: 'select', options: [{ value: 'reestimate', label: t.reestimate }, { value: 'cancel', label: t.cancelRequest }] },
          ]}
          fixed={{ next: 'reestimate' }}
          onDone={reload}
        />,
      );
    }
    for (const q of r.questions.filter((x) => x.status === 'client')) {
      out.push(<Action key={q.id} title={`${t.question}: ${q.question ?? ''}`} path={`${base}/questions/${q.id}/client-answer`} fields={[{ name: 'answer', label: t.answer, kind: 'textarea', required: true }]} onDone={reload} />);
    }
    for (const p of r.proposals.filter((x) => x.status === 'pending')) {
      out.push(<Action key={`${p.id}-y`} title={`${t.deadlineProposal}: ${moment(p.newDeadline)} (+${hours(p.extraHours)}) — ${t.agree}`} path={`${base}/deadline-proposals/${p.id}/answer`} fixed={{ agree: true }} onDone={reload} />);
      out.push(<Action key={`${p.id}-n`} title={t.decline} path={`${base}/deadline-proposals/${p.id}/answer`} fixed={{ agree: false }} fields={[{ name: 'comment', label: t.comment, kind: 'text' }]} onDone={reload} />);
    }
    if (r.stage === 'ClientReview') {
      out.push(<Action key="close" title={t.acceptResult} path={`${base}/confirm-closure`} onDone={reload} />);
      out.push(<Action key="rework" title={t.returnForRework} path={`${base}/rework`} fields={[{ name: 'reason', label: t.reason, kind: 'textarea', required: true }]} onDone={() => setTimeout(reload, 500)} />);
    }
    if (open) out.push(<Action key="cancel" danger title={t.cancelRequest} path={`${base}/cancel`} fields={[{ name: 'reason', label: t.reason, kind: 'textarea', required: true }]} onDone={reload} />);
  }
  if (actor.role === 'manager' || actor.role === 'head') {
    if (r.stage === 'Triage') {
      out.push(<Action key="delegate" title={t.delegate} path={`${base}/triage`} fixed={{ decision: 'delegate' }} onDone={reload} />);
      out.push(<Action key="resolve" title={t.resolveMyself} path={`${base}/triage`} fixed={{ decision: 'resolve' }} fields={[{ name: 'resolution', label: t.resolution, kind: 'textarea', required: true }]} onDone={reload} />);
    }
    if (r.stage === 'Decomposition') out.push(<Decompose key="decompose" path={`${base}/decompose`} onDone={reload} />);
    for (const q of r.questions.filter((x) => x.status === 'open')) {
      out.push(<Action key={q.id} title={`${t.question}: ${q.text ?? ''}`} path={`${base}/questions/${q.id}/answer`} fields={[{ name: 'answer', label: t.answer, kind: 'textarea', required: true }]} onDone={reload} />);
    }
    if (open && r.stage !== 'Triage') out.push(<Action key="ask" title={t.askClient} path={`${base}/ask-client`} fields={[{ name: 'text', label: t.question, kind: 'textarea', required: true }]} onDone={reload} />);
    if (r.stage === 'InternalReview') {
      out.push(<Action key="accept" title={t.acceptInternal} path={`${base}/accept-result`} onDone={reload} />);
      out.push(<Action key="rework" title={t.returnForRework} path={`${base}/rework`} fields={[{ name: 'reason', label: t.reason, kind: 'textarea', required: true }]} onDone={() => setTimeout(reload, 500)} />);
    }
    if (['Estimation', 'ClientApproval', 'Execution', 'InternalReview', 'ClientReview'].includes(r.stage) && r.tasks.length > 0) {
      // A scope change adds work; the client approves its estimate again.
      out.push(
        <Action
          key="scope"
          title={t.changeScope}
          path={`${base}/scope`}
          fields={[
            { name: 'title', label: t.taskTitle, kind: 'text', required: true },
            { name: 'skill', label: t.skill, kind: 'text', required: true },
            { name: 'reason', label: t.reason, kind: 'textarea', required: true },
          ]}
          shape={(b) => ({ reason: b.reason, tasks: [{ title: b.title, skill: b.skill }] })}
          onDone={() => setTimeout(reload, 500)}
        />,
      );
    }
    if (open) {
      out.push(
        <Action
          key="priority"
          title={t.changePriority}
          path={`${base}/priority`}
          fields={[
            { name: 'priority', label: t.priority, kind: 'select', options: ['critical', 'high', 'normal', 'low'].map((p) => ({ value: p, label: t.priorities[p] ?? p })) },
            { name: 'reason', label: t.reason, kind: 'textarea', required: true },
          ]}
          fixed={{ priority: r.priority }}
          onDone={reload}
        />,
      );
    }
    for (const task of r.tasks.filter((x) => x.status === 'in_progress')) {
      out.push(
        <Action
          key={`dl-${task.id}`}
          title={`${t.proposeDeadline}: ${task.id}`}
          path={`${base}/tasks/${task.id}/deadline-proposal`}
          fields={[
            { name: 'newDeadline', label: t.newDeadline, kind: 'datetime', required: true },
            { name: 'extraHours', label: t.extraHours, kind: 'number', step: 0.25 },
            { name: 'cause', label: t.cause, kind: 'select', options: ['client_side', 'external', 'wrong_estimate', 'specialist_mistake'].map((c) => ({ value: c, label: t.causes[c] ?? c })) },
            { name: 'note', label: t.note, kind: 'textarea', required: true },
          ]}
          fixed={{ cause: 'client_side' }}
          onDone={reload}
        />,
      );
    }
  }
  if (actor.role === 'specialist') {
    const categories = categoryOptions(t);
    for (const task of r.tasks.filter((x) => x.assigneeId === actor.id)) {
      if (task.status === 'estimating') {
        out.push(
          <Action key={`est-${task.id}`} title={`${t.estimateTask}: ${task.title}`} path={`${base}/tasks/${task.id}/estimate`} fields={[{ name: 'hours', label: t.hoursLabel, kind: 'number', step: 0.25, required: true }, complexity(t)]} fixed={{ complexity: 'low' }} onDone={reload} />,
        );
        out.push(<Action key={`q-${task.id}`} title={`${t.askManager}: ${task.title}`} path={`${base}/questions`} fixed={{ taskId: task.id }} fields={[{ name: 'text', label: t.question, kind: 'textarea', required: true }]} onDone={reload} />);
      }
      if (task.status === 'estimating' || task.status === 'estimated' || task.status === 'estimate_review') {
        // R7: a busy specialist gives the task back before the work starts, with a reason.
        out.push(<Action key={`decline-${task.id}`} danger title={`${t.declineTask}: ${task.title}`} path={`${base}/tasks/${task.id}/decline`} fields={[{ name: 'reason', label: t.reason, kind: 'textarea', required: true }]} onDone={reload} />);
      }
      if (task.status === 'in_progress') {
        out.push(<Stopwatch key={`sw-${task.id}`} path={`${base}/time`} requestId={r.requestId} taskId={task.id} title={task.title} onDone={reload} />);
        out.push(
          <Action
            key={`time-${task.id}`}
            title={`${t.logTime}: ${task.title}`}
            path={`${base}/time`}
            fixed={{ taskId: task.id, category: 'execution' }}
            fields={[
              { name: 'minutes', label: t.minutes, kind: 'number', step: 1, required: true },
              { name: 'category', label: t.category, kind: 'select', options: categories },
              { name: 'note', label: t.note, kind: 'text' },
            ]}
            onDone={reload}
          />,
        );
        out.push(<Action key={`progress-${task.id}`} title={`${t.reportProgress}: ${task.title}`} path={`${base}/tasks/${task.id}/progress`} fields={[{ name: 'percent', label: t.percentDone, kind: 'number', step: 5, required: true }]} onDone={reload} />);
        out.push(<Action key={`blocker-${task.id}`} title={`${t.reportBlocker}: ${task.title}`} path={`${base}/tasks/${task.id}/blocker`} fields={[{ name: 'description', label: t.whatBlocks, kind: 'textarea', required: true }]} onDone={reload} />);
        out.push(<Action key={`q2-${task.id}`} title={`${t.askManager}: ${task.title}`} path={`${base}/questions`} fixed={{ taskId: task.id }} fields={[{ name: 'text', label: t.question, kind: 'textarea', required: true }]} onDone={reload} />);
        out.push(<Action key={`done-${task.id}`} title={`${t.complete}: ${task.title}`} path={`${base}/tasks/${task.id}/complete`} fields={[{ name: 'result', label: t.result, kind: 'textarea', required: true }]} onDone={reload} />);
      }
    }
    // R10: a junior's estimate and result wait for their senior mentor.
    for (const task of r.tasks.filter((x) => x.mentorId === actor.id)) {
      const review = task.status === 'estimate_review' ? 'estimate-review' : task.status === 'result_review' ? 'result-review' : null;
      if (!review) continue;
      const title = `${review === 'estimate-review' ? t.reviewEstimate : t.reviewResult}: ${task.title}${review === 'estimate-review' && task.estimateHours !== undefined ? ` (${hours(task.estimateHours)})` : ''}`;
      out.push(<Action key={`${review}-${task.id}-ok`} title={`${title} — ${t.approveVerdict}`} path={`${base}/tasks/${task.id}/${review}`} fixed={{ verdict: 'approve' }} onDone={reload} />);
      out.push(<Action key={`${review}-${task.id}-back`} title={`${title} — ${t.returnVerdict}`} path={`${base}/tasks/${task.id}/${review}`} fixed={{ verdict: 'return' }} fields={[{ name: 'comment', label: t.comment, kind: 'textarea', required: true }]} onDone={reload} />);
    }
  }
  return out.length > 0 ? <section className="actions">{out}</section> : null;
}

/** A running stopwatch for a task: started here, kept across reloads (this browser), logged as whole minutes when stopped. */
function Stopwatch({ path, requestId, taskId, title, onDone }: { path: string; requestId: string; taskId: string; title: string; onDone: () => void }) {
  const { t } = useLocale();
  const storeKey = `stopwatch:${requestId}:${taskId}`;
  const [started, setStarted] = useState<number | null>(() => {
    const v = Number(localStorage.getItem(storeKey));
    return Number.isFinite(v) && v > 0 ? v : null;
  });
  const [now, setNow] = useState(() => Date.now());
  const [problem, setProblem] = useState<Problem | null>(null);
  const id = useId();
  useEffect(() => {
    if (started === null) return;
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(tick);
  }, [started]);
  const start = () => {
    const at = Date.now();
    localStorage.setItem(storeKey, String(at));
    setStarted(at);
    setNow(at);
  };
  const stop = async () => {
    if (started === null) return;
    const minutes = Math.min(24 * 60, Math.max(1, Math.round((Date.now() - started) / 60_000)));
    try {
      await act(path, { taskId, minutes, category: 'execution', note: t.stopwatchNote });
      localStorage.removeItem(storeKey);
      setStarted(null);
      setProblem(null);
      onDone();
    } catch (err) {
      setProblem(err instanceof ApiError ? err.problem : { status: 0, title: String(err) });
    }
  };
  const discard = () => {
    localStorage.removeItem(storeKey);
    setStarted(null);
  };
  const elapsed = started === null ? 0 : Math.max(0, Math.floor((now - started) / 1000));
  const clock = `${String(Math.floor(elapsed / 3600)).padStart(2, '0')}:${String(Math.floor((elapsed % 3600) / 60)).padStart(2, '0')}:${String(elapsed % 60).padStart(2, '0')}`;
  return (
    <div className="action stopwatch" role="group" aria-labelledby={`${id}-t`}>
      <h3 id={`${id}-t`}>
        {t.stopwatch}: {title}
      </h3>
      <p className="clock" aria-live="off">
        <time>{clock}</time>
      </p>
      {started === null ? (
        <button type="button" onClick={start}>
          {t.start}
        </button>
      ) : (
        <p className="buttons">
          <button type="button" onClick={() => void stop()}>
            {t.stopAndLog}
          </button>
          <button type="button" className="secondary" onClick={discard}>
            {t.discard}
          </button>
        </p>
      )}
      {problem ? <ProblemText problem={problem} /> : null}
    </div>
  );
}

type Entry = { id: string; personId: string; taskId?: string; minutes: number; category: string; note: string; at: string; revision: number; billable: boolean };

/** My time on this request, each entry correctable (the correction keeps the earlier version in the audit trail). */
function MyTime({ r, actor, version }: { r: RequestView; actor: Actor; version: number }) {
  const { t, moment } = useLocale();
  const [entries, setEntries] = useState<Entry[]>([]);
  const load = useCallback(async () => {
    const { data } = await api.GET('/requests/{id}/time', { params: { path: { id: r.requestId }, query: { limit: 500 } } });
    setEntries(((data?.items ?? []) as Entry[]).filter((e) => e.personId === actor.id));
  }, [r.requestId, actor.id]);
  useEffect(() => {
    void load();
  }, [load, version]);
  if (entries.length === 0) return null;
  const categories = categoryOptions(t);
  return (
    <section aria-labelledby="mytime">
      <h2 id="mytime">{t.myTime}</h2>
      <ul className="list">
        {entries.map((e) => {
          const no = e.id.split(':te:')[1] ?? '';
          return (
            <li key={e.id} className="row entry">
              <span>
                {e.taskId ? `${e.taskId} · ` : ''}
                {e.minutes} {t.minutesShort} · {t.categories[e.category] ?? e.category}
                {e.note ? ` · ${e.note}` : ''}
                {e.revision > 1 ? ` · ${t.corrected}` : ''}
              </span>
              <span className="muted">{moment(e.at)}</span>
              <details>
                <summary>{t.correct}</summary>
                <Action
                  title={`${t.correct}: ${e.taskId ?? ''} ${moment(e.at)}`}
                  path={`/requests/${r.requestId}/time/${no}/correct`}
                  fields={[
                    { name: 'minutes', label: t.minutes, kind: 'number', step: 1 },
                    { name: 'category', label: t.category, kind: 'select', options: categories },
                    { name: 'note', label: t.note, kind: 'text' },
                  ]}
                  fixed={{ category: e.category }}
                  onDone={() => void load()}
                />
              </details>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

type Workload = paths['/workload']['get']['responses'][200]['content']['application/json'];
type NewTask = { title: string; skill: string; complexity: 'low' | 'medium' | 'high'; assigneeId: string };

/** The brief and the tasks; for each task, who has the skill and how loaded they are, the system's proposal first. */
function Decompose({ path, onDone }: { path: string; onDone: () => void }) {
  const { t, hours, lang } = useLocale();
  const [brief, setBrief] = useState('');
  const blank: NewTask = { title: '', skill: '', complexity: 'medium', assigneeId: '' };
  const [tasks, setTasks] = useState<NewTask[]>([blank]);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [workload, setWorkload] = useState<Workload | null>(null);
  const id = useId();
  useEffect(() => {
    void api.GET('/workload').then(({ data }) => setWorkload(data ?? null));
  }, []);
  const pct = new Intl.NumberFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { style: 'percent', maximumFractionDigits: 0 });
  /** Who holds the skill, the least loaded (and present) first: the first is whom the system would choose (R6). */
  const candidates = (skill: string) =>
    (workload?.specialists ?? []).filter((p) => p.skills.includes(skill.trim())).sort((a, b) => Number(a.absent) - Number(b.absent) || a.load - b.load || b.freeHours - a.freeHours);
  const set = (i: number, change: Partial<NewTask>) => setTasks(tasks.map((x, k) => (k === i ? { ...x, ...change } : x)));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await act(path, { brief, tasks: tasks.map(({ assigneeId, ...task }) => (assigneeId ? { ...task, assigneeId } : task)) });
      onDone();
    } catch (err) {
      setProblem(err instanceof ApiError ? err.problem : { status: 0, title: String(err) });
    }
  };
  return (
    <form className="action" aria-label={t.decompose} onSubmit={(e) => void submit(e)}>
      <h3>{t.decompose}</h3>
      <label>
        {t.brief}
        <textarea required rows={4} value={brief} onChange={(e) => setBrief(e.target.value)} />
      </label>
      <datalist id={`${id}-skills`}>
        {(workload?.skills ?? []).map((s) => (
          <option key={s.skill} value={s.skill} />
        ))}
      </datalist>
      {tasks.map((task, i) => {
        const people = candidates(task.skill);
        return (
          <fieldset key={i}>
            <legend>
              {t.taskTitle} {i + 1}
            </legend>
            <label>
              {t.taskTitle}
              <input required value={task.title} onChange={(e) => set(i, { title: e.target.value })} />
            </label>
            <label>
              {t.skill}
              <input required list={`${id}-skills`} value={task.skill} onChange={(e) => set(i, { skill: e.target.value, assigneeId: '' })} />
            </label>
            <label>
              {t.complexity}
              <select value={task.complexity} onChange={(e) => set(i, { complexity: e.target.value as NewTask['complexity'] })}>
                {(['low', 'medium', 'high'] as const).map((c) => (
                  <option key={c} value={c}>
                    {t[c]}
                  </option>
                ))}
              </select>
            </label>
            {task.skill.trim() ? (
              <label>
                {t.assignee}
                <select value={task.assigneeId} onChange={(e) => set(i, { assigneeId: e.target.value })}>
                  <option value="">{people[0] ? `${t.systemChoice}: ${people[0].name}` : t.nobodyHasSkill}</option>
                  {people.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.name} · {pct.format(p.load)} · {hours(p.freeHours)} {t.free}
                      {p.absent ? ` · ${t.absent}` : ''}
                    </option>
                  ))}
                </select>
              </label>
            ) : null}
          </fieldset>
        );
      })}
      <button type="button" onClick={() => setTasks([...tasks, blank])}>
        {t.addTask}
      </button>
      <ProblemText problem={problem} />
      <button type="submit">{t.decompose}</button>
    </form>
  );
}

function Conversation({ r, actor }: { r: RequestView; actor: Actor }) {
  const { t, moment } = useLocale();
  const [messages, setMessages] = useState<Message[]>([]);
  const [body, setBody] = useState('');
  const [internal, setInternal] = useState(false);
  const [minutes, setMinutes] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  const load = useCallback(async () => {
    const { data } = await api.GET('/requests/{id}/messages', { params: { path: { id: r.requestId }, query: { limit: 500 } } });
    setMessages(data?.items ?? []);
  }, [r.requestId]);
  useEffect(() => {
    void load();
  }, [load, r.version]);
  const staff = actor.role !== 'client';
  const send = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await act(`/requests/${r.requestId}/messages`, { body, ...(staff ? { internal } : {}), ...(staff && minutes ? { minutes: Number(minutes) } : {}) });
      setBody('');
      setMinutes('');
      setProblem(null);
      await load();
    } catch (err) {
      setProblem(err instanceof ApiError ? err.problem : { status: 0, title: String(err) });
    }
  };
  return (
    <section aria-labelledby="conv">
      <h2 id="conv">{t.conversation}</h2>
      <ol className="messages">
        {messages.map((m) => (
          <li key={m.id} className={m.internal ? 'internal' : undefined}>
            <span className="muted">
              {m.author.role} · {moment(m.createdAt)}
              {m.internal ? ` · ${t.internal}` : ''}
              {m.minutes ? ` · ${m.minutes} min` : ''}
            </span>
            <p>{m.body ?? `(${t.deleted})`}</p>
          </li>
        ))}
      </ol>
      <form onSubmit={(e) => void send(e)} className="composer">
        <label>
          {t.writeMessage}
          <textarea required rows={3} value={body} onChange={(e) => setBody(e.target.value)} />
        </label>
        {staff ? (
          <>
            <label className="check">
              <input type="checkbox" checked={internal} onChange={(e) => setInternal(e.target.checked)} />
              {t.internalNote}
            </label>
            <label>
              {t.minutesSpent}
              <input type="number" min={1} max={1440} value={minutes} onChange={(e) => setMinutes(e.target.value)} />
            </label>
          </>
        ) : null}
        <ProblemText problem={problem} />
        <button type="submit">{t.send}</button>
      </form>
    </section>
  );
}

function History({ r }: { r: RequestView }) {
  const { t, moment } = useLocale();
  const [items, setItems] = useState<Timeline['items']>([]);
  useEffect(() => {
    void api.GET('/requests/{id}/timeline', { params: { path: { id: r.requestId }, query: { limit: 500 } } }).then(({ data }) => setItems(data?.items ?? []));
  }, [r.requestId, r.version]);
  return (
    <section aria-labelledby="hist">
      <h2 id="hist">{t.timeline}</h2>
      <ol className="timeline">
        {items.map((e) => (
          <li key={e.seq}>
            <span className="muted">{moment(e.at)}</span> {e.text}
          </li>
        ))}
      </ol>
    </section>
  );
}

export function RequestPage({ actor }: { actor: Actor }) {
  const { t, moment, hours } = useLocale();
  const { ref = '' } = useParams();
  const [r, setR] = useState<RequestView | null | undefined>(undefined);
  const load = useCallback(async () => {
    const { data } = await api.GET('/requests/{id}', { params: { path: { id: ref } } });
    setR(data ?? null);
  }, [ref]);
  useEffect(() => {
    void load();
  }, [load]);
  // A change made elsewhere (the client approved, a timer escalated) shows without a reload.
  useLive((e) => e.kind === 'request' && (e.id === r?.id || e.id === ref), () => void load());
  if (r === undefined) return <p>{t.loading}</p>;
  if (r === null) return <p role="alert">{t.notFound}</p>;
  return (
    <article className="request">
      <header>
        <p className="key">{r.key ?? ''}</p>
        <h1>{r.title}</h1>
        <p>
          <span className={`stage stage-${r.stage}`}>{t.stages[r.stage] ?? r.stage}</span> · {t.priorities[r.priority]} · {t.created} {moment(r.createdAt)}
        </p>
        {r.workflow?.url ? (
          <p>
            <a href={r.workflow.url} target="_blank" rel="noreferrer">
              {t.workflowLink}: {r.workflow.id}
            </a>
          </p>
        ) : null}
      </header>
      <p className="description">{r.description}</p>
      {r.brief ? (
        <p>
          <strong>{t.brief}:</strong> {r.brief}
        </p>
      ) : null}
      {r.resolution ? (
        <p>
          <strong>{t.resolution}:</strong> {r.resolution}
        </p>
      ) : null}
      {r.tasks.length > 0 ? (
        <table>
          <caption>{t.tasks}</caption>
          <thead>
            <tr>
              <th scope="col">{t.taskTitle}</th>
              <th scope="col">{t.stage}</th>
              <th scope="col">{t.progress}</th>
              <th scope="col">{t.estimate}</th>
              <th scope="col">{t.deadline}</th>
            </tr>
          </thead>
          <tbody>
            {r.tasks.map((task) => (
              <tr key={task.id}>
                <td>
                  {task.id} {task.title}
                  {task.result ? <div className="muted">{task.result}</div> : null}
                </td>
                <td>{t.taskStatuses[task.status] ?? task.status}</td>
                <td>{task.progress}%</td>
                <td>{hours(task.approvedHours ?? task.estimateHours)}</td>
                <td>{moment(task.deadlineAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {r.estimateTotalHours !== undefined ? (
        <p>
          {t.total}: {hours(r.estimateTotalHours)}
          {r.hoursLeft !== undefined ? ` · ${t.hoursLeft}: ${hours(r.hoursLeft)}` : ''}
        </p>
      ) : null}
      <Actions r={r} actor={actor} reload={() => void load()} />
      {actor.role === 'manager' || actor.role === 'head' ? <RequestPolicyPanel requestId={r.requestId} version={r.version} onDone={() => void load()} /> : null}
      {actor.role === 'specialist' ? <MyTime r={r} actor={actor} version={r.version} /> : null}
      <Conversation r={r} actor={actor} />
      <History r={r} />
    </article>
  );
}
