// A request that comes on a connection already open while the server shuts down (a keep-alive client, a pipelined
// request) is refused as every other error is: 503 problem+json with Retry-After, so the sender tries again shortly
// (elsewhere); it was Fastify's own `{"error":"Service Unavailable"}` without either.
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startCli, startedUrl, tempDir } from '../cli/helpers.js';
import { eventually } from '../helpers/app.js';

describe('a request during shutdown', { timeout: 120_000 }, () => {
  it('gets 503 problem+json with Retry-After and the connection closed', async () => {
    const files = tempDir();
    const server = startCli(['serve'], {
      PORT: '0',
      EVENTHOOK_HOST: '127.0.0.1',
      EVENTHOOK_DATA_DIR: `${files.dir}/data`,
      EVENTHOOK_ADMIN_TOKEN: 'eho_shutdown-closing',
      EVENTHOOK_LOG_LEVEL: 'info',
    });
    const url = await startedUrl(server);
    const { port } = new URL(url);
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (c: Buffer) => (received += c.toString()));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // A request the server is still reading when the stop comes: it holds the connection open.
    const body = JSON.stringify({ type: 'order.placed', source: 'checkout', data: {} });
    socket.write(
      `POST /api/orgs/default/eventhook/events HTTP/1.1\r\nhost: 127.0.0.1\r\n` +
        `authorization: Bearer eho_shutdown-closing\r\ncontent-type: application/json\r\n` +
        `content-length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    server.child.kill('SIGTERM');
    await eventually(
      async () => server.output().stdout.includes('"msg":"shutting down"'),
      10_000,
      'the server to begin its shutdown',
    );
    // The rest of that request, and another behind it on the same connection.
    socket.write(`${body.slice(10)}GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`);
    await closed;
    const responses = received.split(/(?=HTTP\/1\.1 )/);
    expect(responses[0]).toMatch(/^HTTP\/1\.1 20[01] /);
    expect(responses).toHaveLength(2);
    const [head, text] = responses[1]!.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(head!.toLowerCase()).toContain('content-type: application/problem+json');
    expect(head!.toLowerCase()).toContain('retry-after: 5');
    expect(head!.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(text!)).toMatchObject({
      status: 503,
      code: 'EH_NOT_READY',
      detail: 'Eventhook is not ready: it is shutting down; send the request again',
    });
    expect((await server.result).code).toBe(0);
  });
});
