// `eventhook apply` plans from what the server has, then changes it. A colleague's change that lands in between
// (through the console, say) must not be overwritten unseen: apply sends the version it planned from (If-Match), and
// stops with a clear message when the server refuses it. A proxy in front of the real server makes that colleague's
// change at the exact moment apply's first change arrives.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';
import { runCli, serverEnv, tempDir } from './helpers.js';

const API = '/api/orgs/default/eventhook';

const file = (type: string) => `rules:
  - name: orders
    pattern: { type: ["${type}"] }
    targets: [{ type: task, kind: ship }]
`;

/** Forwards every request to `target`; before forwarding the first whose method is `method`, runs `meanwhile`. */
async function interceptingProxy(
  target: string,
  method: string,
  meanwhile: () => Promise<void>,
): Promise<{ url: string; seen: string[]; server: Server }> {
  const seen: string[] = [];
  let done = false;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      seen.push(`${req.method} ${req.headers['if-match'] ?? '-'}`);
      if (req.method === method && !done) {
        done = true;
        await meanwhile();
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k)),
      ) as Record<string, string>;
      const answer = await fetch(target + req.url, {
        method: req.method,
        headers,
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
      });
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

describe('eventhook apply and a change made meanwhile', { timeout: 120_000 }, () => {
  let t: TestApp;
  const files = tempDir();
  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(() => t?.close());

  const rule = async () => (await t.api.get(`${API}/rules/orders`)).body;

  it('stops instead of overwriting a rule someone changed after apply read it; applying again then works', async () => {
    const path = files.write('eventhook.yaml', file('order.created'));
    const first = await runCli(['apply', '-f', path], serverEnv(t));
    expect(first.code, first.stderr).toBe(0);
    const before = await rule();

    files.write('eventhook.yaml', file('order.paid'));
    const proxy = await interceptingProxy(t.url, 'PATCH', async () => {
      const theirs = await t.api.patch(`${API}/rules/orders`, {
        enabled: false,
        description: 'paused by Ann',
      });
      expect(theirs.status).toBe(200);
    });
    try {
      const run = await runCli(['apply', '-f', path], {
        EVENTHOOK_URL: proxy.url,
        EVENTHOOK_KEY: OPERATOR_TOKEN,
      });
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain(
        'update failed: it was changed on the server after this apply read it, and is left as changed [EH_VERSION_MISMATCH]',
      );
      expect(run.stderr).toContain('Run apply again: it plans from what the server has now.');
      // The PATCH named the version apply had read.
      expect(proxy.seen).toContain(`PATCH "${Date.parse(before.updatedAt)}"`);
    } finally {
      proxy.server.close();
    }
    expect(await rule()).toMatchObject({
      enabled: false,
      description: 'paused by Ann',
      pattern: { type: ['order.created'] },
    });

    const again = await runCli(['apply', '-f', path], serverEnv(t));
    expect(again.code, again.stderr).toBe(0);
    expect((await rule()).pattern).toEqual({ type: ['order.paid'] });
  });

  it('does not prune an object someone changed after apply read it', async () => {
    const path = files.write('eventhook.yaml', 'rules: []\n');
    const proxy = await interceptingProxy(t.url, 'DELETE', async () => {
      expect((await t.api.patch(`${API}/rules/orders`, { description: 'still needed' })).status).toBe(200);
    });
    try {
      const run = await runCli(['apply', '-f', path, '--prune'], {
        EVENTHOOK_URL: proxy.url,
        EVENTHOOK_KEY: OPERATOR_TOKEN,
      });
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('[EH_VERSION_MISMATCH]');
    } finally {
      proxy.server.close();
    }
    expect(await rule()).toMatchObject({ description: 'still needed', deletedAt: null });
  });
});
