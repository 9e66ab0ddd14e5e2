// The choice of a specialist (R6, R8, R11) as plain unit tests of the pure domain core.
import { describe, expect, it } from 'vitest';
import { chooseSpecialist, fits, loadOf, type Candidate } from '../src/domain';

const c = (id: string, over: Partial<Candidate> = {}): Candidate => ({
  id,
  seniority: 'middle',
  weeklyCapacityHours: 40,
  loadHours: 0,
  weightedLoadHours: 0,
  lastAssignedAt: null,
  absent: false,
  ...over,
});

describe('load and choice', () => {
  it('R6 the lowest load per hour of capacity wins', () => {
    const pick = chooseSpecialist([c('a', { loadHours: 10, weightedLoadHours: 10 }), c('b', { loadHours: 8, weightedLoadHours: 8, weeklyCapacityHours: 20 }), c('c', { loadHours: 12, weightedLoadHours: 12 })], 4, 'normal');
    expect(pick?.id).toBe('a'); // 10/40 < 12/40 < 8/20
  });

  it('R11 urgent work weighs more in a load', () => {
    expect(loadOf({ weightedLoadHours: 12, weeklyCapacityHours: 40 })).toBe(0.3);
  });

  it('R8 nobody fits when everyone is at capacity; an empty desk takes even a task larger than a week', () => {
    expect(chooseSpecialist([c('a', { loadHours: 38, weightedLoadHours: 38 })], 4, 'normal')).toBeUndefined();
    expect(fits(c('a'), 60)).toBe(true);
    expect(fits(c('a', { absent: true }), 1)).toBe(false);
    expect(fits(c('a', { weeklyCapacityHours: 0 }), 1)).toBe(false);
  });

  it.each([
    ['critical', 'senior'],
    ['high', 'senior'],
    ['normal', 'middle'],
    ['low', 'junior'],
  ] as const)('ties at equal load: %s work goes to the %s', (priority, seniority) => {
    const pool = [c('j', { seniority: 'junior' }), c('m', { seniority: 'middle' }), c('s', { seniority: 'senior' })];
    expect(chooseSpecialist(pool, 2, priority)?.seniority).toBe(seniority);
  });

  it('then to whoever waited longest since their last assignment', () => {
    const pool = [c('a', { lastAssignedAt: '2026-11-27T10:00:00Z' }), c('b', { lastAssignedAt: '2026-11-27T08:00:00Z' }), c('c', { lastAssignedAt: null })];
    expect(chooseSpecialist(pool, 2, 'normal')?.id).toBe('c');
    expect(chooseSpecialist(pool.slice(0, 2), 2, 'normal')?.id).toBe('b');
  });
});
