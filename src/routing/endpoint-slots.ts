// Spreads the action worker's slots over endpoints: each endpoint may have at most its cap of actions running in
// this worker, so one slow endpoint cannot hold every slot while deliveries to others wait. Due actions over an
// endpoint's cap are left unclaimed — costing nothing — until one of its slots frees.
import type { ActionId } from '../core/ids.js';
import { laneKey, type ClaimCandidate, type Lane } from '../store/port.js';
import type { ActionRecord } from '../store/records.js';

export type EndpointCap = (org: string, endpoint: string) => number;

const keyOf = (org: string, endpoint: string) => laneKey({ org, endpoint });

export class EndpointSlots {
  private readonly running = new Map<string, { org: string; endpoint: string; n: number }>();

  constructor(private readonly capOf: EndpointCap) {}

  /** Endpoints with every slot in use: not worth claiming for. */
  saturated(): Array<{ org: string; endpoint: string }> {
    const out: Array<{ org: string; endpoint: string }> = [];
    for (const r of this.running.values())
      if (r.n >= this.capOf(r.org, r.endpoint)) out.push({ org: r.org, endpoint: r.endpoint });
    return out;
  }

  /** Endpoints with deliveries running here and a slot free: their next due work can be taken at once. */
  open(): Lane[] {
    const out: Lane[] = [];
    for (const r of this.running.values())
      if (r.n < this.capOf(r.org, r.endpoint)) out.push({ org: r.org, endpoint: r.endpoint });
    return out;
  }

  /** Up to `room` candidates, oldest due first, none taking an endpoint over its cap. */
  pick(candidates: readonly ClaimCandidate[], room: number): ActionId[] {
    const taken = new Map<string, number>();
    const out: ActionId[] = [];
    for (const c of candidates) {
      if (out.length === room) break;
      if (c.endpoint === null) {
        out.push(c.id);
        continue;
      }
      const key = keyOf(c.org, c.endpoint);
      const used = (this.running.get(key)?.n ?? 0) + (taken.get(key) ?? 0);
      if (used >= this.capOf(c.org, c.endpoint)) continue;
      taken.set(key, (taken.get(key) ?? 0) + 1);
      out.push(c.id);
    }
    return out;
  }

  started(action: ActionRecord): void {
    if (action.endpoint === null) return;
    const key = keyOf(action.org, action.endpoint);
    const r = this.running.get(key) ?? { org: action.org, endpoint: action.endpoint, n: 0 };
    r.n++;
    this.running.set(key, r);
  }

  finished(action: ActionRecord): void {
    if (action.endpoint === null) return;
    const key = keyOf(action.org, action.endpoint);
    const r = this.running.get(key);
    if (!r) return;
    if (--r.n <= 0) this.running.delete(key);
  }
}
