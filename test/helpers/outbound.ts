// Fixtures for outbound-delivery behaviour tests: a signed ingest source to trigger rules, endpoint and rule
// creation through the API, and polling for actions, attempts and events.
import { createHmac } from 'node:crypto';
import { expect } from 'vitest';
import type { Clock, ManualClock } from '../../src/core/clock.js';
import { startReceiver, type Handler, type Receiver } from '../delivery/fixtures/receiver.js';
import { eventually, startTestApp, type ApiClient, type Backend, type TestApp } from './app.js';

export { startReceiver, type Receiver, type ReceivedRequest } from '../delivery/fixtures/receiver.js';

export type Send = (data: Record<string, unknown>) => Promise<string>;

export const BASE = '/api/orgs/default/eventhook';
const SOURCE_SECRET = 'outbound-test-secret';

/** What the tests talk to: the API client and the server's base URL (an in-process app or a child process). */
export interface Target {
  url: string;
  api: ApiClient;
}

/** Creates an hmac source `slug` and returns a function that sends it a signed webhook; resolves the event id. */
export async function ingestSource(t: Target, slug = 'app'): Promise<Send> {
  const created = await t.api.post(`${BASE}/sources`, {
    slug,
    verifier: { type: 'hmac', header: 'x-sig', algorithm: 'sha256', encoding: 'hex', secret: SOURCE_SECRET },
  });
  expect(created.status, created.text).toBe(201);
  return async (data) => {
    const body = JSON.stringify(data);
    const res = await fetch(`${t.url}${BASE}/in/${slug}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-sig': createHmac('sha256', SOURCE_SECRET).update(body).digest('hex'),
      },
      body,
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { eventId: string }).eventId;
  };
}

/**
 * What an outbound suite runs against: a receiver on loopback answering with `handler`, an app on `backend` allowed
 * to deliver to loopback (with more settings and a clock as given), and a signed source to trigger rules with.
 */
export async function startOutbound(
  backend: Backend,
  handler?: Handler,
  opts: { env?: Record<string, string>; clock?: Clock } = {},
): Promise<{ t: TestApp; receiver: Receiver; send: Send }> {
  const receiver = await startReceiver(handler);
  try {
    const t = await startTestApp(backend, {
      ...opts,
      env: { EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1', ...opts.env },
    });
    return { t, receiver, send: await ingestSource(t) };
  } catch (err) {
    await receiver.close();
    throw err;
  }
}

export async function stopOutbound(t: TestApp | undefined, receiver: Receiver | undefined): Promise<void> {
  await t?.close();
  await receiver?.close();
}

export async function createEndpoint(t: Target, body: Record<string, unknown>): Promise<any> {
  const res = await t.api.post(`${BASE}/endpoints`, body);
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/** The event's actions once `count` of them have settled (succeeded or dead). */
export async function settledActions(t: Target, eventId: string, count = 1): Promise<any[]> {
  const e = await eventually(
    async () => {
      const r = await t.api.get(`${BASE}/events/${eventId}`);
      const actions = r.body.actions as { status: string }[] | undefined;
      return actions?.length === count && actions.every((a) => ['succeeded', 'dead'].includes(a.status))
        ? r.body
        : undefined;
    },
    15_000,
    `${count} settled action(s) of ${eventId}`,
  );
  return e.actions;
}

/** A rule sending every event of `type` (or of any of several types) to the given targets, webhooks unless typed. */
export async function createRule(
  t: Target,
  name: string,
  type: string | string[],
  targets: Record<string, unknown>[],
): Promise<any> {
  const res = await t.api.post(`${BASE}/rules`, {
    name,
    pattern: { type: typeof type === 'string' ? [type] : type },
    targets: targets.map((x) => ({ type: 'webhook', ...x })),
  });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/** The event's first action once `pred` holds for it (polls). */
export async function waitForAction(
  t: Target,
  eventId: string,
  pred: (a: any) => boolean,
  timeoutMs = 10_000,
  what = 'action',
): Promise<any> {
  return eventually(
    async () => {
      const e = await t.api.get(`${BASE}/events/${eventId}`);
      const a = e.body?.actions?.[0];
      return a && pred(a) ? a : undefined;
    },
    timeoutMs,
    what,
  );
}

export async function getAction(t: Target, actionId: string): Promise<any> {
  const res = await t.api.get(`${BASE}/actions/${actionId}`);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

/** Stored events of one type from system:eventhook (delivery.dead, endpoint.disabled). */
export async function systemEvents(t: Target, type: string): Promise<any[]> {
  const res = await t.api.get(`${BASE}/events?type=${encodeURIComponent(type)}&limit=200`);
  expect(res.status, res.text).toBe(200);
  return (res.body.items as any[]).filter((e) => e.source === 'system:eventhook');
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Sends `n` events of `type` at once and waits until each one's action succeeded at its first attempt. */
export async function sendAllDelivered(
  t: Target,
  send: Send,
  type: string,
  n: number,
  timeoutMs = 10_000,
): Promise<void> {
  const ids = await Promise.all(Array.from({ length: n }, (_, i) => send({ type, i })));
  for (const id of ids)
    expect((await waitForAction(t, id, (a) => a.status === 'succeeded', timeoutMs)).attemptCount).toBe(1);
}

/**
 * A receiver handler that answers 200 after the delay set for the request's path (none by default) and keeps, per
 * path, how many requests are open at once at the most (`peak`) and when each arrived (`arrivedAt`).
 */
export function limitsObserver(): {
  handler: Handler;
  delays: Map<string, number>;
  peak: Map<string, number>;
  arrivedAt: Map<string, number[]>;
} {
  const delays = new Map<string, number>();
  const active = new Map<string, number>();
  const peak = new Map<string, number>();
  const arrivedAt = new Map<string, number[]>();
  const handler: Handler = (req, res) => {
    const now = (active.get(req.path) ?? 0) + 1;
    active.set(req.path, now);
    peak.set(req.path, Math.max(peak.get(req.path) ?? 0, now));
    arrivedAt.set(req.path, [...(arrivedAt.get(req.path) ?? []), Date.now()]);
    setTimeout(
      () => {
        active.set(req.path, (active.get(req.path) ?? 1) - 1);
        res.writeHead(200).end();
      },
      delays.get(req.path) ?? 0,
    );
  };
  return { handler, delays, peak, arrivedAt };
}

/**
 * Drives an injected clock until `total` actions have ended (succeeded or dead): each step lets real time pass for
 * the worker (`settle`), then moves the clock to the next due attempt, or a second on when none is due later.
 * Resolves whether they all ended within `maxSteps`.
 */
export async function driveClockUntilEnded(
  t: TestApp,
  clock: ManualClock,
  total: number,
  settle: () => Promise<void>,
  maxSteps: number,
): Promise<boolean> {
  for (let step = 0; step < maxSteps; step++) {
    await settle();
    const counts = await t.app.store.actions.countByStatus('default', {});
    if (counts.succeeded + counts.dead === total) return true;
    const due = await t.app.store.actions.nextDueAt();
    clock.advance(due !== null && due > clock.now() ? due - clock.now() : 1000);
  }
  return false;
}
