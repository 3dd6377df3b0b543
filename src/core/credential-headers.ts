// Header names that carry credentials, masked wherever headers are shown or kept: the delivery's attempt records, the
// API's endpoint answers, and `eventhook apply`'s comparison with them.
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'apikey']);
const CREDENTIAL_NAME_RE = /(^|-)(token|secret|password|passwd|auth|api-?key|credentials?|session)($|-)/;

/**
 * Whether a header name looks like it carries a credential (`authorization`, `x-api-key`, `x-auth-token`, …). A
 * safety net for plain `headers`, which are stored as given: credentials belong in `secretHeaders` or `auth`, but one
 * put in a header named like this is at least never shown back (to members) nor kept in attempt logs.
 */
export function isCredentialHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return CREDENTIAL_HEADERS.has(lower) || CREDENTIAL_NAME_RE.test(lower);
}
