// The inbound webhook request as the ingest route hands it to verifiers, handshakes and extractors.

/**
 * One request as received on `…/in/{source}`, built by the ingest route. Invariants: header names are
 * lower-case, repeated headers are joined with ", "; `rawBody` holds the exact bytes received (verifiers sign
 * these, never a re-serialisation); `url` is the full public URL the provider called, query included.
 */
export interface InboundRequest {
  readonly method: string;
  readonly url: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string | readonly string[]>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: Buffer;
  readonly remoteAddress: string;
}

/** A header's value, or undefined when absent. `name` must be lower-case. */
export function headerOf(req: InboundRequest, name: string): string | undefined {
  return Object.hasOwn(req.headers, name) ? req.headers[name] : undefined;
}

/** A query parameter's first value, or undefined when absent. */
export function queryOf(req: InboundRequest, name: string): string | undefined {
  if (!Object.hasOwn(req.query, name)) return undefined;
  const value = req.query[name];
  return typeof value === 'string' ? value : value?.[0];
}

/** The media type of the request without parameters, lower-case (`application/json`), or undefined. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const type = contentType.split(';', 1)[0]?.trim().toLowerCase();
  return type ? type : undefined;
}
