// Maps whatever undici, net, tls or dns raised to the error kinds the retry policy and the attempt log read.
import { isEventhookError } from '../core/index.js';
import type { SendError, SendErrorKind } from './send-result.js';

const DNS_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'ENODATA',
  'ESERVFAIL',
  'ENOTIMP',
  'EREFUSED',
]);
const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);
const TLS_CODES = new Set([
  'EPROTO',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
]);

export function describeError(err: unknown): SendError {
  // The cause chain matters: undici sometimes wraps the socket error it got.
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (isEventhookError(e, 'EH_DELIVERY_FORBIDDEN_ADDRESS'))
      return { kind: 'forbidden_address', message: e.message };
    const code = (e as NodeJS.ErrnoException).code ?? '';
    const kind = kindOf(code, e);
    if (kind !== undefined) return { kind, message: e.message || code };
  }
  return { kind: 'connection', message: err instanceof Error ? err.message : String(err) };
}

function kindOf(code: string, e: Error): SendErrorKind | undefined {
  if (DNS_CODES.has(code) || (e as NodeJS.ErrnoException).syscall === 'getaddrinfo') return 'dns';
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  if (
    TLS_CODES.has(code) ||
    code.startsWith('ERR_TLS') ||
    code.startsWith('ERR_SSL') ||
    code.includes('CERT')
  )
    return 'tls';
  if (code.startsWith('HPE_') || code === 'UND_ERR_INFO' || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH')
    return 'protocol';
  if (code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_URL' || code === 'ERR_INVALID_CHAR')
    return 'invalid_request';
  if (code.startsWith('E') || code.startsWith('UND_ERR')) return 'connection';
  return undefined;
}
