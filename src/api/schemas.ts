import { MAIL_KINDS, MAIL_MODES } from '../domain/mail';
import { z } from 'zod';
import { badRequest } from './errors';
import { isStorableText } from '../shared/text';
import { COMPLEXITIES, DEADLINE_CAUSES, KEY_PREFIX, PRIORITIES, REQUEST_KEY, SENIORITIES, STAFF_ROLES, STAGES, TIME_CATEGORIES } from '../domain';

const STORABLE = { message: 'contains a character that cannot be stored (NUL or an unpaired surrogate)' };
/** Free text of at most `max` characters, trimmed; `text` must not be empty. */
const plain = (max: number) => z.string().trim().max(max).refine(isStorableText, STORABLE);
const text = (max: number) => z.string().trim().min(1).max(max).refine(isStorableText, STORABLE);

const DAY_MS = 86_400_000;
/** Calendar dates the desk deals in: subscriptions, absences, months. */
export const FIRST_YEAR = 2000;
export const LAST_YEAR = 2100;
const yearOf = (isoDate: string) => Number(isoDate.slice(0, 4));
const sensibleYear = (isoDate: string) => yearOf(isoDate) >= FIRST_YEAR && yearOf(isoDate) <= LAST_YEAR;
const calendarDate = z.iso.date().refine(sensibleYear, { message: `a date between ${FIRST_YEAR} and ${LAST_YEAR}` });
/** A moment after now and at most `years` ahead: deadlines, expiry. */
const futureDateTime = (years: number) =>
  z.iso.datetime({ offset: true }).refine(
    (d) => {
      const t = Date.parse(d);
      return t > Date.now() && t < Date.now() + years * 366 * DAY_MS;
    },
    { message: `a moment in the future, at most ${years} years ahead` },
  );
/** Hours are kept in quarter hours. */
const quarterHours = (min: number, max: number) => z.number().min(min).max(max).multipleOf(0.25, 'hours are counted in quarter hours (0.25)');
const id = z.uuid();
const skill = z.string().trim().toLowerCase().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'a skill is a short lower-case code');
const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'an IANA time zone such as Europe/Berlin');

export const createRequestBody = z.strictObject({
  title: text(200),
  description: text(10_000),
  priority: z.enum(PRIORITIES).default('normal'),
  clientId: id.optional(),
});

export const listRequestsQuery = z.strictObject({
  clientId: id.optional(),
  stage: z.enum(STAGES).optional(),
  priority: z.enum(PRIORITIES).optional(),
  managerId: id.optional(),
  /** Staff: only requests whose data PostgreSQL refused (true), or only the others. */
  needsAttention: z.enum(['true', 'false']).optional(),
  /** Words to find (web-search syntax: "a phrase", -not, or): ranked by relevance instead of newest first. */
  q: text(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});



/** `complexity`: the manager's expectation, which sizes the task in its assignee's load until it is estimated. */
const newTask = z.strictObject({ title: text(200), skill, assigneeId: id.optional(), complexity: z.enum(COMPLEXITIES).optional() });
const taskRef = z.string().regex(/^T\d{1,4}$/, 'a task id such as T1');
const verdict = z.strictObject({ verdict: z.enum(['approve', 'return']), comment: plain(5_000).default('') });

export const actionBodies = {
  triage: z.discriminatedUnion('decision', [
    z.strictObject({ decision: z.literal('resolve'), resolution: text(10_000) }),
    z.strictObject({ decision: z.literal('delegate') }),
  ]),
  decompose: z.strictObject({ brief: text(20_000), tasks: z.array(newTask).min(1).max(50) }),
  askQuestion: z.strictObject({ taskId: taskRef.optional(), text: text(5_000) }),
  answerQuestion: z.strictObject({ answer: text(5_000) }),
  askClient: z.strictObject({ text: text(5_000) }),
  answerClient: z.strictObject({ answer: text(5_000) }),
  estimate: z.strictObject({ hours: quarterHours(0.25, 1000), complexity: z.enum(COMPLEXITIES) }),
  reviewEstimate: verdict,
  approveEstimate: z.strictObject({ acceptOverage: z.boolean().optional() }),
  reportProgress: z.strictObject({ percent: z.number().int().min(0).max(100) }),
  reportBlocker: z.strictObject({ description: text(5_000) }),
  proposeDeadline: z.strictObject({
    newDeadline: futureDateTime(5),
    extraHours: quarterHours(0, 1000).default(0),
    cause: z.enum(DEADLINE_CAUSES),
    note: text(5_000),
  }),
  agreeDeadline: z.strictObject({ agree: z.boolean(), comment: plain(5_000).optional() }),
  addSpecialist: z.strictObject({ specialistId: id.optional(), skill: skill.optional() }),
  reviewResult: verdict,
  declineTask: z.strictObject({ reason: text(5_000) }),
  changePriority: z.strictObject({ priority: z.enum(PRIORITIES), reason: text(2_000) }),
  reassignTask: z.strictObject({ specialistId: id, reason: text(2_000) }),
  openLinkedRequest: z.strictObject({ title: text(200), description: text(10_000) }),
  rejectEstimate: z.strictObject({ comment: text(5_000), next: z.enum(['reestimate', 'cancel']) }),
  logTime: z.strictObject({
    taskId: taskRef.optional(),
    minutes: z.number().int().positive().max(24 * 60),
    category: z.enum(TIME_CATEGORIES),
    note: plain(2_000).default(''),
  }),
  completeTask: z.strictObject({ result: text(10_000) }),
  correctTime: z.strictObject({
    minutes: z.number().int().positive().max(24 * 60).optional(),
    category: z.enum(TIME_CATEGORIES).optional(),
    note: plain(2_000).optional(),
  }),
  acceptResult: z.strictObject({}),
  rework: z.strictObject({ reason: text(5_000), taskIds: z.array(taskRef).min(1).max(50).optional() }),
  changeScope: z.strictObject({ reason: text(5_000), tasks: z.array(newTask).min(1).max(50) }),
  confirmClosure: z.strictObject({ note: text(2_000).optional() }),
  cancel: z.strictObject({ reason: text(5_000) }),
  applyPolicy: z.strictObject({ policyId: id, version: z.number().int().min(1).max(1_000_000), reason: text(2_000) }),
};

export const createStaffBody = z
  .strictObject({
    name: text(200),
    email: z.email().max(320),
    role: z.enum(STAFF_ROLES),
    seniority: z.enum(SENIORITIES).optional(),
    skills: z.array(skill).max(50).default([]),
    weeklyCapacityHours: quarterHours(0, 80).default(40),
    mentorId: id.optional(),
    timezone: timeZone.default('UTC'),
  })
  .refine((s) => s.role !== 'specialist' || s.seniority !== undefined, { message: 'a specialist needs a seniority', path: ['seniority'] })
  .refine((s) => s.seniority !== 'junior' || s.mentorId !== undefined, { message: 'a junior needs a senior mentor', path: ['mentorId'] });

/** `keyPrefix`: what the client's request keys start with (`ACME` for ACME-42); chosen from the name when not given. */
export const createClientBody = z.strictObject({ name: text(200), accountManagerId: id.optional(), keyPrefix: z.string().regex(KEY_PREFIX, 'a capital letter, then 1–9 capital letters or digits').optional() });

export const createSubscriptionBody = z.strictObject({
  monthlyHours: quarterHours(0, 10_000),
  timezone: timeZone,
  startsOn: calendarDate,
  endsOn: calendarDate.optional(),
  rolloverUnused: z.boolean().default(false),
  autoCloseAfterDays: z.number().int().min(1).max(365).optional(),
  /** The subscription's policy; absent: the company default. */
  policyId: id.optional(),
}).refine((s) => s.endsOn === undefined || s.endsOn >= s.startsOn, { message: 'endsOn is before startsOn', path: ['endsOn'] });

export const createContactBody = z.strictObject({ name: text(200), email: z.email().max(320) });

export const createCredentialBody = z
  .strictObject({
    staffId: id.optional(),
    contactId: id.optional(),
    label: text(200),
    expiresAt: futureDateTime(10).optional(),
  })
  .refine((c) => (c.staffId === undefined) !== (c.contactId === undefined), { message: 'name exactly one of staffId or contactId' });

export const uuidParam = id;
export const taskIdParam = taskRef;
export const questionIdParam = z.string().regex(/^Q\d{1,4}$/);
export const proposalIdParam = z.string().regex(/^D\d{1,4}$/);

export const inboxQuery = z.strictObject({
  unread: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});

/** A page of a request's numbered records (timeline events, time entries): those after number `after`. */
export const pageQuery = z.strictObject({
  after: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

export const escalationsQuery = z.strictObject({
  state: z.enum(['open', 'acknowledged', 'resolved', 'all']).default('open'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const absenceBody = z
  .strictObject({ startsOn: calendarDate, endsOn: calendarDate, kind: z.enum(['vacation', 'sick', 'other']), note: plain(2_000).default('') })
  .refine((a) => a.endsOn >= a.startsOn, { message: 'endsOn is before startsOn', path: ['endsOn'] })
  .refine((a) => Date.parse(a.endsOn) - Date.parse(a.startsOn) <= 366 * DAY_MS, { message: 'an absence lasts at most a year', path: ['endsOn'] });

export const updateStaffBody = z
  .strictObject({
    skills: z.array(skill).max(50).optional(),
    weeklyCapacityHours: quarterHours(0, 80).optional(),
    mentorId: id.optional(),
    seniority: z.enum(SENIORITIES).optional(),
    active: z.boolean().optional(),
    /** Why: kept in the administrative audit trail. */
    reason: plain(2_000).optional(),
  })
  .refine((b) => Object.keys(b).some((k) => k !== 'reason'), { message: 'nothing to change' });

export const adminAuditQuery = z.strictObject({
  targetId: z.string().regex(/^[A-Za-z0-9:_-]{1,120}$/).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.number().int().positive().optional(),
});

export const monthParam = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month such as 2026-11')
  .refine((m) => sensibleYear(m), { message: `a month between ${FIRST_YEAR} and ${LAST_YEAR}` });
export const reportQuery = z.strictObject({ month: monthParam.optional(), format: z.enum(['json', 'csv']).optional() });
/** Ids of the desk's own rows in paths (notifications, escalations): `<request uuid>:N3`, `workload-review:<uuid>`. */
export const rowIdParam = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9:_-]{0,119}$/, 'an id this API issued');
/** A time entry's number in its request: 1, 2, … written plainly. */
export const entryNoParam = z.string().regex(/^[1-9]\d{0,8}$/, 'a time entry number such as 1');

/** A uuid from the path: one this API never issues is 400 (an unknown one is the route's 404). */
export function uuidFrom(raw: unknown, what: string): string {
  const id = uuidParam.safeParse(raw);
  if (!id.success) throw badRequest(`not a ${what} id`);
  return id.data;
}

/** A request in a path: its id, or its key (`ACME-42`). */
export const requestRefParam = z.union([z.uuid(), z.string().regex(REQUEST_KEY, 'a request key such as ACME-42')]);

/** A message in the conversation: a public reply, or (staff only) an internal note; optionally with the time it took (R2, R22). */
export const postMessageBody = z
  .strictObject({
    body: text(20_000),
    internal: z.boolean().default(false),
    minutes: z.number().int().positive().max(24 * 60).optional(),
    category: z.enum(TIME_CATEGORIES).optional(),
    taskId: taskRef.optional(),
  })
  .refine((m) => m.minutes !== undefined || (m.category === undefined && m.taskId === undefined), { message: 'category and taskId describe the time: give minutes too', path: ['minutes'] });

export const editMessageBody = z.strictObject({ body: text(20_000) });
export const deleteMessageBody = z.strictObject({ reason: text(2_000) });

/** An upload's name and where it goes; the bytes are the body. */
export const uploadQuery = z.strictObject({
  filename: text(255).refine((n) => !/[\\/]/.test(n) && n !== '.' && n !== '..', { message: 'a file name, without a path' }),
  messageId: z.uuid().optional(),
});

/** Sign-in: e-mail and password (a password is never trimmed). */
export const signInBody = z.strictObject({ email: z.email().max(320), password: z.string().min(1).max(1024) });

/** A password of one's own: at least 12 characters, and not only spaces. */
export const passwordBody = z.strictObject({
  password: z.string().min(12, 'at least 12 characters').max(1024).refine((p) => p.trim().length >= 12, { message: 'at least 12 characters besides spaces' }).refine(isStorableText, STORABLE),
});

/** An invitation for a person of staff or a client contact; the link works once, for `expiresInHours`. */
export const invitationBody = z
  .strictObject({ staffId: id.optional(), contactId: id.optional(), expiresInHours: z.number().int().min(1).max(720).default(72) })
  .refine((c) => (c.staffId === undefined) !== (c.contactId === undefined), { message: 'name exactly one of staffId or contactId' });

export const invitationTokenParam = z.string().regex(/^inv_[A-Za-z0-9_-]{43}$/, 'an invitation token');

/** A person's own settings. */
export const preferencesBody = z.strictObject({ language: z.enum(['en', 'ru']).nullable() });

/** A working-day clock time, 'HH:MM' from 00:00 to 24:00. */
const clockTime = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'a time of day such as 09:00 (24:00 ends the day)');
const minutesOfClock = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
const share = z.number().min(0).max(2).multipleOf(0.01, 'a share with at most two decimals, such as 0.35');

/**
 * A subscription policy (#16). Every field is required: a new version is a whole policy, so what
 * a request runs under never depends on an earlier version. Ranges are what a contract can say.
 */
export const policyFields = z.strictObject({
  triageSlaMinutes: z.strictObject({
    critical: z.number().int().min(1).max(43_200),
    high: z.number().int().min(1).max(43_200),
    normal: z.number().int().min(1).max(43_200),
    low: z.number().int().min(1).max(43_200),
  }),
  deadlineGraceMinutes: z.number().int().min(0).max(43_200),
  reminders: z.strictObject({ everyHours: z.number().int().min(1).max(720), count: z.number().int().min(0).max(20) }),
  autoCloseAfterDays: z.number().int().min(1).max(365).nullable(),
  riskBuffer: z.strictObject({ low: share, medium: share, high: share, largeWorkHours: z.number().min(1).max(1_000), largeWorkExtra: share }),
  quickAnswerMinutes: z.number().int().min(0).max(240),
  rollover: z.discriminatedUnion('mode', [
    z.strictObject({ mode: z.literal('none') }),
    z.strictObject({ mode: z.literal('all'), months: z.number().int().min(1).max(24) }),
    z.strictObject({ mode: z.literal('upTo'), maxHours: quarterHours(0.25, 10_000), months: z.number().int().min(1).max(24) }),
  ]),
  underuseCheckDay: z.number().int().min(1).max(28),
  calendar: z.strictObject({
    timeZone: timeZone.nullable(),
    workdays: z
      .array(z.number().int().min(1).max(7))
      .min(1)
      .max(7)
      .refine((d) => new Set(d).size === d.length, 'each weekday once (1 = Monday … 7 = Sunday)'),
    hours: z
      .array(z.strictObject({ from: clockTime, to: clockTime }).refine((h) => minutesOfClock(h.from) < minutesOfClock(h.to), { message: 'a shift ends after it starts', path: ['to'] }))
      .min(1)
      .max(6)
      .superRefine((hours, ctx) => {
        for (let i = 1; i < hours.length; i++) {
          if (minutesOfClock(hours[i]!.from) < minutesOfClock(hours[i - 1]!.to)) {
            ctx.addIssue({ code: 'custom', message: 'shifts are in order and do not overlap', path: [i, 'from'] });
          }
        }
      }),
    holidays: z
      .array(calendarDate)
      .max(1_000)
      .refine((d) => new Set(d).size === d.length, 'each holiday once'),
  }),
});

export const createPolicyBody = policyFields.extend({ name: text(120), note: plain(2_000).optional() });
/** A new version: the whole policy again, with why. */
export const updatePolicyBody = policyFields.extend({ note: plain(2_000).optional() });
export const subscriptionPolicyBody = z.strictObject({ policyId: id.nullable() });

/** A person's mail settings: their digest hour (0–23, in their time zone) and a mode per kind of notification (`*`: every other kind). */
export const mailSettingsBody = z.strictObject({
  digestHour: z.number().int().min(0).max(23).optional(),
  modes: z.partialRecord(z.enum(['*', ...MAIL_KINDS]), z.enum(MAIL_MODES)).optional(),
});

export const quarantineQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  all: z.enum(['true', 'false']).default('false'),
});
