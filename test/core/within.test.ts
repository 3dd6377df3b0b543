// within: a wait bounded in time settles as the work does, or at the bound with what the caller chose (a value to go
// on with, or an error), and the work itself is not cancelled.
import { describe, expect, it } from 'vitest';
import { within } from '../../src/core/within.js';

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('within', () => {
  it('settles as the promise does when it is in time, value or error', async () => {
    expect(await within(after(5, 'done'), 1000, () => 'late')).toBe('done');
    await expect(within(Promise.reject(new Error('broke')), 1000, () => 'late')).rejects.toThrow('broke');
  });

  it('at the bound, gives what late() returns, or rejects with what it throws', async () => {
    const work = after(200, 'done');
    expect(await within(work, 10, () => 'late')).toBe('late');
    await expect(
      within(work, 10, () => {
        throw new Error('the store did not answer within 10 ms');
      }),
    ).rejects.toThrow('the store did not answer within 10 ms');
    // The work went on.
    expect(await work).toBe('done');
  });

  it('calls late() only when the bound is reached', async () => {
    let calls = 0;
    await within(after(5, 'done'), 50, () => (calls++, 'late'));
    await after(80, undefined);
    expect(calls).toBe(0);
  });
});
