// Time entries (R22): their home is PostgreSQL. The request's workflow writes them (by the
// projection); this store reads them back for billing, corrections and the API.
import type { Db } from '../db/knex';
import type { Role, TimeCategory, TimeEntry } from '../domain';

interface TimeEntryRow {
  id: string;
  request_id: string;
  task_id: string | null;
  person_id: string;
  role: Role;
  minutes: number;
  category: TimeCategory;
  billable: boolean;
  billable_reason: string;
  note: string;
  logged_at: Date;
  revision: number;
}

function toEntry(r: TimeEntryRow): TimeEntry {
  return {
    id: r.id,
    revision: r.revision,
    personId: r.person_id,
    role: r.role,
    minutes: r.minutes,
    category: r.category,
    billable: r.billable,
    billableReason: r.billable_reason,
    note: r.note,
    at: r.logged_at.toISOString(),
    ...(r.task_id !== null ? { taskId: r.task_id } : {}),
  };
}

/** Every entry of a request, in the order they were logged. */
export async function timeEntriesOf(db: Db, requestId: string): Promise<TimeEntry[]> {
  const rows = (await db('time_entries').where({ request_id: requestId }).orderBy([{ column: 'logged_at' }, { column: 'id' }])) as TimeEntryRow[];
  return rows.map(toEntry);
}

export async function timeEntry(db: Db, requestId: string, entryId: string): Promise<TimeEntry | null> {
  const row = (await db('time_entries').where({ request_id: requestId, id: entryId }).first()) as TimeEntryRow | undefined;
  return row ? toEntry(row) : null;
}

/** A page of a request's entries by entry number, from `after` on; a client sees the billable ones only. */
export async function timeEntryPage(db: Db, requestId: string, opts: { after: number; limit: number; billableOnly: boolean }): Promise<{ items: TimeEntry[]; next: number | null }> {
  let q = db('time_entries')
    .where({ request_id: requestId })
    .whereRaw("(substring(id from ':te:([0-9]+)$'))::int > ?", [opts.after])
    .orderByRaw("(substring(id from ':te:([0-9]+)$'))::int")
    .limit(opts.limit + 1);
  if (opts.billableOnly) q = q.where('billable', true);
  const rows = (await q) as TimeEntryRow[];
  const page = rows.slice(0, opts.limit).map(toEntry);
  const last = page.at(-1);
  return { items: page, next: rows.length > opts.limit && last ? Number(/:te:(\d+)$/.exec(last.id)?.[1]) : null };
}
