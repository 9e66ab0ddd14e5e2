// The request list with filters over 1M requests, through the API as people call it, with the
// query plan PostgreSQL chose for each shape.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { hashToken, newToken } from '../src/api/auth';
import { requestList } from '../src/stores/requests';
import { listRequestsQuery } from '../src/api/schemas';
import type { Db } from '../src/db/knex';
import type { Actor } from '../src/domain';
import { quantile, since } from './stats';

export interface RequestListResult {
  requests: number;
  calls: number;
  rows: { shape: string; p50: number; p95: number; plan: string }[];
}

const MANAGERS = 50;
const CLIENTS = 1000;

async function credential(db: Db, column: 'staff_id' | 'contact_id', id: string): Promise<string> {
  const token = newToken();
  await db('api_credentials').insert({ id: randomUUID(), token_hash: hashToken(token), [column]: id, label: 'bench' });
  return token;
}

export async function populateRequests(db: Db, count: number): Promise<void> {
  await db.raw(
    `insert into staff (id, name, email, role) select gen_random_uuid(), 'Manager ' || g, 'list-manager-' || g || '@bench.example', 'manager' from generate_series(1, ?) g`,
    [MANAGERS],
  );
  await db.raw(
    `with m as (select array_agg(id order by id) ids from staff where email like 'list-manager-%')
     insert into clients (id, name, account_manager_id)
     select gen_random_uuid(), 'List client ' || g, m.ids[1 + g % ${MANAGERS}] from generate_series(1, ?) g, m`,
    [CLIENTS],
  );
  // Two years of requests, one a minute; most are closed, as on a desk that has run a while.
  // Stage and priority are drawn at random, independently of each other and of the client.
  await db.raw(
    `with c as (select array_agg(id order by id) ids, array_agg(account_manager_id order by id) managers from clients where name like 'List client %')
     insert into requests (id, client_id, title, priority, stage, path, manager_id, version, estimate_total_hours, state, created_at, updated_at, closed_at)
     select gen_random_uuid(), c.ids[1 + g % ${CLIENTS}], 'Request ' || g,
            (array['low','normal','normal','high','critical'])[1 + floor(random() * 5)::int],
            case when random() < 0.7 then 'Closed' else (array['Triage','Decomposition','Estimation','ClientApproval','Execution','InternalReview','ClientReview','Cancelled'])[1 + floor(random() * 8)::int] end,
            'delegated', c.managers[1 + g % ${CLIENTS}], 5, 4.5, '{}'::jsonb,
            now() - g * interval '1 minute', now() - g * interval '1 minute',
            null
     from generate_series(1, ?) g, c`,
    [count],
  );
  await db.raw('vacuum analyze requests');
  await db.raw('vacuum analyze clients');
}

export async function requestListBench(db: Db, api: string, head: { id: string; token: string }, count: number, calls: number): Promise<RequestListResult> {
  await populateRequests(db, count);
  const manager = (await db('staff').where('email', 'like', 'list-manager-%').orderBy('id').first<{ id: string }>('id')).id;
  const client = (await db('clients').where('name', 'like', 'List client %').orderBy('id').first<{ id: string }>('id')).id;
  const contact = randomUUID();
  await db('client_contacts').insert({ id: contact, client_id: client, name: 'List contact', email: `list-${contact}@bench.example` });
  const tokens = { head: head.token, manager: await credential(db, 'staff_id', manager), client: await credential(db, 'contact_id', contact) };
  const actors: Record<keyof typeof tokens, Actor> = {
    head: { id: head.id, role: 'head' },
    manager: { id: manager, role: 'manager' },
    client: { id: contact, role: 'client', clientId: client },
  };

  const firstPage = (await (await fetch(`${api}/requests?limit=20`, { headers: { Authorization: `Bearer ${tokens.head}` } })).json()) as { nextCursor: string };
  const shapes: { shape: string; who: keyof typeof tokens; query: Record<string, string> }[] = [
    { shape: 'head, newest 20', who: 'head', query: {} },
    { shape: 'head, stage=Execution', who: 'head', query: { stage: 'Execution' } },
    { shape: 'head, stage=Triage & priority=critical', who: 'head', query: { stage: 'Triage', priority: 'critical' } },
    { shape: 'head, clientId', who: 'head', query: { clientId: client } },
    { shape: 'head, managerId & stage=ClientReview', who: 'head', query: { managerId: manager, stage: 'ClientReview' } },
    { shape: 'head, second page (cursor)', who: 'head', query: { cursor: firstPage.nextCursor } },
    { shape: 'manager (own clients), newest 20', who: 'manager', query: {} },
    { shape: 'manager, stage=Estimation', who: 'manager', query: { stage: 'Estimation' } },
    { shape: 'client (own organisation), newest 20', who: 'client', query: {} },
    { shape: 'client, stage=Closed', who: 'client', query: { stage: 'Closed' } },
  ];

  const rows: RequestListResult['rows'] = [];
  for (const { shape, who, query } of shapes) {
    const url = `${api}/requests?${new URLSearchParams(query).toString()}`;
    const latencies: number[] = [];
    for (let i = 0; i < calls + 10; i++) {
      const start = performance.now();
      const res = await fetch(url, { headers: { Authorization: `Bearer ${tokens[who]}` } });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${url} answered ${res.status}`);
      if (i >= 10) latencies.push(since(start));
    }
    const sql = requestList(db, actors[who], listRequestsQuery.parse(query)).toSQL();
    const plan = await db.raw<{ rows: { 'QUERY PLAN': string }[] }>(`explain (analyze, buffers) ${sql.sql}`, sql.bindings as Knex.RawBinding[]);
    rows.push({ shape, p50: quantile(latencies, 0.5), p95: quantile(latencies, 0.95), plan: plan.rows.map((r) => r['QUERY PLAN']).join('\n') });
  }
  return { requests: count, calls, rows };
}
