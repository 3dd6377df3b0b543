// An undici dispatch handler that collects one response up to a byte cap, within a deadline, into a SendResult.
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { describeError } from './send-errors.js';
import type { SendError, SendResult } from './send-result.js';

/** How much of a body beyond the cap is read and dropped to keep the connection reusable before closing it. */
const DRAIN_LIMIT = 256 * 1024;

class CapReached extends Error {}

/**
 * Collects a response without building a stream (cheaper than `request()`), and owns the deadline: on timeout
 * it settles at once, even while undici is still connecting, and aborts the request as soon as it can. It
 * settles exactly once; later callbacks are ignored.
 */
export class ResponseCollector implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private settled = false;
  private status: number | undefined;
  private headers: Record<string, string> = {};
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private seen = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly started = performance.now();

  constructor(
    private readonly cap: number,
    timeoutMs: number,
    private readonly requestHeaders: Record<string, string>,
    private readonly resolve: (result: SendResult) => void,
  ) {
    this.timer = setTimeout(() => this.timeOut(timeoutMs), timeoutMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.settled) controller.abort(new Error('the delivery already timed out'));
  }

  onResponseStart(
    _c: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200) return; // 1xx informational; the real answer follows
    this.status = statusCode;
    this.headers = flattenHeaders(headers);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.seen += chunk.length;
    if (this.kept < this.cap) {
      const part = chunk.length <= this.cap - this.kept ? chunk : chunk.subarray(0, this.cap - this.kept);
      this.chunks.push(part);
      this.kept += part.length;
    }
    if (this.seen > this.cap + DRAIN_LIMIT) controller.abort(new CapReached());
  }

  onResponseEnd(): void {
    this.finish();
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    if (err instanceof CapReached) this.finish();
    else this.finish(describeError(err));
  }

  /** For errors raised before the request reached undici's queue. */
  fail(err: unknown): void {
    this.finish(describeError(err));
  }

  private timeOut(timeoutMs: number): void {
    if (this.settled) return;
    this.finish({ kind: 'timeout', message: `no complete answer within ${timeoutMs} ms` });
    this.controller?.abort(new Error('timed out'));
  }

  private finish(error?: SendError): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    const result: SendResult = {
      requestHeaders: this.requestHeaders,
      headers: this.headers,
      // Kept as text for the attempt log; NUL becomes U+FFFD, as PostgreSQL text cannot hold it (a binary body
      // from a receiver must not make its attempt unrecordable).
      body:
        this.chunks.length === 0 ? '' : Buffer.concat(this.chunks).toString('utf8').replace(/\0/g, '\uFFFD'),
      bodyTruncated: this.seen > this.kept,
      latencyMs: Math.round((performance.now() - this.started) * 100) / 100,
    };
    if (this.status !== undefined) result.status = this.status;
    if (error !== undefined) result.error = error;
    this.resolve(result);
  }
}

export function flattenHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
