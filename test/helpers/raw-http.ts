// A raw HTTP/1.1 client over node:net for tests that must control exactly what goes on the wire (Expect, chunked
// framing, a body sent while the answer is already on its way) and see exactly what comes back, 100 Continue included.
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawExchange {
  /** Every response read in full, in order (a 100 Continue is one). */
  responses: RawResponse[];
  /** Bytes the client handed to its socket. */
  written: number;
  /** The socket error that ended the exchange (ECONNRESET, EPIPE), if any. */
  error?: string;
  /** Milliseconds from the first complete final response to the socket's close. */
  closedAfterMs?: number;
}

/** How the client writes: `send` gets the socket and a way to know the server has hung up. */
export type Sender = (socket: Socket, exchange: RawExchange) => Promise<void> | void;

/**
 * Connects to `url`'s host, writes `head` (request line and headers, without the blank line), then lets `send`
 * write the body while everything received is parsed. Resolves when the socket closes (the client ends its side
 * once the server has ended its own and `send` is done), or once `untilResponses` complete responses have arrived
 * (the client then closes first).
 */
export function rawExchange(
  url: string,
  head: string,
  send: Sender = () => undefined,
  untilResponses = Infinity,
): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const exchange: RawExchange = { responses: [], written: 0 };
    let received = Buffer.alloc(0);
    let finalAt: number | undefined;
    // Half-open: like a sender that does not look at the answer, it goes on writing after the server's FIN.
    const socket = connect({ host: hostname, port: Number(port), allowHalfOpen: true });
    let sent: Promise<void> = Promise.resolve();
    socket.on('end', () => void sent.then(() => socket.end()));
    socket.on('error', (err: NodeJS.ErrnoException) => (exchange.error ??= err.code ?? err.message));
    socket.on('close', () => {
      if (finalAt !== undefined) exchange.closedAfterMs = Date.now() - finalAt;
      resolve(exchange);
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      for (let next = parseResponse(received); next; next = parseResponse(received)) {
        exchange.responses.push(next.response);
        received = received.subarray(next.length);
        if (next.response.status >= 200) finalAt ??= Date.now();
      }
      if (exchange.responses.length >= untilResponses) socket.destroy();
    });
    socket.on('connect', () => {
      socket.write(`${head}\r\n\r\n`);
      sent = Promise.resolve(send(socket, exchange)).catch(() => undefined);
    });
  });
}

/** The request head of a POST with the given headers (Host is added). */
export function postHead(url: string, headers: Record<string, string | number>): string {
  const u = new URL(url);
  const lines = Object.entries({ host: u.host, ...headers }).map(([k, v]) => `${k}: ${v}`);
  return [`POST ${u.pathname}${u.search} HTTP/1.1`, ...lines].join('\r\n');
}

/** Writes `data` as fast as the socket takes it; stops quietly when the server hangs up. */
export async function writeAll(socket: Socket, exchange: RawExchange, data: Buffer): Promise<void> {
  if (socket.destroyed) return;
  exchange.written += data.length;
  if (!socket.write(data)) await drained(socket);
}

/**
 * Writes `data` in 64 KiB pieces a few milliseconds apart, as a sender behind a real network does: the upload is
 * still going on when the server answers (written at once on loopback, it would all sit in the kernel's buffers).
 */
export function paced(data: Buffer, pauseMs = 5, piece = 64 * 1024): Sender {
  return async (socket, exchange) => {
    for (let at = 0; at < data.length && !socket.destroyed; at += piece) {
      await writeAll(socket, exchange, data.subarray(at, at + piece));
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  };
}

/** Streams `total` bytes of filler in chunked framing as fast as the socket takes them (64 KiB chunks). */
export function chunkedFiller(total: number, pauseMs = 0, chunkSize = 64 * 1024): Sender {
  const data = Buffer.alloc(chunkSize, 0x61);
  const frame = Buffer.concat([Buffer.from(`${chunkSize.toString(16)}\r\n`), data, Buffer.from('\r\n')]);
  return async (socket, exchange) => {
    for (let sent = 0; sent < total && !socket.destroyed; sent += chunkSize) {
      await writeAll(socket, exchange, frame);
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
    }
    if (!socket.destroyed) socket.write('0\r\n\r\n');
  };
}

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

/** One complete response at the start of `buf` (Content-Length framed, or none for 1xx), or undefined. */
function parseResponse(buf: Buffer): { response: RawResponse; length: number } | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(statusLine.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const size = status < 200 ? 0 : Number(headers['content-length'] ?? 0);
  if (buf.length < end + 4 + size) return undefined;
  const body = buf.subarray(end + 4, end + 4 + size).toString('utf8');
  return { response: { status, headers, body }, length: end + 4 + size };
}
