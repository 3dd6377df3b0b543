// Which retry policy a webhook action follows (target over endpoint over default), and the attempts it allows.
import { describe, expect, it } from 'vitest';
import { attemptBudget, deliverySchedule, DEFAULT_RETRY_SCHEDULE } from '../../src/delivery/index.js';

describe('webhook retry policy', () => {
  it('defaults to the Svix schedule: 8 attempts', () => {
    expect(attemptBudget(undefined, null)).toBe(8);
    expect(deliverySchedule(undefined, null, 8).delaysMs).toEqual(DEFAULT_RETRY_SCHEDULE.delaysMs);
  });

  it('takes the endpoint schedule, and the target’s over it, field by field', () => {
    const endpoint = { delaysMs: [1000, 2000, 3000], maxAttempts: 10 };
    expect(attemptBudget(undefined, endpoint)).toBe(10);
    expect(attemptBudget(undefined, { delaysMs: [1000, 2000] })).toBe(3);
    expect(attemptBudget({ schedule: ['5s'] }, endpoint)).toBe(10);
    expect(attemptBudget({ schedule: ['5s'] }, null)).toBe(2);
    expect(attemptBudget({ maxAttempts: 4 }, endpoint)).toBe(4);
    expect(deliverySchedule({ schedule: ['5s', '1m'] }, endpoint, 3).delaysMs).toEqual([5000, 60_000]);
    expect(deliverySchedule(undefined, endpoint, 4).delaysMs).toEqual([1000, 2000, 3000]);
  });

  it('cuts the schedule to the budget, or repeats its last wait (a manual retry adds one attempt)', () => {
    expect(deliverySchedule(undefined, { delaysMs: [1000, 2000, 3000] }, 2).delaysMs).toEqual([1000]);
    expect(deliverySchedule(undefined, { delaysMs: [1000, 2000] }, 5).delaysMs).toEqual([
      1000, 2000, 2000, 2000,
    ]);
    expect(deliverySchedule(undefined, null, 1).delaysMs).toEqual([]);
  });
});
