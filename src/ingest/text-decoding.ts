// Bytes to text as a request's Content-Type says: its charset parameter, UTF-8 when it names none — or names one
// TextDecoder does not know, as UTF-8 is the only sensible guess. Strict decoding refuses bytes that are not text in
// that charset, for data kept without its bytes, where a lenient decode would store U+FFFD for what was sent.

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The text of UTF-8 bytes (a leading byte order mark dropped), or undefined when they are not UTF-8: a lenient decode
 * would turn each bad byte into U+FFFD, and the data would no longer say what was sent.
 */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** A decoder for a charset label; UTF-8's when the label is undefined or one TextDecoder does not know. */
export function charsetDecoder(
  charset: string | undefined,
  strict: boolean,
): InstanceType<typeof TextDecoder> {
  if (charset !== undefined) {
    try {
      return new TextDecoder(charset, { fatal: strict });
    } catch {
      // unknown label: UTF-8
    }
  }
  return strict ? UTF8 : new TextDecoder('utf-8');
}

/** The text of `bytes` in the charset `contentType` names, or undefined when they are not text in it. */
export function decodeTextStrict(bytes: Uint8Array, contentType: string | undefined): string | undefined {
  const charset = contentType === undefined ? undefined : contentTypeParam(contentType, 'charset');
  try {
    return charsetDecoder(charset, true).decode(bytes);
  } catch {
    return undefined;
  }
}

/** `bytes` as text in the charset `contentType` names, bytes that are not text in it as U+FFFD. */
export function decodeText(bytes: Uint8Array, contentType: string): string {
  return charsetDecoder(contentTypeParam(contentType, 'charset'), false).decode(bytes);
}

/** One parameter of a Content-Type header value (`boundary`, `charset`), unquoted. */
export function contentTypeParam(contentType: string, name: string): string | undefined {
  for (const part of contentType.split(';').slice(1)) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim().toLowerCase() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? value.slice(1, -1) : value;
  }
  return undefined;
}
