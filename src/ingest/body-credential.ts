// A source whose key travels inside the body (Microsoft Graph repeats its clientState in every notification) must
// not keep that key in the stored event: events are shown to every member, routed to targets and replayed, and
// secrets are never returned by the API. The key is replaced with "[redacted]" before the event is stored.
import { REDACTED, type JsonValue } from '../core/envelope.js';
import { replaceAtPath } from './body-path.js';

export interface StoredBody {
  data: JsonValue;
  /** The JSON text the event's data and raw body are both read from (see NewEvent.bodyText). */
  bodyText: string | undefined;
  rawBody: Buffer | null;
}

/**
 * The body as it may be stored. A JSON body is stored as its redacted JSON, which `GET /events/{id}/raw` then
 * returns instead of the bytes received; any other body that was parsed keeps its redacted fields and no raw bytes.
 * An event stored without parsed data (rejected, or failed to parse) keeps its raw bytes only if they are JSON that
 * can be redacted: a rejected batch may still carry the real key beside a forged one.
 */
export function storedBodyWithout(
  path: readonly string[],
  rawBody: Buffer,
  parsed: { data: JsonValue; bodyText: string | undefined },
): StoredBody {
  if (parsed.bodyText !== undefined) {
    const data = replaceAtPath(parsed.data, path, REDACTED);
    return { data, bodyText: JSON.stringify(data), rawBody: null };
  }
  if (parsed.data !== null) {
    return { data: replaceAtPath(parsed.data, path, REDACTED), bodyText: undefined, rawBody: null };
  }
  let body: JsonValue;
  try {
    body = JSON.parse(rawBody.toString('utf8')) as JsonValue;
  } catch {
    return { data: null, bodyText: undefined, rawBody: null };
  }
  const redacted = JSON.stringify(replaceAtPath(body, path, REDACTED));
  return { data: null, bodyText: undefined, rawBody: Buffer.from(redacted, 'utf8') };
}
