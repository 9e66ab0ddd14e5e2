// The hour ledger (R24): every movement of a client's subscription hours, once per key.
// Reservations hold approved hours in the month of approval; settlement at closure or
// cancellation releases them and writes the billable hours off in the month of closure.
// Periods are calendar months in the subscription's time zone.
import type { Knex } from 'knex';
import { rowsOf, type Db } from '../db/knex';
import { monthOf, rolloverOf, roundQuarter, type CarriedHours, type RequestBilling, type TaskBilling } from '../domain';
import { policyForSubscription } from './policies';

interface Sub {
  monthly_hours: number;
  timezone: string;
  starts_on: string;
  rollover_unused: boolean;
  policy_id: string | null;
}

async function subscriptionAt(db: Db | Knex.Transaction, clientId: string, period: string): Promise<Sub | undefined> {
  const lastDay = new Date(Date.parse(`${period}T00:00:00Z`) + 31 * 86_400_000).toISOString().slice(0, 8) + '01';
  return db('subscriptions')
    .where({ client_id: clientId })
    .where('starts_on', '<', lastDay)
    .where((q) => q.whereNull('ends_on').orWhere('ends_on', '>=', period))
    .orderBy('starts_on', 'desc')
    .first<Sub | undefined>('monthly_hours', 'timezone', 'starts_on', 'rollover_unused', 'policy_id');
}

/** The client's current subscription terms that requests follow: its time zone, and its auto-close policy. One lookup for all. */
export async function subscriptionTerms(db: Db, clientId: string): Promise<{ timeZone: string; autoCloseAfterDays?: number }> {
  const sub = await db('subscriptions')
    .where({ client_id: clientId })
    .orderBy('starts_on', 'desc')
    .first<{ timezone: string; auto_close_after_days: number | null } | undefined>('timezone', 'auto_close_after_days');
  return { timeZone: sub?.timezone ?? 'UTC', ...(sub?.auto_close_after_days ? { autoCloseAfterDays: sub.auto_close_after_days } : {}) };
}

async function timeZoneOf(db: Db | Knex.Transaction, clientId: string): Promise<string> {
  return (await subscriptionTerms(db, clientId)).timeZone;
}

const nextPeriod = (period: string) => {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
};

/** R24: the approved hours of a request are held against the month the client approved them in. */
export async function reserve(db: Db, r: { requestId: string; clientId: string; key: string; hours: number; at: string }): Promise<void> {
  if (r.hours <= 0) return;
  // The month in the client's time zone is worked out in the same statement (as monthOf does).
  await db.raw(
    `insert into hour_ledger (key, client_id, request_id, period, kind, hours)
     select :key, :client, :request,
            date_trunc('month', (cast(:at as timestamptz) at time zone coalesce((select timezone from subscriptions where client_id = :client order by starts_on desc limit 1), 'UTC')))::date,
            'reservation', :hours
     on conflict (key) do nothing`,
    { key: r.key, client: r.clientId, request: r.requestId, at: r.at, hours: r.hours },
  );
}

/** One request's steps on the ledgers, as `write_ledgers` takes them (see its migration). */
export interface LedgerSteps {
  requestId: string;
  clientId: string;
  steps: { reserve?: { key: string; hours: number; at: string }; hours?: Record<string, number>; priority?: string; release?: string[] }[];
  /** At closure or cancellation: the billable hours to write off, and the breakdown behind them. */
  settle?: { hours: number; detail: RequestBilling; at: string };
}

/**
 * A request's ledger steps and its write-off in one call and one transaction (R8, R11, R24, R25),
 * each idempotent: at closure or cancellation, held hours are released in the months they were
 * held and the billable hours written off in the month of closure, with the breakdown behind
 * them; every row has a key of its own, so a retry writes nothing twice. True when waiting tasks
 * may now go: then the dispatcher runs.
 */
export async function writeLedgers(db: Db, r: LedgerSteps): Promise<boolean> {
  if (r.steps.length === 0 && !r.settle) return false;
  const rows = await rowsOf<{ rows: { dispatch: boolean }[] }>(db.raw('select write_ledgers(?::jsonb) as dispatch', [JSON.stringify(r)]));
  return rows.rows[0]?.dispatch === true;
}

/** R25: the hours a request still holds are given back, once per month they were held in (`write_ledgers` does the same at closure). */
export async function releaseHeld(trx: Db, r: { requestId: string; clientId: string }): Promise<void> {
  await trx.raw('select release_held(?::uuid, ?::uuid)', [r.requestId, r.clientId]);
}

export interface MonthSummary {
  period: string;
  timeZone: string;
  /** The subscription's hours, plus what rolled over from the month before where it provides. */
  includedHours: number;
  rolledOverHours: number;
  /** Held by approved, open requests. */
  committedHours: number;
  /** Written off by closed requests. */
  consumedHours: number;
  freeHours: number;
  overageHours: number;
  /** The burn-down: the hours left at the end of each day of the month so far, in the client's time zone. */
  days: { date: string; leftHours: number }[];
}

/** A month's hours by kind of movement, without the burn-down: what R14's hours left need. */
async function monthHours(db: Db, clientId: string, period: string) {
  const sub = await subscriptionAt(db, clientId, period);
  const sums = await rowsOf<{ kind: string; hours: number }[]>(
    db('hour_ledger').where({ client_id: clientId, period }).groupBy('kind').select('kind', db.raw('sum(hours)::float as hours')),
  );
  const sum = (kind: string) => sums.find((s) => s.kind === kind)?.hours ?? 0;
  const rolledOver = sum('adjustment');
  const included = roundQuarter(Number(sub?.monthly_hours ?? 0) + rolledOver);
  const committed = roundQuarter(sum('reservation') - sum('release'));
  const consumed = roundQuarter(sum('writeoff'));
  return { sub, rolledOver, included, committed, consumed, free: Math.max(0, roundQuarter(included - committed - consumed)) };
}

export async function monthSummary(db: Db, clientId: string, period: string): Promise<MonthSummary> {
  const { sub, rolledOver, included, committed, consumed, free } = await monthHours(db, clientId, period);
  const timeZone = sub?.timezone ?? (await timeZoneOf(db, clientId));
  return {
    period,
    timeZone,
    includedHours: included,
    rolledOverHours: rolledOver,
    committedHours: committed,
    consumedHours: consumed,
    freeHours: free,
    overageHours: Math.max(0, roundQuarter(consumed - included)),
    days: await burnDown(db, clientId, period, included, timeZone),
  };
}

/**
 * Hours left at the end of each day of the month, up to today (in the client's time zone): what
 * the subscription includes less what approved requests hold and closed ones wrote off by then.
 */
async function burnDown(db: Db, clientId: string, period: string, included: number, timeZone: string): Promise<{ date: string; leftHours: number }[]> {
  const res = await rowsOf<{ rows: { date: string; left: number }[] }>(
    db.raw(
      `with days as (
         select d::date as date from generate_series(?::date, least((?::date + interval '1 month' - interval '1 day')::date, (now() at time zone ?)::date), interval '1 day') d
       ),
       used as (
         select (created_at at time zone ?)::date as date,
                sum(case kind when 'reservation' then hours when 'release' then -hours when 'writeoff' then hours else 0 end)::float as hours
         from hour_ledger where client_id = ? and period = ? group by 1
       )
       select to_char(days.date, 'YYYY-MM-DD') as date, ?::float - coalesce(sum(used.hours) filter (where used.date <= days.date), 0)::float as left
       from days left join used on used.date <= days.date group by days.date order by days.date`,
      [period, period, timeZone, timeZone, clientId, period, included],
    ),
  );
  return res.rows.map((r) => ({ date: r.date, leftHours: roundQuarter(Number(r.left)) }));
}

/** R14: the hours left in the client's month at an instant: the month's free hours. */
export async function hoursLeftAt(db: Db, clientId: string, at: string): Promise<number> {
  // In one query: the month of `at` in the client's time zone, its subscription, its ledger's sums
  // (as monthHours works them out).
  const { rows } = await db.raw<{ rows: { monthly_hours: string | null; adjustment: number; reservation: number; release: number; writeoff: number }[] }>(
    `with zone as (
       select coalesce((select timezone from subscriptions where client_id = :client order by starts_on desc limit 1), 'UTC') as tz
     ), month as (
       select date_trunc('month', (cast(:at as timestamptz) at time zone (select tz from zone)))::date as period
     )
     select (select s.monthly_hours from subscriptions s, month m
              where s.client_id = :client and s.starts_on < (m.period + interval '1 month')::date
                and (s.ends_on is null or s.ends_on >= m.period)
              order by s.starts_on desc limit 1) as monthly_hours,
            coalesce(sum(l.hours) filter (where l.kind = 'adjustment'), 0)::float as adjustment,
            coalesce(sum(l.hours) filter (where l.kind = 'reservation'), 0)::float as reservation,
            coalesce(sum(l.hours) filter (where l.kind = 'release'), 0)::float as release,
            coalesce(sum(l.hours) filter (where l.kind = 'writeoff'), 0)::float as writeoff
       from month m left join hour_ledger l on l.client_id = :client and l.period = m.period`,
    { client: clientId, at },
  );
  const r = rows[0]!;
  const included = roundQuarter(Number(r.monthly_hours ?? 0) + r.adjustment);
  return Math.max(0, roundQuarter(included - roundQuarter(r.reservation - r.release) - roundQuarter(r.writeoff)));
}

export interface Statement {
  clientId: string;
  clientName: string;
  summary: MonthSummary;
  requests: {
    requestId: string;
    title: string;
    closedAt: string | null;
    stage: string;
    billableHours: number;
    nonBillable?: Record<string, number>;
    /** Staff only: per task, budget, actual, billable and non-billable hours with their causes. */
    tasks?: TaskBilling[];
  }[];
  totals: { billableHours: number; nonBillableHours?: number };
  /** Staff only: non-billable internal hours by cause. */
  nonBillableByReason?: Record<string, number>;
  /** Staff only: the subscription policy the month was kept under (for a closed month: as it was at closing). */
  policy?: { policyId: string; name: string; version: number } | null;
  /** A closed month: the hours rolled into the next, by the month they were first included in. */
  rolledOver?: CarriedHours[];
  closed: boolean;
}

/** R24: the month's statement; staff see the non-billable internal hours and their causes, a client does not. */
export async function statementOf(db: Db, clientId: string, period: string, audience: 'staff' | 'client'): Promise<Statement> {
  const stored = await db('statements').where({ client_id: clientId, period }).first<{ statement: Statement } | undefined>('statement');
  const full = stored ? { ...stored.statement, closed: true } : await buildStatement(db, clientId, period);
  if (audience === 'staff') return full;
  const { nonBillableByReason: _n, policy: _p, ...rest } = full;
  return {
    ...rest,
    requests: full.requests.map(({ nonBillable: _x, tasks: _t, ...r }) => r),
    totals: { billableHours: full.totals.billableHours },
  };
}

async function buildStatement(db: Db, clientId: string, period: string): Promise<Statement> {
  const client = await db('clients').where({ id: clientId }).first<{ name: string }>('name');
  const rows = await rowsOf<{ request_id: string; hours: number; detail: RequestBilling | null; title: string; closed_at: Date | null; stage: string }[]>(
    db('hour_ledger as l')
      .join('requests as r', 'r.id', 'l.request_id')
      .where({ 'l.client_id': clientId, 'l.period': period, 'l.kind': 'writeoff' })
      .orderBy([{ column: 'r.closed_at' }, { column: 'r.id' }])
      .select('l.request_id', 'l.hours', 'l.detail', 'r.title', 'r.closed_at', 'r.stage'),
  );
  const byReason: Record<string, number> = {};
  for (const r of rows) {
    for (const [reason, hours] of Object.entries(r.detail?.nonBillable ?? {})) byReason[reason] = Math.round(((byReason[reason] ?? 0) + hours) * 100) / 100;
  }
  const requests = rows.map((r) => ({
    requestId: r.request_id,
    title: r.title,
    closedAt: r.closed_at?.toISOString() ?? null,
    stage: r.stage,
    billableHours: Number(r.hours),
    nonBillable: r.detail?.nonBillable ?? {},
    tasks: r.detail?.tasks ?? [],
  }));
  return {
    clientId,
    clientName: client.name,
    summary: await monthSummary(db, clientId, period),
    requests,
    totals: {
      billableHours: roundQuarter(requests.reduce((s, r) => s + r.billableHours, 0)),
      nonBillableHours: Math.round(Object.values(byReason).reduce((s, h) => s + h, 0) * 100) / 100,
    },
    nonBillableByReason: byReason,
    policy: await statementPolicy(db, clientId, period),
    closed: false,
  };
}

async function statementPolicy(db: Db, clientId: string, period: string): Promise<Statement['policy']> {
  const sub = await subscriptionAt(db, clientId, period);
  return sub ? (await policyForSubscription(db, sub.policy_id)).ref : null;
}

const csvCell = (s: string) => {
  return /[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/"/g, '""').replace(/^([=+\-@])/, "'$1")}"` : s;
};

/** The same statement as CSV: one row per request, then the month's figures. Cells that a spreadsheet would run as formulas are quoted. */
export function statementCsv(st: Statement): string {
  const staff = st.nonBillableByReason !== undefined;
  const lines = [['request_id', 'title', 'stage', 'closed_at', 'billable_hours', ...(staff ? ['non_billable_hours'] : [])]];
  for (const r of st.requests) {
    const nb = Object.values(r.nonBillable ?? {}).reduce((s, h) => s + h, 0);
    lines.push([r.requestId, r.title, r.stage, r.closedAt ?? '', String(r.billableHours), ...(staff ? [String(Math.round(nb * 100) / 100)] : [])]);
  }
  const s = st.summary;
  lines.push([]);
  for (const [k, v] of [
    ['period', s.period],
    ['included_hours', s.includedHours],
    ['rolled_over_hours', s.rolledOverHours],
    ['committed_hours', s.committedHours],
    ['consumed_hours', s.consumedHours],
    ['free_hours', s.freeHours],
    ['overage_hours', s.overageHours],
  ] as const) {
    lines.push([k, String(v)]);
  }
  if (staff) for (const [reason, h] of Object.entries(st.nonBillableByReason ?? {})) lines.push([`non_billable: ${reason}`, String(h)]);
  return lines.map((l) => l.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/**
 * Monthly rollover (a Temporal Schedule runs it daily): every month that has ended in the
 * client's time zone gets its statement frozen, and unused hours roll into the next month
 * where the subscription says so. Idempotent: a closed month is never closed again.
 */
export async function closePeriods(db: Db, now = new Date()): Promise<{ clientId: string; period: string; rolled: CarriedHours[] }[]> {
  const subs = await rowsOf<{ client_id: string; timezone: string; starts_on: string }[]>(
    db('subscriptions').distinctOn('client_id').orderBy([{ column: 'client_id' }, { column: 'starts_on', order: 'desc' }]).select('client_id', 'timezone', 'starts_on'),
  );
  const closed: { clientId: string; period: string; rolled: CarriedHours[] }[] = [];
  for (const sub of subs) {
    const current = monthOf(now.toISOString(), sub.timezone);
    const last = await db('statements').where({ client_id: sub.client_id }).max<{ max: string | null }>('period as max').first();
    let period = last?.max ? nextPeriod(last.max) : `${sub.starts_on.slice(0, 7)}-01`;
    for (let i = 0; i < 24 && period < current; i++, period = nextPeriod(period)) {
      const statement = await buildStatement(db, sub.client_id, period);
      const rolled = await rolloverFor(db, sub.client_id, period, statement.summary.freeHours);
      await db.transaction(async (trx) => {
        const inserted = await trx('statements')
          .insert({ client_id: sub.client_id, period, statement: JSON.stringify({ ...statement, closed: true, rolledOver: rolled }), closed_at: now })
          .onConflict(['client_id', 'period'])
          .ignore()
          .returning('period');
        if (inserted.length === 0 || rolled.length === 0) return;
        const next = nextPeriod(period);
        await trx('hour_ledger')
          .insert(rolled.map((c) => ({ key: `rollover:${sub.client_id}:${next}:${c.origin}`, client_id: sub.client_id, period: next, origin_period: c.origin, kind: 'adjustment', hours: c.hours })))
          .onConflict('key')
          .ignore();
      });
      closed.push({ clientId: sub.client_id, period, rolled });
    }
  }
  return closed;
}

/**
 * What rolls out of a closed month under the policy of the subscription in force that month (a
 * subscription made before policies, with "roll unused hours over", keeps doing so without end).
 */
async function rolloverFor(db: Db, clientId: string, period: string, freeHours: number): Promise<CarriedHours[]> {
  const sub = await subscriptionAt(db, clientId, period);
  if (!sub) return [];
  const { policy } = await policyForSubscription(db, sub.policy_id);
  const rule = policy.rollover.mode === 'none' && sub.rollover_unused ? ({ mode: 'all', months: null } as const) : policy.rollover;
  const carried = await rowsOf<{ origin_period: string | null; hours: number }[]>(
    db('hour_ledger').where({ client_id: clientId, period, kind: 'adjustment' }).groupBy('origin_period').select(db.raw("to_char(origin_period, 'YYYY-MM-DD') as origin_period"), db.raw('sum(hours)::float as hours')),
  );
  // Rows from before origins were kept came from the month before.
  const carriedIn = carried.map((c) => ({ origin: c.origin_period ?? previousPeriod(period), hours: Number(c.hours) }));
  return rolloverOf(rule, { period, next: nextPeriod(period), included: Number(sub.monthly_hours), carriedIn, freeHours });
}

const previousPeriod = (period: string) => {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 10);
};

/**
 * R12, under-use: from a configurable day of the month, the month's burn (consumed and committed
 * hours) is projected to its end; when hours would go unused, the account manager is told once.
 */
export async function underuseForecast(db: Db, now = new Date()): Promise<{ clientId: string; projectedHours: number; includedHours: number }[]> {
  const clients = await rowsOf<{ id: string; account_manager_id: string | null }[]>(db('clients').select('id', 'account_manager_id'));
  const flagged: { clientId: string; projectedHours: number; includedHours: number }[] = [];
  for (const c of clients) {
    const tz = await timeZoneOf(db, c.id);
    const period = monthOf(now.toISOString(), tz);
    const sub = await subscriptionAt(db, c.id, period);
    if (!sub || !c.account_manager_id) continue;
    const checkDay = (await policyForSubscription(db, sub.policy_id)).policy.underuseCheckDay;
    const parts = new Intl.DateTimeFormat('en-CA', { timeZone: tz, day: 'numeric' }).formatToParts(now);
    const day = Number(parts.find((p) => p.type === 'day')?.value);
    if (day < checkDay) continue;
    const [y, m] = period.split('-').map(Number) as [number, number];
    const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const s = await monthSummary(db, c.id, period);
    const projected = roundQuarter(((s.consumedHours + s.committedHours) * daysInMonth) / day);
    if (projected >= s.includedHours) continue;
    flagged.push({ clientId: c.id, projectedHours: projected, includedHours: s.includedHours });
    await db('notifications')
      .insert({
        id: `underuse:${c.id}:${period}`,
        client_id: c.id,
        recipient_role: 'manager',
        recipient_id: c.account_manager_id,
        kind: 'subscription.underused',
        text: `At this pace the client will use about ${projected} of ${s.includedHours} h this month: time to propose improvements to their project.`,
        created_at: now,
      })
      .onConflict('id')
      .ignore();
  }
  return flagged;
}
