// An app whose engine executions are claimed by a worker that keeps dying (it never heartbeats), for the lease-expiry
// tests of workflows and tasks: a rule starts one of `kind` on every `order.placed`, another turns each of its
// `retrying` and `failed` lifecycle events into a `page-oncall` task, and the test moves the clock past the leases.
import { ManualClock } from '../../src/core/clock.js';
import { eventually, startTestApp, type ApiResponse, type Backend, type TestApp } from './app.js';

const BASE = '/api/orgs/default/eventhook';

export interface DyingWorkerApp {
  t: TestApp;
  clock: ManualClock;
  /** Worker `doomed` claims a `kind` execution with a lease of 1 s. */
  claim(): Promise<ApiResponse<any>>;
  /** The execution once it is in `status` (the lease sweep runs on its own timer: it is polled for). */
  once(id: string, status: string): Promise<any>;
  /** The lifecycle events the watch rule made `page-oncall` tasks of, once there are `count`, in id order. */
  pages(count: number): Promise<any[]>;
}

export async function startDyingWorkerApp(
  backend: Backend,
  what: 'workflow' | 'task',
  target: { kind: string; maxRetries?: number },
): Promise<DyingWorkerApp> {
  const clock = new ManualClock(Date.now());
  const t = await startTestApp(backend, { clock });
  const start = await t.api.post(`${BASE}/rules`, {
    name: `order-to-${what}`,
    pattern: { type: ['order.placed'] },
    targets: [{ type: what, ...target }],
  });
  if (start.status !== 201) throw new Error(`rule: ${start.text}`);
  const watch = await t.api.post(`${BASE}/rules`, {
    name: `watch-${target.kind}`,
    pattern: {
      source: [`system:${what}s`],
      type: [`${what}.retrying`, `${what}.failed`],
      data: { kind: [target.kind] },
    },
    targets: [{ type: 'task', kind: 'page-oncall' }],
  });
  if (watch.status !== 201) throw new Error(`rule: ${watch.text}`);
  return {
    t,
    clock,
    claim: () =>
      t.api.post(`${BASE}/engine/${what}s/claim`, {
        workerId: 'doomed',
        kinds: [target.kind],
        leaseMs: 1000,
      }),
    once: (id, status) =>
      eventually(
        async () => {
          const r = await t.api.get(`${BASE}/engine/${what}s/${id}`);
          return r.body.status === status ? r.body : undefined;
        },
        10_000,
        `${what} ${id} ${status}`,
      ),
    pages: (count) =>
      eventually(async () => {
        const items = (await t.api.get(`${BASE}/engine/tasks?kind=page-oncall`)).body.items as {
          input: any;
        }[];
        if (items.length !== count) return undefined;
        return items.map((x) => x.input).sort((a, b) => (a.id < b.id ? -1 : 1));
      }),
  };
}
