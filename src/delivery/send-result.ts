// What one HTTP delivery attempt produced: the shape the sender returns and the retry policy and attempt log read.

/**
 * Why no usable response came back. Retry decisions read this kind, never the message.
 * - `forbidden_address`: the SSRF policy refused every address the host resolved to (or the literal IP).
 * - `auth`: endpoint credentials could not be obtained (e.g. the OAuth2 token request failed).
 * - `invalid_request`: the URL or method can never work (not http/https, malformed); retrying will not help.
 */
export type SendErrorKind =
  'timeout' | 'dns' | 'connection' | 'forbidden_address' | 'tls' | 'auth' | 'invalid_request' | 'protocol';

export interface SendError {
  kind: SendErrorKind;
  message: string;
}

/**
 * One attempt's result; the sender never throws for network failures. Invariant: `status` or `error` is set.
 * `status` means a response head arrived; `error` with a `status` means the body then failed (e.g. timed out),
 * which still counts as a failed attempt since the receiver did not finish answering. `body` is UTF-8 text of at most the sender's cap;
 * `bodyTruncated` says the receiver sent more. Header names are lower-case; repeated headers are joined by ", ".
 */
export interface SendResult {
  /** The headers sent, after the sender's own additions (user-agent); may hold credentials, so redact before storing. */
  requestHeaders: Record<string, string>;
  status?: number;
  headers: Record<string, string>;
  body: string;
  bodyTruncated: boolean;
  latencyMs: number;
  error?: SendError;
}
