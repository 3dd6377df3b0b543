// A synchronous multipart/form-data reader for already-buffered webhook bodies: text fields become strings, file
// parts become a short description ({filename, contentType, size}) so rules can see a file came without its bytes.
// Busboy and the WHATWG Response.formData() are streaming/async; the body is already in memory, so this stays sync.
import type { JsonObject, JsonValue } from '../core/index.js';
import { contentTypeParam, decodeText } from './text-decoding.js';

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_PARTS = 1000;

/** The fields of a multipart body, or a reason string when the body does not follow its boundary. */
export function parseMultipart(body: Buffer, boundary: string): JsonObject | string {
  if (boundary.length === 0 || boundary.length > 200)
    return 'the boundary is empty or longer than 200 characters';
  const delimiter = Buffer.from(`--${boundary}`);
  const fields = new Map<string, JsonValue[]>();
  let pos = body.indexOf(delimiter);
  if (pos === -1) return 'the opening boundary is missing';
  for (let parts = 0; ; parts++) {
    pos += delimiter.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break; // "--": closing delimiter
    if (parts >= MAX_PARTS) return `more than ${MAX_PARTS} parts`;
    if (!body.subarray(pos, pos + 2).equals(CRLF)) return 'a boundary is not followed by CRLF';
    pos += 2;
    const headerEnd = body.indexOf(HEADER_END, pos);
    if (headerEnd === -1) return 'a part has no end of headers';
    const headers = parsePartHeaders(body.subarray(pos, headerEnd).toString('utf8'));
    const contentStart = headerEnd + HEADER_END.length;
    const next = body.indexOf(Buffer.concat([CRLF, delimiter]), contentStart);
    if (next === -1) return 'the closing boundary is missing';
    const content = body.subarray(contentStart, next);
    const disposition = headers.get('content-disposition') ?? '';
    const name = dispositionParam(disposition, 'name');
    if (name === undefined) return 'a part has no form-data name';
    const filename = dispositionParam(disposition, 'filename');
    const value: JsonValue =
      filename === undefined
        ? fieldText(content, headers.get('content-type'))
        : {
            filename,
            contentType: headers.get('content-type') ?? 'application/octet-stream',
            size: content.length,
          };
    fields.set(name, [...(fields.get(name) ?? []), value]);
    pos = next + CRLF.length;
  }
  return Object.fromEntries([...fields].map(([k, v]) => [k, v.length === 1 ? (v[0] as JsonValue) : v]));
}

/**
 * A text field's value: in the charset its part's Content-Type names (SendGrid's Inbound Parse sends each part in the
 * mail's own, `text/plain; charset=iso-8859-1`), else (or for a label TextDecoder does not know) UTF-8.
 */
function fieldText(content: Buffer, contentType: string | undefined): string {
  return contentType !== undefined && contentTypeParam(contentType, 'charset') !== undefined
    ? decodeText(content, contentType)
    : content.toString('utf8');
}

function parsePartHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function dispositionParam(disposition: string, name: string): string | undefined {
  // name="a;b" may hold separators, so match the quoted form first.
  const quoted = new RegExp(`(?:^|;)\\s*${name}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(disposition);
  if (quoted) return quoted[1]?.replace(/\\(.)/g, '$1');
  const bare = new RegExp(`(?:^|;)\\s*${name}=([^;\\s]+)`, 'i').exec(disposition);
  return bare?.[1];
}
