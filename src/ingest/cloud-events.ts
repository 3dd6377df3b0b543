// CloudEvents as applications send them, over HTTP (POST /events) or NATS (the JetStream intake): an event object in
// structured mode, or binary mode, where the attributes travel as `ce-*` headers and the body is the data.
import type { JsonValue } from '../core/envelope.js';
import { EventhookError, invalid } from '../core/errors.js';
import { contentTypeParam, decodeTextStrict, decodeUtf8 } from './text-decoding.js';
import type { PublishedEvent } from './publish-service.js';

/** An event object (plain, or CloudEvents structured mode); binary data_base64 is kept as its base64 string. */
export function eventFromObject(value: unknown): PublishedEvent {
  const e = (value ?? {}) as Record<string, unknown> & PublishedEvent;
  // Rather than guess a decoding of binary data, keep its base64 text.
  const data = (e.data ?? (typeof e.data_base64 === 'string' ? e.data_base64 : undefined)) as
    JsonValue | undefined;
  return { ...e, data };
}

/**
 * Binary mode: attributes from `ce-*` headers (read through `header`, names in lower case), the body as data —
 * parsed when the content type is JSON, else kept as text, decoded in the content type's charset (default UTF-8).
 * Bytes that are not text in it are refused (EH_EVENT_INVALID at /data): the event keeps no raw bytes, so a lenient
 * decode would store U+FFFD in their place and deliver that; binary data travels as a structured CloudEvent's
 * data_base64.
 */
export function eventFromBinary(
  header: (name: string) => string | undefined,
  body: Buffer | JsonValue,
): PublishedEvent {
  const contentType = header('content-type');
  let data: JsonValue | undefined;
  if (Buffer.isBuffer(body)) {
    const text = decodeTextStrict(body, contentType);
    if (text === undefined)
      throw invalid(
        [
          {
            path: '/data',
            message:
              `is not ${contentTypeParam(contentType ?? '', 'charset') ?? 'UTF-8'} text: binary data goes in a ` +
              'CloudEvent in structured mode, as data_base64',
          },
        ],
        'EH_EVENT_INVALID',
      );
    try {
      data = contentType?.includes('json') && text ? (JSON.parse(text) as JsonValue) : text;
    } catch (err) {
      throw new EventhookError('EH_REQUEST_MALFORMED', { reason: (err as Error).message });
    }
  } else {
    data = body;
  }
  return {
    type: header('ce-type') ?? '',
    source: header('ce-source'),
    subject: header('ce-subject'),
    id: header('ce-id'),
    data,
    datacontenttype: contentType,
    correlationid: header('ce-correlationid'),
    traceparent: header('traceparent') ?? header('ce-traceparent'),
  };
}

/**
 * A `ce-*` attribute as the HTTP binding carries it (CloudEvents 1.0.2 HTTP binding §3.1.3.2): a sender must
 * percent-encode space, `"`, `%` and all but printable ASCII, as UTF-8 (`order%207%20%E2%82%AC` is "order 7 €"), and
 * older ones may quote the value; one round of unquoting and percent-decoding gives the attribute back. Undefined when the bytes are not UTF-8,
 * which the binding says to refuse. A `%` not followed by two hex digits stays itself.
 */
export function ceHeaderValue(value: string): string | undefined {
  let text = value;
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"'))
    text = text.slice(1, -1).replace(/\\(.)/g, '$1');
  // Most values are plain ASCII: nothing to decode.
  if (!/[%\u0080-\uffff]/.test(text)) return text;
  const bytes = new Uint8Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const hex = text.charCodeAt(i) === 0x25 ? text.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes[n++] = parseInt(hex, 16);
      i += 2;
    } else bytes[n++] = text.charCodeAt(i) & 0xff; // Node.js reads a header's bytes as Latin-1, one character each
  }
  return decodeUtf8(bytes.subarray(0, n));
}
