// Calendar arithmetic: months in a time zone, and working time on a working calendar
// (working days and hours in a time zone, with holidays), DST included. Pure: Intl only.

/** The first day ('YYYY-MM-01') of the calendar month that holds `at` in the given time zone. */
export function monthOf(at: string, timeZone: string): string {
  return `${localDate(Date.parse(at), timeZone).slice(0, 7)}-01`;
}

export interface WorkCalendar {
  timeZone: string;
  /** ISO weekdays that are working days: 1 = Monday … 7 = Sunday. */
  workdays: number[];
  /** Local start and end of the working day, 'HH:MM' (used when `shifts` is absent). */
  dayStart: string;
  dayEnd: string;
  /**
   * The working day's shifts, local 'HH:MM' to 'HH:MM' (end '24:00' is midnight), in order and
   * apart: a split day is `[['09:00', '13:00'], ['14:00', '18:00']]`. Absent: one shift, dayStart to dayEnd.
   */
  shifts?: [from: string, to: string][];
  /** Local dates ('YYYY-MM-DD') that are not working days. */
  holidays: string[];
}

export const DEFAULT_CALENDAR: WorkCalendar = {
  timeZone: 'UTC',
  workdays: [1, 2, 3, 4, 5],
  dayStart: '09:00',
  dayEnd: '18:00',
  holidays: [],
};

/** A calendar with no closed hours: working time equals wall-clock time. */
export const ALWAYS_OPEN: WorkCalendar = { timeZone: 'UTC', workdays: [1, 2, 3, 4, 5, 6, 7], dayStart: '00:00', dayEnd: '24:00', holidays: [] };

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function wallClock(instant: number, timeZone: string) {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

function localDate(instant: number, timeZone: string): string {
  const w = wallClock(instant, timeZone);
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

/** Offset of the zone from UTC at an instant, in ms (Berlin in winter: +3 600 000). */
function offsetAt(instant: number, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a local wall-clock time happens. A time skipped by a DST change moves forward by
 * the gap; a repeated one takes its first occurrence.
 */
export function zonedInstant(date: string, minutes: number, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d, 0, minutes);
  const HALF_DAY = 12 * 3600_000;
  // The offsets before and after any change that day: one of them gives the wall-clock time.
  const candidates = [guess - offsetAt(guess - HALF_DAY, timeZone), guess - offsetAt(guess + HALF_DAY, timeZone)];
  const valid = candidates.filter((c) => offsetAt(c, timeZone) === guess - c).sort((a, b) => a - b);
  return valid[0] ?? (candidates[0] as number);
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

function nextDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

function isoWeekday(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return ((new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7) + 1;
}

/** Working windows [start, end) as instants, from the local day that holds `from` onwards. */
function* windows(from: number, cal: WorkCalendar): Generator<[number, number]> {
  let date = localDate(from, cal.timeZone);
  // Ten years without a working day means the calendar has none: stop rather than loop forever.
  for (let i = 0; i < 3660; i++, date = nextDate(date)) {
    if (!cal.workdays.includes(isoWeekday(date)) || cal.holidays.includes(date)) continue;
    for (const [a, b] of cal.shifts ?? [[cal.dayStart, cal.dayEnd]]) {
      const start = zonedInstant(date, toMinutes(a), cal.timeZone);
      const end = toMinutes(b) >= 24 * 60 ? zonedInstant(nextDate(date), 0, cal.timeZone) : zonedInstant(date, toMinutes(b), cal.timeZone);
      if (end > from && end > start) yield [Math.max(start, from), end];
    }
  }
  throw new Error('the working calendar has no working time');
}

/** R15: the instant when `ms` of working time, counted from `start`, has passed. */
export function addWorkingTime(start: string, ms: number, cal: WorkCalendar): string {
  let left = ms;
  const from = Date.parse(start);
  for (const [a, b] of windows(from, cal)) {
    // Windows of consecutive days that touch (a 24-hour calendar) are one stretch of time.
    if (left <= b - a) return new Date(a + left).toISOString();
    left -= b - a;
  }
  throw new Error('unreachable');
}

/** Working time between two instants, in ms. */
export function workingTimeBetween(start: string, end: string, cal: WorkCalendar): number {
  const to = Date.parse(end);
  let total = 0;
  for (const [a, b] of windows(Date.parse(start), cal)) {
    if (a >= to) break;
    total += Math.min(b, to) - a;
  }
  return total;
}

/** A moment as a person in `timeZone` reads it: "1 Dec 2026, 17:00 (Europe/Berlin)". */
export function formatMoment(iso: string, timeZone: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  try {
    const text = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(t);
    return `${text} (${timeZone})`;
  } catch {
    return iso;
  }
}
