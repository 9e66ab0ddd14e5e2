// The working calendar (R15) and the timers of the domain core, as plain unit tests.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CALENDAR,
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
