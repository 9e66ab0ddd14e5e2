import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { api, type Actor, type ListItem, type Problem } from '../api';
import { useLive } from '../live';
import { useLocale } from '../i18n';
import { ProblemText } from './SignIn';

/** What a request waits for from the client, judged from the list's stage. */
const CLIENT_WAITS: Record<string, string> = { ClientApproval: 'approve', ClientReview: 'review' };

function Snippet({ item }: { item: ListItem }) {
  if (!item.snippet) return null;
  return (
    <p className="snippet">
      {item.snippet.map((p, i) => (p.match ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
    </p>
  );
}

function Row({ item }: { item: ListItem }) {
  const { t, moment } = useLocale();
  const ref = item.key ?? item.requestId;
  return (
    <li className="row">
      <Link to={`/r/${ref}`}>
        <span className="key">{item.key ?? ''}</span> {item.title}
      </Link>
      <span className={`stage stage-${item.stage}`}>{t.stages[item.stage] ?? item.stage}</span>
      <span className="muted">
        {t.priorities[item.priority]} · {moment(item.createdAt)}
      </span>
      <Snippet item={item} />
    </li>
  );
}

export function RequestsPage({ actor }: { actor: Actor }) {
  const { t } = useLocale();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [items, setItems] = useState<ListItem[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [query, setQuery] = useState(q);
  const load = useCallback(async () => {
    const { data, error } = await api.GET('/requests', { params: { query: { limit: 100, ...(q ? { q } : {}) } } });
    if (error) setProblem(error as unknown as Problem);
    setItems(data?.items ?? []);
  }, [q]);
  useEffect(() => {
    setItems(null);
    void load();
  }, [load]);
  // A new request, or a stage changed elsewhere, shows without a reload.
  useLive((e) => e.kind === 'request', () => void load());
  const waiting = actor.role === 'client' && items ? items.filter((i) => CLIENT_WAITS[i.stage]) : [];
  const rest = items ? items.filter((i) => !waiting.includes(i)) : [];
  const search = (e: FormEvent) => {
    e.preventDefault();
    setParams(query ? { q: query } : {});
  };
  return (
    <>
      <form role="search" className="search" onSubmit={search}>
        <label>
          <span className="sr-only">{t.search}</span>
          <input type="search" placeholder={t.searchPlaceholder} aria-label={t.search} value={query} onChange={(e) => setQuery(e.target.value)} />
        </label>
        <button type="submit">{t.search}</button>
      </form>
      <ProblemText problem={problem} />
      {items === null ? <p>{t.loading}</p> : null}
      {waiting.length > 0 ? (
        <section aria-labelledby="waiting">
          <h1 id="waiting">{t.waitingForYou}</h1>
          <ul className="list">
            {waiting.map((i) => (
              <Row key={i.requestId} item={i} />
            ))}
          </ul>
        </section>
      ) : null}
      <section aria-labelledby="all">
        <h1 id="all">{waiting.length > 0 ? t.allRequests : t.requests}</h1>
        {items !== null && rest.length === 0 ? <p>{t.nothingHere}</p> : null}
        <ul className="list">
          {rest.map((i) => (
            <Row key={i.requestId} item={i} />
          ))}
        </ul>
      </section>
    </>
  );
}

export function NewRequestPage({ actor }: { actor: Actor }) {
  const { t } = useLocale();
  const navigate = useNavigate();
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [priority, setPriority] = useState<'low' | 'normal' | 'high' | 'critical'>('normal');
  const [clientId, setClientId] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const { data, error } = await api.POST('/requests', {
      body: { title, description, priority, ...(actor.role !== 'client' ? { clientId } : {}) },
      headers: { 'Idempotency-Key': crypto.randomUUID() },
    });
    if (error || !data) return setProblem(error as unknown as Problem);
    void navigate(`/r/${data.key ?? data.requestId}`);
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)}>
      <h1>{t.newRequest}</h1>
      {actor.role !== 'client' ? (
        <label>
          Client id
          <input required value={clientId} onChange={(e) => setClientId(e.target.value)} />
        </label>
      ) : null}
      <label>
        {t.title}
        <input required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />
      </label>
      <label>
        {t.description}
        <textarea required rows={6} value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <label>
        {t.priority}
        <select value={priority} onChange={(e) => setPriority(e.target.value as typeof priority)}>
          {(['low', 'normal', 'high', 'critical'] as const).map((p) => (
            <option key={p} value={p}>
              {t.priorities[p]}
            </option>
          ))}
        </select>
      </label>
      <ProblemText problem={problem} />
      <button type="submit">{t.file}</button>
    </form>
  );
}
