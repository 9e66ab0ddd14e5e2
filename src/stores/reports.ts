// Reports over time, estimates and capacity (R12, R23): estimate accuracy and utilisation.
import { rowsOf, type Db } from '../db/knex';
import { billableShare, roundQuarter } from '../domain';

/** Actual against estimate per specialist and kind of work, and the buffer it suggests next time. */
export async function estimateAccuracy(db: Db, month: string | undefined) {
  const q = { month };
    let query = db('tasks as t')
      .join('staff as s', 's.id', 't.assignee_id')
      .leftJoin('time_entries as e', function () {
        this.on('e.request_id', 't.request_id').andOn('e.task_id', 't.task_id');
      })
      .where('t.status', 'done')
      .whereNotNull('t.estimate_hours')
      .groupBy('t.request_id', 't.task_id', 's.id', 's.name', 't.skill', 't.estimate_hours', 't.updated_at')
      .select('s.id as specialist_id', 's.name', 't.skill', 't.estimate_hours', db.raw('coalesce(sum(e.minutes), 0)::float / 60 as actual'));
    if (q.month) query = query.whereRaw("to_char(t.updated_at at time zone 'UTC', 'YYYY-MM') = ?", [q.month]);
    const rows = await rowsOf<{ specialist_id: string; name: string; skill: string; estimate_hours: number; actual: number }[]>(query);
    const groups = new Map<string, typeof rows>();
    for (const r of rows) groups.set(`${r.specialist_id}|${r.skill}`, [...(groups.get(`${r.specialist_id}|${r.skill}`) ?? []), r]);
    const items = [...groups.values()].map((g) => {
      const estimated = g.reduce((s, r) => s + Number(r.estimate_hours), 0);
      const actual = g.reduce((s, r) => s + r.actual, 0);
      const ratios = g.map((r) => r.actual / Number(r.estimate_hours)).sort((a, b) => a - b);
      const median = ratios[Math.floor((ratios.length - 1) / 2)] ?? 1;
      return {
        specialistId: g[0]?.specialist_id,
        name: g[0]?.name,
        skill: g[0]?.skill,
        tasks: g.length,
        estimatedHours: roundQuarter(estimated),
        actualHours: roundQuarter(actual),
        ratio: Math.round((actual / estimated) * 100) / 100,
        // The typical overrun becomes the buffer to add next time, in 5 % steps.
        suggestedBufferShare: Math.max(0, Math.ceil((median - 1) * 20) / 20),
      };
    });
  return { month: q.month ?? null, items };
}

/** Logged and billable hours against capacity per specialist in a month (UTC); billable as the statement bills it. */
export async function utilisation(db: Db, asked: string | undefined) {
  const q = { month: asked };
    const month = q.month ?? new Date().toISOString().slice(0, 7);
    const [y, m] = month.split('-').map(Number) as [number, number];
    const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const rows = await rowsOf<{ id: string; name: string; weekly_capacity_hours: number; logged: number }[]>(
      db('staff as s')
        .leftJoin('time_entries as e', function () {
          this.on(db.raw('e.person_id = s.id::text')).andOn(db.raw("to_char(e.logged_at at time zone 'UTC', 'YYYY-MM') = ?", [month]));
        })
        .where({ 's.role': 'specialist', 's.active': true })
        .groupBy('s.id', 's.name', 's.weekly_capacity_hours')
        .orderBy('s.name')
        .select('s.id', 's.name', 's.weekly_capacity_hours', db.raw('coalesce(sum(e.minutes), 0)::float / 60 as logged')),
    );
    // Billable as the statement bills it (R23): each task at most its approved budget, shared by who logged on it.
    const parts = await rowsOf<{ person_id: string; task_id: string | null; approved_hours: number | null; minutes: number; task_minutes: number }[]>(
      db('time_entries as e')
        .leftJoin('tasks as t', function () {
          this.on('t.request_id', 'e.request_id').andOn('t.task_id', 'e.task_id');
        })
        .where('e.billable', true)
        .whereRaw("to_char(e.logged_at at time zone 'UTC', 'YYYY-MM') = ?", [month])
        .groupBy('e.person_id', 'e.request_id', 'e.task_id', 't.approved_hours')
        .select(
          'e.person_id',
          'e.task_id',
          't.approved_hours',
          db.raw('sum(e.minutes)::float as minutes'),
          db.raw('(select coalesce(sum(x.minutes), 0) from time_entries x where x.request_id = e.request_id and x.task_id = e.task_id and x.billable)::float as task_minutes'),
        ),
    );
    const billable = new Map<string, number>();
    for (const p of parts) {
      const hours = billableShare(p.minutes, p.task_id === null ? undefined : { minutes: p.task_minutes, budgetHours: Number(p.approved_hours ?? 0) });
      billable.set(p.person_id, (billable.get(p.person_id) ?? 0) + hours);
    }
    return {
      month,
      items: rows.map((r) => {
        const capacity = roundQuarter((Number(r.weekly_capacity_hours) * days) / 7);
        return {
          specialistId: r.id,
          name: r.name,
          capacityHours: capacity,
          loggedHours: roundQuarter(r.logged),
          billableHours: roundQuarter(billable.get(r.id) ?? 0),
          utilisation: capacity > 0 ? Math.round((r.logged / capacity) * 1000) / 1000 : 0,
        };
      }),
    };
}
