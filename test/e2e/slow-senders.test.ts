// A client that sends a byte now and then (slowloris) must not hold a connection for ever: a request not received in
// full within EVENTHOOK_REQUEST_TIMEOUT gets 408 and its connection is closed, and nothing of it is stored. Live
// streams, whose requests are whole at once, stay open. Node's other refusals answer problem+json too.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { capturedLogger } from '../helpers/logs.js';
import {
  BASE,
  createSource,
  deliver,
  eventCount,
  githubPushHeaders,
  metricValue,
} from '../helpers/ingest.js';
import { readFrames } from '../helpers/sse.js';

const SECRET = 'slow-secret';
const TIMEOUT_MS = 1_000;

interface Exchange {
  /** Everything the server sent, as text. */
  text: string;
  /** When the server closed the connection, in ms after it opened (undefined: still open at `waitMs`). */
  closedAfter?: number;
}

/** Opens a raw connection, lets `talk` write to it, and collects what comes back until it closes or `waitMs`. */
function exchange(t: TestApp, talk: (socket: Socket) => void, waitMs: number): Promise<Exchange> {
  const { hostname, port } = new URL(t.url);
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname, () => talk(socket));
    let text = '';
    socket.on('data', (d) => (text += d.toString()));
    socket.on('error', () => {});
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text });
    }, waitMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedAfter: Date.now() - started });
    });
  });
}

/** The problem+json body of a raw HTTP answer. */
const problemIn = (text: string) => JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { code: string };

describe('slow senders (EVENTHOOK_REQUEST_TIMEOUT=1s, SQLite)', () => {
  let t: TestApp;
  const log = capturedLogger();

  beforeAll(async () => {
    t = await startTestApp('sqlite', { env: { EVENTHOOK_REQUEST_TIMEOUT: '1s' }, logger: log.logger });
    await createSource(t, { slug: 'gh', provider: 'github', secret: SECRET });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('cuts off a webhook whose body trickles in, stores nothing of it, and goes on taking webhooks', async () => {
    const body = JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: 'acme/app' } });
    const headers = await githubPushHeaders(SECRET, body, 'slow-1');
    let timer: NodeJS.Timeout | undefined;
    const slow = await exchange(
      t,
      (socket) => {
        socket.write(
          `POST ${BASE}/in/gh HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n` +
            Object.entries(headers)
              .map(([k, v]) => `${k}: ${v}\r\n`)
              .join('') +
            '\r\n',
        );
        let sent = 0;
        // A byte every 100 ms: the whole body would take over 5 s.
        timer = setInterval(() => sent < body.length && socket.writable && socket.write(body[sent++]!), 100);
      },
      8_000,
    );
    clearInterval(timer);
    expect(slow.closedAfter, 'the connection is closed').toBeDefined();
    expect(slow.closedAfter!).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(slow.closedAfter!).toBeLessThan(body.length * 100);
    expect(slow.text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(slow.text).toContain('Content-Type: application/problem+json');
    expect(problemIn(slow.text).code).toBe('EH_REQUEST_TIMEOUT');
    expect(log.lines.some((l) => l.code === 'EH_REQUEST_TIMEOUT')).toBe(true);
    expect(log.lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
    expect(await eventCount(t)).toBe(0);

    // The same webhook sent at once is taken.
    const sent = await deliver(t, 'gh', { headers, body });
    expect(sent.status, sent.text).toBe(200);
    expect(await eventCount(t)).toBe(1);
  });

  it('cuts off a client that never ends its headers, and one that sends no request at all', async () => {
    const [partial, silent] = await Promise.all([
      exchange(t, (socket) => socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\n`), 8_000),
      exchange(t, () => {}, 8_000),
    ]);
    for (const ex of [partial, silent]) {
      expect(ex.closedAfter).toBeDefined();
      expect(ex.text).toMatch(/^HTTP\/1\.1 408 /);
      expect(problemIn(ex.text).code).toBe('EH_REQUEST_TIMEOUT');
    }
  });

  it('keeps a live stream open past the timeout: its request was whole at once', async () => {
    const stream = await fetch(`${t.url}${BASE}/stream`, {
      headers: { authorization: `Bearer ${t.api.token}` },
    });
    expect(stream.status).toBe(200);
    await new Promise((r) => setTimeout(r, 2.5 * TIMEOUT_MS));
    const body = JSON.stringify({ ref: 'refs/heads/late' });
    const sent = await deliver(t, 'gh', { headers: await githubPushHeaders(SECRET, body, 'late-1'), body });
    expect(sent.status, sent.text).toBe(200);
    const [frame] = await readFrames(stream, 'event', 1);
    expect(frame?.data).toMatchObject({ type: 'push', data: { ref: 'refs/heads/late' } });
  });

  it('answers headers past the limit and bytes that are not HTTP as problems', async () => {
    const [huge, garbage] = await Promise.all([
      exchange(
        t,
        (socket) => socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
        5_000,
      ),
      exchange(t, (socket) => socket.write('HELLO THERE\r\n\r\n'), 5_000),
    ]);
    expect(huge.text).toMatch(/^HTTP\/1\.1 431 /);
    expect(problemIn(huge.text).code).toBe('EH_REQUEST_HEADERS_TOO_LARGE');
    expect(garbage.text).toMatch(/^HTTP\/1\.1 400 /);
    expect(problemIn(garbage.text).code).toBe('EH_HTTP_MALFORMED');
  });

  it('counts every refusal by its reason', async () => {
    const refused = (reason: string) => metricValue(t, 'eventhook_http_requests_refused_total', { reason });
    // The trickling webhook, the unfinished headers and the silent connection; the two above.
    expect(await refused('timeout')).toBe(3);
    expect(await refused('headers_too_large')).toBe(1);
    expect(await refused('malformed')).toBe(1);
  });
});

describe('EVENTHOOK_REQUEST_TIMEOUT=0 (a proxy in front bounds requests)', () => {
  it('takes a body however slowly it comes, and refuses a timeout under a second', async () => {
    expect(() => loadConfig({ EVENTHOOK_REQUEST_TIMEOUT: '500ms' })).toThrow(
      'Invalid configuration: EVENTHOOK_REQUEST_TIMEOUT must be from 1s to 10m (or 0, off), got "500ms"',
    );
    const t = await startTestApp('sqlite', { env: { EVENTHOOK_REQUEST_TIMEOUT: '0' } });
    try {
      await createSource(t, { slug: 'gh', provider: 'github', secret: SECRET });
      const body = JSON.stringify({ ref: 'refs/heads/patient' });
      const headers = await githubPushHeaders(SECRET, body, 'patient-1');
      let timer: NodeJS.Timeout | undefined;
      const head =
        `POST ${BASE}/in/gh HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: ${body.length}\r\n` +
        Object.entries(headers)
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('') +
        '\r\n';
      const slow = await exchange(
        t,
        (socket) => {
          socket.write(head);
          // The body in two halves, 2.5 s apart: past the shortest timeout there is.
          socket.write(body.slice(0, 10));
          timer = setTimeout(() => socket.write(body.slice(10)), 2_500);
        },
        8_000,
      );
      clearTimeout(timer);
      expect(slow.text).toMatch(/^HTTP\/1\.1 200 /);
      expect(await eventCount(t)).toBe(1);
    } finally {
      await t.close();
    }
  });
});
