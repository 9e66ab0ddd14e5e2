// Full-text search over requests (key, title, description) and their conversations, in Russian
// and English (the `desk` text search configuration), ranked, with highlighted snippets, under
// the same visibility rule as the list. A client never searches internal notes.
import type { Knex } from 'knex';
import { rowsOf, type Db } from '../db/knex';
import type { Actor } from '../domain';
import { visibleTo, type RequestListQuery, type RequestListRow } from './requests';

export interface SearchHit extends RequestListRow {
  rank: number;
  /** Where the best match is: the request itself or one of its messages. */
  matched: { in: 'request' } | { in: 'message'; messageId: string };
  /** The best passage, in pieces: `match` marks the words found. */
  snippet: { text: string; match: boolean }[];
}

const TSQUERY = "websearch_to_tsquery('desk', ?)";
/** Start and stop marks PostgreSQL puts around matches; never in stored text (the API refuses control characters there). */
const START = '\u0002';
const STOP = '\u0003';
const HEADLINE = `StartSel=${START}, StopSel=${STOP}, MaxWords=24, MinWords=8, MaxFragments=2, FragmentDelimiter=" … "`;

/** Whether the words of `q` make a query at all (only stop words and punctuation do not). */
export async function isSearchable(db: Db, q: string): Promise<boolean> {
  const row = await rowsOf<{ rows: { ok: boolean }[] }>(db.raw(`select numnode(${TSQUERY}) > 0 as ok`, [q]));
  return row.rows[0]?.ok ?? false;
}

function pieces(headline: string): { text: string; match: boolean }[] {
  const out: { text: string; match: boolean }[] = [];
  for (const part of headline.split(START)) {
    const stop = part.indexOf(STOP);
    if (stop === -1) {
      if (part) out.push({ text: part, match: false });
      continue;
    }
    out.push({ text: part.slice(0, stop), match: true });
    if (part.slice(stop + 1)) out.push({ text: part.slice(stop + 1), match: false });
  }
  return out;
}

/**
 * How many matches of each kind (requests, messages) are ranked at most. A word found in more
 * places than this (a frequent one) is ranked among the first this many the index yields, and the
 * answer says so (`complete: false`): narrow it with more words or the list's filters.
 */
export const SEARCH_CANDIDATES = 150;

/** A page of the requests matching `q` this person may see, best first (`offset` for the next page). */
export async function searchRequests(db: Db, actor: Actor, q: string, filters: Omit<RequestListQuery, 'after'>, offset: number): Promise<{ hits: SearchHit[]; more: boolean; complete: boolean }> {
  const filtered = <Q extends Knex.QueryBuilder>(query: Q): Q => {
    let out = visibleTo(db, actor, query);
    if (filters.clientId) out = out.where('requests.client_id', filters.clientId) as Q;
    if (filters.stage) out = out.where('requests.stage', filters.stage) as Q;
    if (filters.priority) out = out.where('requests.priority', filters.priority) as Q;
    if (filters.managerId) out = out.where('requests.manager_id', filters.managerId) as Q;
    if (filters.needsAttention && actor.role !== 'client') out = (filters.needsAttention === 'true' ? out.whereNotNull('requests.attention_reason') : out.whereNull('requests.attention_reason')) as Q;
    return out.limit(SEARCH_CANDIDATES) as Q;
  };
  const rankOf = (table: string, weight = 1) => db.raw(`ts_rank_cd(${table}.search, ${TSQUERY})${weight === 1 ? '' : ` * ${weight}`} as rank`, [q]);
  const requestColumns = () => ['requests.id as request_id', rankOf('requests'), db.raw('null::uuid as message_id'), db.raw("'r' as src")];
  const messageColumns = () => ['messages.request_id', rankOf('messages', 0.8), 'messages.id as message_id', db.raw("'m' as src")];
  const arms: Knex.QueryBuilder[] = [];
  if (actor.role === 'manager') {
    // The clients in a manager's view, each searched on its own through the (client_id, search)
    // index (GIN intersects the client's entries with the words'): those they are account manager
    // of (all their requests), and those of which they manage some request (only those requests),
    // found in the (manager_id, client_id) index.
    const CLIENTS_IN_VIEW = `(select id, true as whole from clients where account_manager_id = :me
       union all
       select distinct client_id, false from requests where manager_id = :me and client_id <> all(array(select id from clients where account_manager_id = :me))) as mc`;
    const inView = () => db.from(db.raw(CLIENTS_IN_VIEW, { me: actor.id }));
    arms.push(
      filtered(
        inView()
          .joinRaw(`join lateral (select * from requests r0 where r0.client_id = mc.id and r0.search @@ ${TSQUERY} and (mc.whole or r0.manager_id = ?) limit ${SEARCH_CANDIDATES}) as requests on true`, [q, actor.id])
          .select(requestColumns()),
      ),
      filtered(
        inView()
          .joinRaw(
            `join lateral (select * from messages m0 where m0.client_id = mc.id and m0.search @@ ${TSQUERY} and m0.deleted_at is null
               and (mc.whole or exists (select 1 from requests r1 where r1.id = m0.request_id and r1.manager_id = ?)) limit ${SEARCH_CANDIDATES}) as messages on true`,
            [q, actor.id],
          )
          .join('requests', 'requests.id', 'messages.request_id')
          .select(messageColumns()),
      ),
    );
  } else {
    let inRequests = db('requests').select(requestColumns()).whereRaw(`requests.search @@ ${TSQUERY}`, [q]);
    let inMessages = db('messages')
      .join('requests', 'requests.id', 'messages.request_id')
      .select(messageColumns())
      .whereRaw(`messages.search @@ ${TSQUERY}`, [q])
      .whereNull('messages.deleted_at');
    // A client's own rows, through the (client_id, search) index.
    if (actor.role === 'client') {
      inRequests = inRequests.where('requests.client_id', actor.clientId ?? '');
      inMessages = inMessages.where('messages.internal', false).where('messages.client_id', actor.clientId ?? '');
    }
    arms.push(filtered(inRequests), filtered(inMessages));
  }
  const best = db
    .select(db.raw('distinct on (hits.request_id) hits.request_id, hits.rank, hits.message_id'))
    .from('hits')
    .orderBy([{ column: 'hits.request_id' }, { column: 'hits.rank', order: 'desc' }]);
  const query = db
    .with('hits', db.unionAll(arms, true))
    .from(best.as('best'))
    .join('requests', 'requests.id', 'best.request_id')
    .select(
      'requests.id',
      'requests.key',
      'requests.client_id',
      'requests.title',
      'requests.priority',
      'requests.stage',
      'requests.manager_id',
      'requests.estimate_total_hours',
      'requests.version',
      'requests.created_at',
      'requests.updated_at',
      'requests.closed_at',
      'requests.attention_reason',
      'requests.triage_due_at',
      'best.rank',
      'best.message_id',
      db.raw(`(select count(*) from hits where src = 'r') >= ${SEARCH_CANDIDATES} or (select count(*) from hits where src = 'm') >= ${SEARCH_CANDIDATES} as capped`),
    )
    .orderBy([
      { column: 'best.rank', order: 'desc' },
      { column: 'requests.created_at', order: 'desc' },
      { column: 'requests.id', order: 'desc' },
    ])
    .limit(filters.limit + 1)
    .offset(offset);
  // Every connection has synchronised scans off (createDb): a scan stopped early reads the same rows each time.
  const rows = await rowsOf<(RequestListRow & { rank: number; message_id: string | null; capped: boolean })[]>(query);
  if (rows.length === 0) return { hits: [], more: false, complete: true };
  // Snippets only for the page: ts_headline reads the whole text.
  const page = rows.slice(0, filters.limit);
  const fromMessages = page.filter((r) => r.message_id).map((r) => r.message_id as string);
  const fromRequests = page.filter((r) => !r.message_id).map((r) => r.id);
  const headlines = new Map<string, string>();
  if (fromMessages.length > 0) {
    const res = await rowsOf<{ rows: { id: string; h: string }[] }>(db.raw(`select id, ts_headline('desk', body, ${TSQUERY}, ?) as h from messages where id = any(?)`, [q, HEADLINE, fromMessages]));
    for (const r of res.rows) headlines.set(r.id, r.h);
  }
  if (fromRequests.length > 0) {
    const res = await rowsOf<{ rows: { id: string; h: string }[] }>(
      db.raw(`select id, ts_headline('desk', title || E'\\n' || coalesce(description, ''), ${TSQUERY}, ?) as h from requests where id = any(?)`, [q, HEADLINE, fromRequests]),
    );
    for (const r of res.rows) headlines.set(r.id, r.h);
  }
  const hits = page.map(({ message_id, rank, capped: _c, ...r }): SearchHit => ({
    ...r,
    rank: Number(rank),
    matched: message_id ? { in: 'message', messageId: message_id } : { in: 'request' },
    snippet: pieces(headlines.get(message_id ?? r.id) ?? r.title),
  }));
  // One row more than the page says whether there is a next one.
  return { hits, more: rows.length > filters.limit, complete: !rows[0]!.capped };
}
