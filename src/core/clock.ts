// The clock port: everything time-dependent takes a Clock so tests can move time without sleeping.
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** The items (secrets, keys) that have not expired at `now`; no expiry (null or absent) never expires. */
export function unexpired<T extends { readonly expiresAt?: number | null }>(
  items: readonly T[],
  now: number,
): T[] {
  return items.filter((i) => i.expiresAt === null || i.expiresAt === undefined || i.expiresAt > now);
}

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private t: number = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.t;
  }
  set(t: number): void {
    this.t = t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
