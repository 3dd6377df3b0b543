// Prefixed, time-ordered identifiers (STYLE §9): a stray id in a log names its kind, and ids sort by creation.
import { monotonicFactory } from 'ulid';

const ulid = monotonicFactory();

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

export type IdOf<K extends IdKind> = Brand<K>;

/** A new id of the given kind: `evt_01J…` (prefix + ULID, monotonic within one process). */
export function newId<K extends IdKind>(kind: K, now: number = Date.now()): IdOf<K> {
  return `${ID_PREFIXES[kind]}_${ulid(now)}` as IdOf<K>;
}

const ULID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** True when `value` is an id of `kind` (right prefix, well-formed ULID). */
export function isId<K extends IdKind>(kind: K, value: string): value is IdOf<K> {
  const prefix = `${ID_PREFIXES[kind]}_`;
  return value.startsWith(prefix) && ULID_RE.test(value.slice(prefix.length));
}

/** Milliseconds since the epoch encoded in an id's ULID part. */
export function idTime(id: string): number {
  const ulidPart = id.slice(id.indexOf('_') + 1, id.indexOf('_') + 11);
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let t = 0;
  for (const ch of ulidPart) t = t * 32 + alphabet.indexOf(ch);
  return t;
}
