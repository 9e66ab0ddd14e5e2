// The working calendar (R15) and the timers of the domain core, as plain unit tests.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CALENDAR,
  DEFAULT_POLICY,
  policyCalendar,
  type Policy,
  DEFAULT_TIMING,
  addWorkingTime,
  apply,
  applyTimer,
  intake,
  nextTimer,
  workingTimeBetween,
  zonedInstant,
  type Actor,
  type RequestContext,
  type WorkCalendar,
} from '../src/domain';

const berlin: WorkCalendar = { ...DEFAULT_CALENDAR, timeZone: 'Europe/Berlin' };
const H = 3600_000;

describe('R15 working calendar', () => {
  it.each([
    // start (UTC)              hours  expected (UTC)            why
    ['2026-11-25T09:00:00Z', 2, '2026-11-25T11:00:00.000Z'], // Wed 10:00 Berlin + 2 h, inside the day
    ['2026-11-25T15:00:00Z', 3, '2026-11-26T09:00:00.000Z'], // Wed 16:00 Berlin + 3 h: 2 h today, 1 h from Thu 09:00 to 10:00 Berlin
    ['2026-11-27T16:00:00Z', 6, '2026-11-30T13:00:00.000Z'], // Fri 17:00 + 6 h: over the weekend to Mon 14:00
    ['2026-11-28T10:00:00Z', 1, '2026-11-30T09:00:00.000Z'], // Saturday: starts Monday 09:00
    ['2026-11-25T05:00:00Z', 1, '2026-11-25T09:00:00.000Z'], // before opening: 09:00-10:00 Berlin
    ['2026-11-25T08:00:00Z', 18, '2026-11-26T17:00:00.000Z'], // two full 9-hour days: Thu 18:00 Berlin
  ] as const)('%s + %s working hours is %s', (start, hours, expected) => {
    expect(addWorkingTime(start, hours * H, berlin)).toBe(expected);
  });

  it('skips holidays', () => {
    const xmas: WorkCalendar = { ...berlin, holidays: ['2026-12-24', '2026-12-25'] };
    // Wed 23 Dec 17:00 + 2 h: 1 h on Wednesday, Thursday and Friday are holidays, 1 h on Monday 28 Dec.
    expect(addWorkingTime('2026-12-23T16:00:00Z', 2 * H, xmas)).toBe('2026-12-28T09:00:00.000Z');
  });

  it('keeps local working hours across the spring DST change', () => {
    // Fri 27 Mar 2026 17:00 CET (16:00Z) + 2 h: 1 h Friday, 1 h on Monday 30 Mar from 09:00 CEST (07:00Z).
    expect(addWorkingTime('2026-03-27T16:00:00Z', 2 * H, berlin)).toBe('2026-03-30T08:00:00.000Z');
  });

  it('keeps local working hours across the autumn DST change', () => {
    // Fri 23 Oct 2026 17:00 CEST (15:00Z) + 2 h: 1 h Friday, 1 h on Monday 26 Oct from 09:00 CET (08:00Z).
    expect(addWorkingTime('2026-10-23T15:00:00Z', 2 * H, berlin)).toBe('2026-10-26T09:00:00.000Z');
  });

  it('counts a 24-hour day on the day the clocks go back as 25 hours', () => {
    const always: WorkCalendar = { timeZone: 'Europe/Berlin', workdays: [1, 2, 3, 4, 5, 6, 7], dayStart: '00:00', dayEnd: '24:00', holidays: [] };
    expect(workingTimeBetween('2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z', always)).toBe(25 * H);
  });

  it('maps a local time skipped by DST forward, and a repeated one to its first occurrence', () => {
    expect(new Date(zonedInstant('2026-03-29', 150, 'Europe/Berlin')).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(new Date(zonedInstant('2026-10-25', 150, 'Europe/Berlin')).toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('measures working time between two instants', () => {
    expect(workingTimeBetween('2026-11-27T16:00:00Z', '2026-11-30T13:00:00Z', berlin)).toBe(6 * H);
  });

  it('refuses a calendar without working time', () => {
    expect(() => addWorkingTime('2026-11-25T09:00:00Z', H, { ...berlin, workdays: [] })).toThrow(/no working time/);
  });
});

describe('timers of a request', () => {
  const ctx: RequestContext = { calendar: berlin, policy: DEFAULT_TIMING };
  const client: Actor = { id: 'c1', role: 'client', clientId: 'org1' };
  const manager: Actor = { id: 'm1', role: 'manager' };
  const fresh = () =>
    intake(
      { requestId: 'r1', clientId: 'org1', title: 't', description: 'd', priority: 'critical', managerId: 'm1', createdBy: client, timeZone: 'Europe/Berlin', at: '2026-11-27T16:30:00Z' },
      ctx,
    );

  it('R3 the triage deadline is counted in working time by priority', () => {
    // Fri 17:30 Berlin + 1 working hour (critical): 30 min Friday, 30 min Monday from 09:00.
    expect(fresh().triageDueAt).toBe('2026-11-30T08:30:00.000Z');
    expect(nextTimer(fresh(), ctx)).toEqual({ at: '2026-11-30T08:30:00.000Z', command: { type: 'triageOverdue' } });
  });

  it('R3 the timer escalates once to the head, then is gone', () => {
    const escalated = applyTimer(fresh(), { type: 'triageOverdue' }, '2026-11-30T08:30:00Z');
    expect(escalated.escalations).toEqual([expect.objectContaining({ kind: 'triage_overdue', ownerRole: 'head' })]);
    expect(nextTimer(escalated, ctx)).toBeUndefined();
  });

  it('R13 no SLA timer runs while the request waits on the client; the deadline moves by the pause', () => {
    const asked = apply(fresh(), manager, { type: 'askClient', text: 'Which account?' }, '2026-11-30T08:00:00Z', ctx);
    expect(nextTimer(asked, ctx)).toBeUndefined();
    const answered = apply(asked, client, { type: 'answerClient', questionId: 'Q1', answer: 'Main.' }, '2026-11-30T10:00:00Z', ctx);
    expect(answered.triageDueAt).toBe('2026-11-30T10:30:00.000Z');
    expect(answered.slaPauses).toEqual([{ from: '2026-11-30T08:00:00Z', to: '2026-11-30T10:00:00Z', waitingOn: 'client', reason: 'Which account?' }]);
  });
});

/** #16: a policy's calendar, as an administrator writes it. */
const policyCal = (c: Partial<Policy['calendar']>, subscriptionZone = 'Europe/Berlin') =>
  policyCalendar({ ...DEFAULT_POLICY, calendar: { ...DEFAULT_POLICY.calendar, ...c } }, subscriptionZone);
const ALL_WEEK = [1, 2, 3, 4, 5, 6, 7];
const split = policyCal({ hours: [{ from: '09:00', to: '13:00' }, { from: '14:00', to: '18:00' }] });
const roundTheClock = policyCal({ workdays: ALL_WEEK, hours: [{ from: '00:00', to: '24:00' }] });
const christmas = policyCal({ holidays: ['2026-12-25', '2027-01-01'] });
// Kazakhstan: one zone at UTC+5 with no DST since March 2024; Independence Day on 16 December.
const DEFAULT_POLICY_CAL = policyCal({});
const almaty = policyCal({ timeZone: 'Asia/Almaty', holidays: ['2026-12-16', '2026-12-17'] }, 'Europe/Berlin');

describe('#16 policy calendars', () => {
  it.each([
    // calendar, start (UTC), working hours, expected (UTC), why
    ['split shifts', split, '2026-12-07T11:00:00Z', 2, '2026-12-07T14:00:00.000Z', 'Mon 12:00 Berlin: 1 h to the lunch break, 1 h from 14:00, so 15:00 Berlin'],
    ['split shifts', split, '2026-12-07T12:15:00Z', 1, '2026-12-07T14:00:00.000Z', 'Mon 13:15 Berlin is the break: the hour runs 14:00-15:00'],
    ['split shifts', split, '2026-12-11T16:30:00Z', 1, '2026-12-14T08:30:00.000Z', 'Fri 17:30 Berlin: half an hour on Friday, the rest Monday from 09:00'],
    ['24/7', roundTheClock, '2026-12-05T22:00:00Z', 5, '2026-12-06T03:00:00.000Z', 'Saturday night counts: working time is wall-clock time'],
    ['24/7, spring DST weekend', roundTheClock, '2026-03-28T22:00:00Z', 4, '2026-03-29T02:00:00.000Z', 'Berlin loses 02:00-03:00 on 29 March; 4 elapsed hours stay 4'],
    ['24/7, autumn DST weekend', roundTheClock, '2026-10-24T22:00:00Z', 4, '2026-10-25T02:00:00.000Z', 'Berlin lives 02:00-03:00 twice on 25 October; 4 elapsed hours stay 4'],
    ['business hours, spring DST weekend', DEFAULT_POLICY_CAL, '2026-03-27T16:00:00Z', 2, '2026-03-30T08:00:00.000Z', 'Fri 17:00 CET + 1 h; Monday opens at 09:00 CEST (07:00 UTC), one hour on'],
    ['business hours, autumn DST weekend', DEFAULT_POLICY_CAL, '2026-10-23T15:00:00Z', 2, '2026-10-26T09:00:00.000Z', 'Fri 17:00 CEST + 1 h; Monday opens at 09:00 CET (08:00 UTC), one hour on'],
    ['a holiday on a Friday', christmas, '2026-12-24T16:00:00Z', 2, '2026-12-28T09:00:00.000Z', 'Thu 24 Dec 17:00 Berlin + 1 h; Fri 25 Dec is a holiday, then the weekend: Mon 10:00'],
    ['a zone without DST', almaty, '2026-12-15T12:00:00Z', 2, '2026-12-18T05:00:00.000Z', 'Tue 17:00 Almaty + 1 h; 16 and 17 Dec are holidays: Fri 10:00 Almaty (UTC+5)'],
    ['a zone without DST, in summer', almaty, '2026-06-30T12:00:00Z', 2, '2026-07-01T05:00:00.000Z', 'the same offset in July: Wed 10:00 Almaty'],
    ['across a month end', DEFAULT_POLICY_CAL, '2026-11-30T16:00:00Z', 3, '2026-12-01T10:00:00.000Z', 'Mon 30 Nov 17:00 Berlin + 1 h; Tue 1 Dec 09:00-11:00'],
    ['across a year end', christmas, '2026-12-31T16:00:00Z', 2, '2027-01-04T09:00:00.000Z', 'Thu 31 Dec 17:00 Berlin + 1 h; 1 Jan (Friday) is a holiday: Mon 4 Jan 10:00'],
  ] as const)('%s: %s + %s h is %s (%s)', (_name, cal, start, hours, expected, _why) => {
    expect(addWorkingTime(start, hours * H, cal)).toBe(expected);
    // The working time between the two moments is what was added.
    expect(workingTimeBetween(start, expected, cal)).toBe(hours * H);
  });

  it('counts a split day as its shifts only', () => {
    // Mon 7 Dec, 08:00 to 20:00 Berlin: 4 h in the morning, 4 h in the afternoon.
    expect(workingTimeBetween('2026-12-07T07:00:00Z', '2026-12-07T19:00:00Z', split)).toBe(8 * H);
  });

  it('takes the subscription zone unless the policy names its own', () => {
    expect(policyCal({}, 'Asia/Tokyo').timeZone).toBe('Asia/Tokyo');
    expect(almaty.timeZone).toBe('Asia/Almaty');
  });
});
