// How a request ends when its body is refused unread (over the limit, or answered before it was read, SPEC §4.2):
// the sender must read the answer rather than a connection reset, and an endless upload must not hold the server.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How long after the answer, and how many more bytes, a closing connection reads and discards (nginx lingers too). */
export const LINGER_MS = 3_000;
export const LINGER_BYTES = 4 * 1024 * 1024;

/** Bodies Node may drain after an early answer, keeping the connection; anything larger or open-ended closes it. */
const DRAINABLE_BYTES = 64 * 1024;

/** Requests whose body was refused: reading what is left of it must not invite the upload with 100 Continue. */
const refused = new WeakSet<IncomingMessage>();

/**
 * Sends `100 Continue` only once something starts reading the body. Node's default invites every upload before any
 * check; this way a request refused unread (a declared Content-Length over the limit, an unknown source, a failed
 * auth) gets its answer without the client ever sending the body. The source's own limit is known only after its
 * lookup, so deciding here, before routing, could only have used the global maximum.
 */
export function continueOnRead(server: Server): void {
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    req.once('resume', () => {
      // Node resumes a body nobody read once the answer is out: too late to invite it.
      if (!res.headersSent && !refused.has(req)) res.writeContinue();
    });
    server.emit('request', req, res);
  });
}

/**
 * Called when a request is refused (on the error path only): true when the answer must close the connection because
 * the body is left unread — the caller then adds `Connection: close` — and the close is made to linger. `closing`
 * says the answer closes the connection already (Fastify does so on a body it could not parse).
 */
export function lingerIfUnread(req: IncomingMessage, closing: boolean): boolean {
  if (req.readableEnded) return false;
  // Answered before its body was invited, an Expect request may or may not send it now: Node closes the connection.
  const expect = req.headers.expect;
  const expectsContinue = expect !== undefined && /100-continue/i.test(expect);
  if (!closing && !expectsContinue && !largeOrOpenEnded(req)) return false;
  lingerOnClose(req);
  return true;
}

function largeOrOpenEnded(req: IncomingMessage): boolean {
  return (
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > DRAINABLE_BYTES
  );
}

/**
 * Node ends a `Connection: close` answer with socket.destroySoon(), which closes the socket as soon as the answer is
 * written. An upload still arriving then makes the kernel reset the connection: the sender's upload fails, and the
 * reset may discard the answer before it is read. Instead, as nginx does: half-close after the answer, keep reading
 * and discarding (never buffering) what the sender goes on sending, and close once the request has ended, or after
 * LINGER_MS or LINGER_BYTES, whichever comes first.
 */
function lingerOnClose(req: IncomingMessage): void {
  refused.add(req);
  const socket = req.socket;
  let discarded = 0;
  let answered = false;
  let exhausted = false;
  // Discarding starts at once: a body nobody reads would otherwise be drained by Node without any bound.
  req.removeAllListeners('data');
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded <= LINGER_BYTES) return;
    exhausted = true;
    req.pause();
    if (answered) socket.destroy();
  });
  req.resume();
  socket.destroySoon = () => {
    answered = true;
    if (req.readableEnded) return closeWhenWritten(socket);
    if (exhausted) return void socket.destroy();
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    socket.once('close', () => clearTimeout(timer));
    req.once('end', () => closeWhenWritten(socket));
  };
}

/** What Node's own destroySoon does: end, and close once everything written has been handed to the kernel. */
function closeWhenWritten(socket: Socket): void {
  socket.end();
  if (socket.writableFinished) socket.destroy();
  else socket.once('finish', () => socket.destroy());
}
