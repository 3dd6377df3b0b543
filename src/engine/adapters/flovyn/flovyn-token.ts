// The Bearer token of the Flovyn REST API: given as it is (EVENTHOOK_FLOVYN_TOKEN), or the content of a file
// (EVENTHOOK_FLOVYN_TOKEN_FILE), as a mounted Kubernetes secret gives it. A secret rotates by its file changing under
// the running process, so a file's token is read again when Flovyn refuses the one sent (401): at most once per
// interval, so a token that is simply wrong costs one read every few seconds, not one per call.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** Visible ASCII on one line: what an HTTP header can carry. */
const TOKEN_SHAPE = /^[\x21-\x7e]+$/;
/** The least time between two reads of the file after refusals. */
export const TOKEN_REREAD_MS = 5_000;

/**
 * The token a file's content gives (whitespace around dropped: a secret file's line break), or why it gives none.
 */
export function tokenOf(text: string): { token: string } | { problem: 'empty' | 'shape' } {
  const token = text.trim();
  if (token === '') return { problem: 'empty' };
  return TOKEN_SHAPE.test(token) ? { token } : { problem: 'shape' };
}

/** Whether a token (already trimmed) is one an HTTP header can carry. */
export function tokenShaped(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

/** Reads the file at start: the token, or the reason it gives none (its error code, or `empty`/`shape`). */
export function readTokenFileSync(path: string): { token: string } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { problem: (err as NodeJS.ErrnoException).code ?? 'EIO' };
  }
  return tokenOf(text);
}

export class FlovynToken {
  private current: string;
  /** When the file was last read after a refusal; none yet. */
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | undefined;

  constructor(
    initial: string,
    private readonly file: string | undefined,
    private readonly rereadMs = TOKEN_REREAD_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.current = initial;
  }

  get value(): string {
    return this.current;
  }

  /**
   * After Flovyn refused `used` (401): another token to send the call again with, or none. One another call already
   * took from the file is given at once; otherwise the file is read again, unless it was within the interval (calls
   * refused together share one read). A file unreadable, empty or malformed for the moment (a secret being swapped)
   * keeps the token there was.
   */
  async afterRefusal(used: string): Promise<string | undefined> {
    if (this.current === used && this.file !== undefined) {
      if (this.reading === undefined && this.now() - this.readAt >= this.rereadMs) {
        this.readAt = this.now();
        this.reading = this.reread(this.file).finally(() => (this.reading = undefined));
      }
      await this.reading;
    }
    return this.current !== used ? this.current : undefined;
  }

  private async reread(file: string): Promise<void> {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) return;
    const read = tokenOf(text);
    if ('token' in read) this.current = read.token;
  }
}
