// Full-text search (GET /requests?q=) over 1M requests and 5M messages in Russian and English,
// through the API as people call it, with the plan PostgreSQL chose for each shape.
import { randomUUID } from 'node:crypto';
import { hashToken, newToken } from '../src/api/auth';
import { rowsOf, type Db } from '../src/db/knex';
import { quantile, since } from './stats';

export interface SearchResult {
  requests: number;
  messages: number;
  calls: number;
  populateSeconds: number;
  rows: { shape: string; query: string; hits: number; p50: number; p95: number; plan: string }[];
}

const MANAGERS = 50;
const CLIENTS = 1000;

/**
 * Words people write in requests, Russian in several forms and English, at the front of the
 * vocabulary (the most frequent); then invented words, so that the text has the long tail of a
 * real desk's (product names, error codes, people).
 */
const COMMON = [
  'the', 'report', 'reports', 'export', 'exports', 'exported', 'invoice', 'invoices', 'login', 'error', 'page', 'slow', 'fails', 'after', 'update',
  'please', 'check', 'server', 'database', 'backup', 'certificate', 'expired', 'payment', 'mobile', 'android', 'iphone', 'email', 'password', 'reset',
  'отчёт', 'отчёты', 'отчета', 'отчетов', 'выгрузка', 'выгрузки', 'ошибка', 'ошибки', 'ошибку', 'счёт', 'счета', 'оплата', 'оплаты', 'сервер', 'сервера',
  'пароль', 'пароля', 'страница', 'страницы', 'медленно', 'после', 'обновления', 'обновление', 'сертификат', 'сертификата', 'клиент', 'клиента', 'база', 'базы',
  'данных', 'резервная', 'копия', 'почта', 'почты', 'приложение', 'приложения', 'вход', 'входа', 'не', 'работает', 'пожалуйста', 'проверьте',
];
const SYLLABLES_LATIN = ['ka', 'lo', 'mer', 'tin', 'vas', 'dor', 'pe', 'qui', 'ran', 'sol', 'tek', 'ul', 'vi', 'zen', 'bro', 'cal'];
const SYLLABLES_CYRILLIC = ['ка', 'ло', 'мер', 'тин', 'вас', 'дор', 'пе', 'ки', 'ран', 'сол', 'тек', 'ул', 'ви', 'зен', 'бро', 'кал'];

function vocabulary(size: number): string[] {
  const words = [...COMMON];
  for (let i = 0; words.length < size; i++) {
    const syl = i % 2 === 0 ? SYLLABLES_LATIN : SYLLABLES_CYRILLIC;
    let n = i;
    let w = '';
    for (let k = 0; k < 3; k++) {
      w += syl[n % syl.length];
      n = Math.floor(n / syl.length);
    }
    words.push(`${w}${i % 7 === 0 ? String(i % 997) : ''}`);
  }
  return words;
}

/** The benchmark's vocabulary (the words its shapes search for). */
export const vocabularyForLab = () => vocabulary(VOCABULARY);

async function credential(db: Db, column: 'staff_id' | 'contact_id', id: string): Promise<string> {
  const token = newToken();
  await db('api_credentials').insert({ id: randomUUID(), token_hash: hashToken(token), [column]: id, label: 'bench' });
  return token;
}

/**
 * Text of `min` to `min + spread - 1` words drawn from the vocabulary table, the front words far
 * more often (a power law). The draw is PostgreSQL's hash of the row and the word's place, so each
 * word is one index lookup (a volatile random() could not use the index).
 */
const text = (g: string, salt: number, min: number, spread: number) =>
  `(select string_agg(w.w, ' ') from generate_series(1, ${min} + (${g} % ${spread})) s join bench_words w on w.i = 1 + floor(power(abs(hashint8(${g}::bigint * 4096 + s * 16 + ${salt})::float8) / 2147483649.0, 3) * ${VOCABULARY})::int)`;

const VOCABULARY = 20_000;

export async function populateSearch(db: Db, requests: number, messages: number, log: (line: string) => void): Promise<void> {
  const words = vocabulary(VOCABULARY);
  await db.raw('drop table if exists bench_words');
  await db.raw('create table bench_words (i int primary key, w text not null)');
  for (let i = 0; i < words.length; i += 5000) {
    await db('bench_words').insert(words.slice(i, i + 5000).map((w, k) => ({ i: i + k + 1, w })));
  }
  await db.raw('analyze bench_words');
  await db.raw(
    `insert into staff (id, name, email, role) select gen_random_uuid(), 'Manager ' || g, 'search-manager-' || g || '@bench.example', 'manager' from generate_series(1, ?) g`,
    [MANAGERS],
  );
  await db.raw(
    `with m as (select array_agg(id order by id) ids from staff where email like 'search-manager-%')
     insert into clients (id, name, account_manager_id)
     select gen_random_uuid(), 'Search client ' || g, m.ids[1 + g % ${MANAGERS}] from generate_series(1, ?) g, m`,
    [CLIENTS],
  );
  // Bulk loading: the text indexes are built once at the end, as a restore would.
  await db.raw('drop index if exists requests_search_idx');
  await db.raw('drop index if exists messages_search_idx');
  await db.raw('drop index if exists requests_client_search_idx');
  await db.raw('drop index if exists messages_client_search_idx');
  const clients = await rowsOf<{ id: string; account_manager_id: string }[]>(db('clients').where('name', 'like', 'Search client %').orderBy('id').select('id', 'account_manager_id'));
  await db.raw('create temporary table bench_clients (no int primary key, id uuid, manager uuid)');
  await db('bench_clients').insert(clients.map((c, i) => ({ no: i, id: c.id, manager: c.account_manager_id })));
  await db.raw('analyze bench_clients');
  const batch = 250_000;
  for (let from = 1; from <= requests; from += batch) {
    const to = Math.min(requests, from + batch - 1);
    await db.raw(
      `insert into requests (id, client_id, title, description, priority, stage, path, manager_id, version, state, created_at, updated_at)
       select gen_random_uuid(), c.id, ${text('g', 1, 3, 6)}, ${text('g', 2, 10, 30)},
              'normal', case when g % 10 < 7 then 'Closed' else 'Execution' end, 'specialists', c.manager, 5, '{}'::jsonb,
              now() - g * interval '30 seconds', now() - g * interval '30 seconds'
       from generate_series(?::int, ?::int) g join bench_clients c on c.no = g % ${CLIENTS}`,
      [from, to],
    );
    log(`requests ${to.toLocaleString('en')} / ${requests.toLocaleString('en')}`);
  }
  await db.raw('create temporary table bench_request_ids as select row_number() over (order by id) as no, id, client_id from requests');
  await db.raw('create unique index on bench_request_ids (no)');
  await db.raw('analyze bench_request_ids');
  const total = Number(((await db('bench_request_ids').count('* as n').first()) as { n: string }).n);
  for (let from = 1; from <= messages; from += batch) {
    const to = Math.min(messages, from + batch - 1);
    await db.raw(
      `insert into messages (id, request_id, client_id, author_id, author_role, internal, body, created_at)
       select gen_random_uuid(), r.id, r.client_id, 'bench', case when g % 3 = 0 then 'client' else 'manager' end, g % 3 <> 0 and g % 5 = 0,
              ${text('g', 3, 8, 40)}, now() - g * interval '6 seconds'
       from generate_series(?::int, ?::int) g join bench_request_ids r on r.no = 1 + (g::bigint * 7919) % ${total}`,
      [from, to],
    );
    log(`messages ${to.toLocaleString('en')} / ${messages.toLocaleString('en')}`);
  }
  log('building the text indexes');
  await db.raw("set maintenance_work_mem = '1GB'");
  await db.raw('create index requests_search_idx on requests using gin (search)');
  await db.raw('create index messages_search_idx on messages using gin (search)');
  await db.raw('create index requests_client_search_idx on requests using gin (client_id, search)');
  await db.raw('create index messages_client_search_idx on messages using gin (client_id, search)');
  await db.raw('vacuum analyze requests');
  await db.raw('vacuum analyze messages');
  await db.raw('vacuum analyze clients');
}

export async function searchBench(db: Db, api: string, head: { id: string; token: string }, requests: number, messages: number, calls: number, log: (line: string) => void): Promise<SearchResult> {
  const started = performance.now();
  await populateSearch(db, requests, messages, log);
  const populateSeconds = since(started) / 1000;
  const manager = (await db('staff').where('email', 'like', 'search-manager-%').orderBy('id').first<{ id: string }>('id')).id;
  const client = (await db('clients').where('name', 'like', 'Search client %').orderBy('id').first<{ id: string }>('id')).id;
  const contact = randomUUID();
  await db('client_contacts').insert({ id: contact, client_id: client, name: 'Search contact', email: `search-${contact}@bench.example` });
  const tokens = { head: head.token, manager: await credential(db, 'staff_id', manager), client: await credential(db, 'contact_id', contact) };
  const words = vocabulary(VOCABULARY);
  const shapes: { shape: string; who: keyof typeof tokens; q: string }[] = [
    { shape: 'head, a rare word', who: 'head', q: words[15_000]! },
    { shape: 'head, a word of middling frequency', who: 'head', q: words[3_000]! },
    { shape: 'head, two words', who: 'head', q: `${words[100]} ${words[150]}` },
    { shape: 'head, a phrase', who: 'head', q: `"${words[2]} ${words[5]}"` },
    { shape: 'head, Russian: отчёт (finds отчёты, отчета, отчетов)', who: 'head', q: 'отчёт сертификат' },
    { shape: 'head, English: expired certificate', who: 'head', q: 'expired certificate' },
    { shape: 'manager (own clients), a word of middling frequency', who: 'manager', q: words[3_000]! },
    { shape: 'manager, a frequent word', who: 'manager', q: 'invoice' },
    { shape: 'client (own organisation), a frequent word', who: 'client', q: 'ошибка' },
    { shape: 'client, a word of middling frequency', who: 'client', q: words[3_000]! },
  ];
  const rows: SearchResult['rows'] = [];
  for (const { shape, who, q } of shapes) {
    const url = `${api}/requests?${new URLSearchParams({ q }).toString()}`;
    const latencies: number[] = [];
    let hits = 0;
    for (let i = 0; i < calls + 10; i++) {
      const start = performance.now();
      const res = await fetch(url, { headers: { Authorization: `Bearer ${tokens[who]}` } });
      const body = (await res.json()) as { items: unknown[] };
      if (!res.ok) throw new Error(`${url} answered ${res.status}`);
      if (i >= 10) latencies.push(since(start));
      hits = body.items.length;
    }
    const plan = await db.raw<{ rows: { 'QUERY PLAN': string }[] }>(
      `explain (analyze, buffers) select count(*) from (select id from requests where search @@ websearch_to_tsquery('desk', ?) union all select request_id from messages where search @@ websearch_to_tsquery('desk', ?)) x`,
      [q, q],
    );
    rows.push({ shape, query: q, hits, p50: quantile(latencies, 0.5), p95: quantile(latencies, 0.95), plan: plan.rows.map((r) => r['QUERY PLAN']).join('\n') });
    log(`${shape}: p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p95 ${quantile(latencies, 0.95).toFixed(1)} ms`);
  }
  return { requests, messages, calls, populateSeconds, rows };
}
