// Prefixed, time-ordered identifiers (STYLE §9): a stray id in a log names its kind, and ids sort by creation.
import { randomFillSync } from 'node:crypto';

/** A slug, the name users give an org, a source or an endpoint: lower-case letters, digits and inner hyphens, 1–63. */
export const SLUG_PATTERN = '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$';

export const ID_PREFIXES = {
  event: 'evt',
  source: 'src',
  rule: 'rule',
  action: 'act',
  attempt: 'att',
  endpoint: 'ep',
  org: 'org',
  apiKey: 'key',
  workflow: 'wf',
  task: 'task',
  promise: 'prm',
  message: 'msg',
  worker: 'wrk',
  ingester: 'ing',
  grant: 'grt',
  auditEntry: 'aud',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;
type Brand<K extends IdKind> = string & { readonly __id: K };

export type EventId = Brand<'event'>;
export type SourceId = Brand<'source'>;
export type RuleId = Brand<'rule'>;
export type ActionId = Brand<'action'>;
export type AttemptId = Brand<'attempt'>;
export type EndpointId = Brand<'endpoint'>;
export type OrgId = Brand<'org'>;
export type ApiKeyId = Brand<'apiKey'>;
export type WorkflowId = Brand<'workflow'>;
export type TaskId = Brand<'task'>;
export type PromiseId = Brand<'promise'>;
export type GrantId = Brand<'grant'>;
export type AuditEntryId = Brand<'auditEntry'>;

export type IdOf<K extends IdKind> = Brand<K>;

/** A new id of the given kind: `evt_01J…` (prefix + ULID, monotonic within one process). */
export function newId<K extends IdKind>(kind: K, now: number = Date.now()): IdOf<K> {
  return `${ID_PREFIXES[kind]}_${ulid(now)}` as IdOf<K>;
}

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_CHARS = 16;
const MAX_TIME = 2 ** 48 - 1;

// Monotonic ULIDs (the spec's monotonic mode, as the ulid package's monotonicFactory): the random part is drawn
// fresh when the millisecond moves on and incremented by one within the same millisecond (or when the clock steps
// back), so ids from this process always sort in creation order. Random bytes come from a pooled buffer: the
// ulid package drew them per character, which made id generation a visible cost on the ingest hot path.
const pool = Buffer.allocUnsafe(4096);
let poolAt = pool.length;
const digits = new Uint8Array(RANDOM_CHARS);
let lastTime = -1;
let lastTimeText = '';

function ulid(now: number): string {
  if (now > lastTime) {
    if (!Number.isInteger(now) || now < 0 || now > MAX_TIME) throw new RangeError(`bad id time ${now}`);
    lastTime = now;
    lastTimeText = encodeTime(now);
    freshRandom();
  } else if (!increment()) {
    // 2^80 ids in one millisecond: move to the next one rather than repeat or break the order.
    lastTime += 1;
    lastTimeText = encodeTime(lastTime);
    freshRandom();
  }
  let text = lastTimeText;
  for (let i = 0; i < RANDOM_CHARS; i++) text += ALPHABET[digits[i]!];
  return text;
}

function encodeTime(time: number): string {
  let text = '';
  for (let i = 0, t = time; i < 10; i++, t = Math.floor(t / 32)) text = ALPHABET[t % 32]! + text;
  return text;
}

/** 80 fresh random bits (10 pooled bytes) as 16 base-32 digits. */
function freshRandom(): void {
  if (poolAt + 10 > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  let bits = 0;
  let acc = 0;
  let d = 0;
  for (let i = 0; i < 10; i++) {
    acc = (acc << 8) | pool[poolAt + i]!;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      digits[d++] = (acc >> bits) & 31;
    }
    acc &= (1 << bits) - 1;
  }
  poolAt += 10;
}

/** Adds one to the random digits; false when they were all at the maximum. */
function increment(): boolean {
  for (let i = RANDOM_CHARS - 1; i >= 0; i--) {
    if (digits[i]! < 31) {
      digits[i] = digits[i]! + 1;
      return true;
    }
    digits[i] = 0;
  }
  return false;
}

const ULID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** True when `value` is an id of `kind` (right prefix, well-formed ULID). */
export function isId<K extends IdKind>(kind: K, value: string): value is IdOf<K> {
  const prefix = `${ID_PREFIXES[kind]}_`;
  return value.startsWith(prefix) && ULID_RE.test(value.slice(prefix.length));
}

/**
 * Why `name` cannot name a rule, or undefined. `/rules/{rule}`, the actions filter and `eventhook` take an id or a
 * name, the id first: a name that is a rule id would reach the rule of that id (a PATCH or DELETE changing another).
 */
export function ruleNameProblem(name: string): string | undefined {
  return isId('rule', name)
    ? 'is a rule id (rule_…): rules are found by id or name, so a name may not look like an id'
    : undefined;
}

/**
 * The lowest id of `kind` made at `time`: ids made before `time` sort below it, those made at or after it do not
 * (prefix and time have fixed widths), so "created before" is a range of an id index.
 */
export function idFloor(kind: IdKind, time: number): string {
  return `${ID_PREFIXES[kind]}_${encodeTime(time)}`;
}

/** Milliseconds since the epoch encoded in an id's ULID part. */
export function idTime(id: string): number {
  const ulidPart = id.slice(id.indexOf('_') + 1, id.indexOf('_') + 11);
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let t = 0;
  for (const ch of ulidPart) t = t * 32 + alphabet.indexOf(ch);
  return t;
}
