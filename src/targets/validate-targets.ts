// Save-time validation of a rule's targets: shape, JMESPath expressions and input transforms, each error located
// (`/targets/1/promise: …`), so a rule that saves is a rule that can run.
import { EventhookError, pointerToken, type FieldIssue } from '../core/errors.js';
import { schemaIssues } from '../core/schema-issues.js';
import { META_EVENT, META_HOPS } from '../engine/port.js';
import { compileJmespath } from '../transform/jmespath.js';
import {
  compileTransform,
  type CompiledTransform,
  type SandboxLimits,
  type TransformSpec,
} from '../transform/index.js';
import {
  EventBusTarget,
  reservedSourceReason,
  PromiseTarget,
  TARGET_TYPES,
  TaskTarget,
  WebhookTarget,
  WorkflowTarget,
  type Target,
} from './target-schema.js';

const SCHEMAS = {
  workflow: WorkflowTarget,
  task: TaskTarget,
  promise: PromiseTarget,
  webhook: WebhookTarget,
  event_bus: EventBusTarget,
} as const;

/** A valid target with its input transform compiled, which holds a QuickJS runtime when written in JavaScript. */
export interface CompiledTarget {
  readonly target: Target;
  readonly input: CompiledTransform;
}

/** Throws EH_TARGET_INVALID (or the transform's own code) naming the first offending field of each target. */
export function validateTargets(targets: unknown, path = '/targets', limits?: SandboxLimits): Target[] {
  return targetList(targets, path).map((t, i) => {
    const { target, input } = compileTarget(t, `${path}/${i}`, limits);
    // Compiled only to prove it compiles (one at a time: a JavaScript input holds a QuickJS runtime); the action
    // worker keeps its own compiled copy.
    input.dispose();
    return target;
  });
}

/**
 * validateTargets, keeping each target's compiled input for a caller that runs it (the rule tester), which must
 * dispose() them. Nothing is left to dispose when it throws.
 */
export function compileTargets(
  targets: unknown,
  path = '/targets',
  limits?: SandboxLimits,
): CompiledTarget[] {
  const compiled: CompiledTarget[] = [];
  try {
    for (const [i, t] of targetList(targets, path).entries())
      compiled.push(compileTarget(t, `${path}/${i}`, limits));
  } catch (err) {
    for (const c of compiled) c.input.dispose();
    throw err;
  }
  return compiled;
}

function targetList(targets: unknown, path: string): unknown[] {
  if (!Array.isArray(targets) || targets.length === 0) {
    throw targetError([{ path, message: 'must be a non-empty array of targets' }]);
  }
  if (targets.length > 10) throw targetError([{ path, message: 'at most 10 targets per rule' }]);
  return targets;
}

/** Flovyn's limits on an execution's metadata (50 keys, 64 KB), less what Eventhook adds to every start. */
const MAX_METADATA_KEYS = 48;
const MAX_METADATA_BYTES = 64 * 1024 - 128;

function compileTarget(target: unknown, path: string, limits?: SandboxLimits): CompiledTarget {
  const type = (target as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !(TARGET_TYPES as readonly string[]).includes(type)) {
    throw targetError([{ path: `${path}/type`, message: `must be one of ${TARGET_TYPES.join(', ')}` }]);
  }
  const schema = SCHEMAS[type as keyof typeof SCHEMAS];
  const issues = schemaIssues(schema, target, path);
  if (issues.length > 0) throw targetError(issues);
  const t = target as Target;
  // Flovyn refuses these at run time (400), which would make every action of the rule dead.
  if (t.type === 'workflow' && t.metadata) {
    const keys = Object.keys(t.metadata);
    const reserved = keys.find((k) => k.startsWith('_flovyn_'));
    if (reserved !== undefined)
      throw targetError([
        {
          path: `${path}/metadata/${pointerToken(reserved)}`,
          message: 'must not start with _flovyn_ (reserved by Flovyn)',
        },
      ]);
    // Flovyn takes 50 keys and 64 KB, and every start adds eventhook.eventId and eventhook.hops (replacing the
    // target's own, if it has them).
    const own = keys.filter((k) => k !== META_EVENT && k !== META_HOPS);
    if (own.length > MAX_METADATA_KEYS)
      throw targetError([
        {
          path: `${path}/metadata`,
          message: `at most ${MAX_METADATA_KEYS} keys (Flovyn takes 50, and Eventhook adds ${META_EVENT} and ${META_HOPS})`,
        },
      ]);
    if (Buffer.byteLength(JSON.stringify(t.metadata)) > MAX_METADATA_BYTES)
      throw targetError([
        {
          path: `${path}/metadata`,
          message: `at most ${MAX_METADATA_BYTES} bytes as JSON (Flovyn takes 64 KB, with Eventhook's own keys)`,
        },
      ]);
  }
  if (t.type === 'event_bus' && t.source !== undefined) {
    const reason = reservedSourceReason(t.source);
    if (reason !== null) throw targetError([{ path: `${path}/source`, message: reason }]);
  }
  for (const field of ['idempotencyKey', 'promise', 'value', 'error'] as const) {
    const expr = (t as Record<string, unknown>)[field];
    if (typeof expr === 'string') compileJmespath(expr, `${path}/${field}`);
  }
  return {
    target: t,
    input: compileTransform(t.input as TransformSpec | undefined, `${path}/input`, limits),
  };
}

/** EH_TARGET_INVALID naming the first of `issues` in its message, and all of them in its detail. */
export function targetError(issues: FieldIssue[]): EventhookError {
  const first = issues[0]!;
  return new EventhookError('EH_TARGET_INVALID', { path: first.path, reason: first.message }, { issues });
}
