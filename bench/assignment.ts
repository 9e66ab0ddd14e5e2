// The assignment decision (R6) with 10k specialists and 200k open tasks: the allocation
// transaction as the workflow's activity runs it, timed one at a time, with its query plans.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { allocate, candidates } from '../src/stores/allocation';
import { chooseSpecialist } from '../src/domain';
import type { Db } from '../src/db/knex';
import { quantile, since } from './stats';

export interface Assignment {
  specialists: number;
  openTasks: number;
  skills: number;
  decisions: number;
  /** Read the candidates and choose (R6): the decision itself. */
  decide: { p50: number; p99: number };
  /** The whole allocation transaction: decide, lock the one chosen, write, commit. */
  p50: number;
  p99: number;
  assigned: number;
  plans: { sql: string; plan: string }[];
}

const SKILLS = 20;

export async function populateAssignments(db: Db, specialists: number, openTasks: number): Promise<void> {
  // Each specialist has two of 20 skills; seniority spread evenly; 40 h a week.
  await db.raw(
    `insert into staff (id, name, email, role, seniority, skills, weekly_capacity_hours)
     select gen_random_uuid(), 'Specialist ' || g, 'alloc-' || g || '@bench.example', 'specialist',
            (array['junior','middle','senior'])[1 + g % 3],
            array['skill-' || (g % ${SKILLS}), 'skill-' || ((g * 7 + 3) % ${SKILLS})], 40
     from generate_series(1, ?) g`,
    [specialists],
  );
  // Open tasks of 0.25–2 h spread over them: about 20 tasks and 22 h each.
  await db.raw(
    `with s as (select array_agg(id order by id) ids from staff where email like 'alloc-%')
     insert into task_assignments (request_id, task_id, skill, priority, priority_rank, hours, status, assignee_id, queued_at, assigned_at)
     select gen_random_uuid(), 'T1', 'skill-' || (g % ${SKILLS}), 'normal', 2, 0.25 * (1 + g % 8), 'assigned',
            s.ids[1 + (g * 7919) % array_length(s.ids, 1)], now(), now()
     from generate_series(1, ?) g, s`,
    [openTasks],
  );
  // As autovacuum would have by then: the skills index's pending list merged, statistics fresh.
  await db.raw('vacuum analyze staff');
  await db.raw('vacuum analyze task_assignments');
}

export async function assignment(db: Db, specialists: number, openTasks: number, decisions: number): Promise<Assignment> {
  await populateAssignments(db, specialists, openTasks);
  const task = (i: number) => ({ requestId: randomUUID(), taskId: 'T1', skill: `skill-${i % SKILLS}`, priority: 'normal' as const, hours: 2 });
  for (let i = 0; i < 20; i++) await allocate(db, task(i));

  const decide: number[] = [];
  const today = new Date().toISOString().slice(0, 10);
  for (let i = 0; i < decisions; i++) {
    const start = performance.now();
    // As allocateIn decides: the best few with room, in the domain's order, then the domain's choice.
    chooseSpecialist(await candidates(db, `skill-${i % SKILLS}`, today, { best: { hours: 2, priority: 'normal', exclude: [], limit: 8 } }), 2, 'normal');
    decide.push(since(start));
  }

  const latencies: number[] = [];
  let assigned = 0;
  for (let i = 0; i < decisions; i++) {
    const start = performance.now();
    const result = await allocate(db, task(i));
    latencies.push(since(start));
    if (result.status === 'assigned') assigned++;
  }

  // The statements of one decision, explained.
  const statements: { sql: string; bindings: readonly unknown[] }[] = [];
  const capture = (q: { sql: string; bindings?: readonly unknown[] }) => statements.push({ sql: q.sql, bindings: q.bindings ?? [] });
  db.on('query', capture);
  await allocate(db, task(decisions));
  db.off('query', capture);
  const plans: Assignment['plans'] = [];
  for (const st of statements.filter((q) => /^\s*select/i.test(q.sql)).map((q) => ({ ...q, sql: q.sql.replace(/\$\d+/g, '?') }))) {
    const rows = await db.raw<{ rows: { 'QUERY PLAN': string }[] }>(`explain (analyze, buffers) ${st.sql}`, st.bindings as Knex.RawBinding[]);
    plans.push({ sql: db.raw(st.sql, st.bindings as Knex.RawBinding[]).toQuery(), plan: rows.rows.map((r) => r['QUERY PLAN']).join('\n') });
  }
  return { specialists, openTasks, skills: SKILLS, decisions, decide: { p50: quantile(decide, 0.5), p99: quantile(decide, 0.99) }, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), assigned, plans };
}
