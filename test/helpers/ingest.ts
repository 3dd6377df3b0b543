// Fixtures for ingest behaviour tests: create a source through the API, deliver a webhook over real HTTP, and read
// back what the store kept (the API does not expose every stored column, e.g. the idempotency key).
import { createHash } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';
import type { EventId } from '../../src/core/ids.js';
import type { EventRecord } from '../../src/store/records.js';
import { expect } from 'vitest';
import type { TestApp } from './app.js';

export const ORG = 'default';
export const BASE = `/api/orgs/${ORG}/eventhook`;

/** The headers of a GitHub push delivery of `body`, signed by GitHub's own library (@octokit/webhooks-methods). */
export async function githubPushHeaders(
  secret: string,
  body: string,
  delivery: string,
): Promise<Record<string, string>> {
  return {
    'content-type': 'application/json',
    'x-github-event': 'push',
    'x-github-delivery': delivery,
    'x-hub-signature-256': await sign(secret, body),
  };
}

/** Creates a source through the API; throws with the problem text when the API refuses it. */
export async function createSource(t: TestApp, input: Record<string, unknown>): Promise<any> {
  const res = await t.api.post(`${BASE}/sources`, input);
  if (res.status !== 201) throw new Error(`creating source ${String(input.slug)}: ${res.status} ${res.text}`);
  return res.body;
}

export interface Delivery {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Appended to the ingest path: a query string (`?a=1`) or a sub path (`/x`). */
  suffix?: string;
}

export interface Delivered {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when it is JSON. */
  json: any;
}

/** The ingest URL of a source on the test server. */
export function ingestUrlOf(t: TestApp, slug: string): string {
  return `${t.url}${BASE}/in/${slug}`;
}

/** Sends one webhook to a source, as a provider would: no API key, the given headers and raw body. */
export async function deliver(t: TestApp, slug: string, d: Delivery = {}): Promise<Delivered> {
  const res = await fetch(`${ingestUrlOf(t, slug)}${d.suffix ?? ''}`, {
    method: d.method ?? 'POST',
    headers: d.headers ?? {},
    body: d.body,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** The stored event, with every column (idempotency key, raw body). */
export async function storedEvent(
  t: TestApp,
  id: string,
): Promise<EventRecord & { rawBody?: Buffer | null }> {
  const event = await t.app.store.events.get(ORG, id as EventId);
  if (!event) throw new Error(`event ${id} is not stored`);
  const raw = await t.app.store.events.getRaw(ORG, id as EventId);
  return { ...event, rawBody: raw?.body ?? null };
}

/** How many events the org holds (any status). */
export async function eventCount(t: TestApp): Promise<number> {
  return t.app.store.events.count(ORG, {});
}

/** The same bytes with one character in the middle changed: same length, different content. */
/** The `raw.sha256` idempotency key of a body: the key of providers whose retries resend the same bytes. */
export function bodyDigest(body: string | Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

export function tampered(body: string): string {
  const i = Math.floor(body.length / 2);
  const c = body[i] === '1' ? '2' : '1';
  return body.slice(0, i) + c + body.slice(i + 1);
}

/** The Prometheus sample value of a metric line, or 0 when the series is absent. */
export async function metricValue(t: TestApp, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (
    await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.api.token}` } })
  ).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    // A series without labels: `name value`.
    if (want.length === 0 && line.startsWith(`${name} `)) return Number(line.slice(name.length + 1).trim());
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.indexOf('}'));
    const parts = inside.split(',');
    if (want.every((w) => parts.includes(w))) return Number(line.slice(line.indexOf('}') + 1).trim());
  }
  return 0;
}

export interface Expected {
  type: string;
  subject: string | null;
  key: string | null;
}

export type AcceptArgs = [slug: string, good: Delivery, expected: Expected, bad: Record<string, Delivery>];

/**
 * Delivers `good`: 200, stored byte-identical with the expected type, subject and idempotency key, and a resend
 * is answered as a duplicate of it (when there is a key). Then each of `bad`: 401 with the generic problem, and
 * nothing more is stored. Returns the event id.
 */
export async function expectAcceptedThenRefused(
  t: TestApp,
  ...[slug, good, expected, bad]: AcceptArgs
): Promise<string> {
  const res = await deliver(t, slug, good);
  expect(res.status, `${slug}: ${res.text}`).toBeGreaterThanOrEqual(200);
  expect(res.status, `${slug}: ${res.text}`).toBeLessThan(300);
  // The event id is always a header; the default answer (no provider-specific one) also has it in the body.
  const eventId = res.headers.get('eventhook-event-id') ?? '';
  expect(eventId).toMatch(/^evt_/);
  if (res.json?.eventId !== undefined) expect(res.json).toEqual({ eventId, duplicate: false });
  const event = await storedEvent(t, eventId);
  expect(event).toMatchObject({
    source: `webhook:${slug}`,
    type: expected.type,
    subject: expected.subject,
    idempotencyKey: expected.key,
    status: expect.stringMatching(/^(pending|unrouted)$/),
  });
  expect(event.rawBody?.equals(Buffer.from(good.body ?? '')), `${slug}: raw bytes kept`).toBe(true);
  if (expected.key !== null) {
    const again = await deliver(t, slug, good);
    expect(again.headers.get('eventhook-event-id'), `${slug} redelivery`).toBe(eventId);
    if (res.json?.eventId !== undefined) expect(again.json).toEqual({ eventId, duplicate: true });
  }
  const before = await eventCount(t);
  for (const [what, d] of Object.entries(bad)) {
    const refused = await deliver(t, slug, d);
    expect(refused.status, `${slug}: ${what}`).toBe(401);
    expect(refused.json).toMatchObject({
      code: 'EH_INGEST_UNAUTHORIZED',
      detail: 'Webhook verification failed',
    });
  }
  expect(await eventCount(t), `${slug}: refused requests store nothing`).toBe(before);
  return eventId;
}
