// Compiles a target's `input` (SPEC §6) into something cheap to apply per event: the whole envelope, JMESPath,
// an EventBridge input transformer, sandboxed JavaScript, or a constant. Validation happens here, at save time.
import type { Envelope, JsonValue } from '../core/envelope.js';
import { EventhookError, pointerToken } from '../core/errors.js';
import { compileInputTemplate } from './input-template.js';
import { compileJmespath } from './jmespath.js';
import { compileTransformScript } from './sandbox/script.js';
import type { SandboxLimits } from './sandbox/sandboxed-function.js';

/** A target's `input`, as stored on the rule. Exactly one kind; `paths` only together with `template`. */
export type TransformSpec =
  | { jmespath: string }
  | { paths?: Record<string, string>; template: string | JsonValue }
  | { javascript: string }
  | { constant: JsonValue };

export type TransformKind = 'envelope' | 'jmespath' | 'template' | 'javascript' | 'constant';

/**
 * A compiled transform. Immutable apart from the sandbox it may own; keep it in a cache keyed by rule id and
 * version and call dispose() when evicting it (a JavaScript transform holds a QuickJS runtime). `apply` throws
 * EventhookError (EH_TRANSFORM_FAILED, EH_SCRIPT_*) for the one action; its result is read-only and may share
 * structure with the envelope.
 */
export interface CompiledTransform {
  readonly kind: TransformKind;
  apply(envelope: Envelope): JsonValue;
  /**
   * Why `input` (what apply gave for `envelope`) may not be what was meant: a JMESPath that matched nothing, a
   * template variable whose path matched nothing. Empty for the other kinds. For the rule tester only; the
   * action worker delivers what apply gives, as documented.
   */
  warnings(envelope: Envelope, input: JsonValue): string[];
  dispose(): void;
}

const KINDS = ['jmespath', 'template', 'javascript', 'constant'] as const;
const ALLOWED_FIELDS = new Set<string>([...KINDS, 'paths']);

const NOTHING_TO_DISPOSE = (): void => {};
const NO_WARNINGS = (): string[] => [];

const WHOLE_ENVELOPE: CompiledTransform = Object.freeze({
  kind: 'envelope' as const,
  apply: (envelope: Envelope) => envelope as unknown as JsonValue,
  warnings: NO_WARNINGS,
  dispose: NOTHING_TO_DISPOSE,
});

/**
 * Validates and compiles `spec` (undefined = the whole envelope). Throws EH_TRANSFORM_INVALID or
 * EH_SCRIPT_INVALID with `{path, reason}`; JavaScript needs initSandbox() to have completed (else EH_NOT_READY).
 */
export function compileTransform(
  spec: TransformSpec | undefined,
  path = '/input',
  limits?: SandboxLimits,
): CompiledTransform {
  if (spec === undefined || spec === null) return WHOLE_ENVELOPE;
  if (typeof spec !== 'object' || Array.isArray(spec)) {
    throw invalid(path, 'input must be an object with one of jmespath, template, javascript or constant');
  }
  const fields = Object.keys(spec);
  const unknown = fields.find((f) => !ALLOWED_FIELDS.has(f));
  if (unknown !== undefined) {
    throw invalid(`${path}/${unknown}`, `unknown field; expected one of ${[...KINDS, 'paths'].join(', ')}`);
  }
  const kinds = KINDS.filter((k) => k in spec);
  // An input transformer that lost its template names the missing field, not the whole input.
  if (kinds.length === 0 && 'paths' in spec)
    throw invalid(`${path}/template`, 'is required: paths are filled into a template, which is missing');
  if (kinds.length !== 1) {
    throw invalid(
      path,
      kinds.length === 0
        ? 'input needs one of jmespath, template (with paths), javascript or constant'
        : `input may set only one of ${KINDS.join(', ')}; got ${kinds.join(' and ')}`,
    );
  }
  const kind = kinds[0]!;
  const s = spec as Record<string, unknown>;
  if ('paths' in s && kind !== 'template')
    throw invalid(`${path}/paths`, 'paths can only be used with template');

  switch (kind) {
    case 'jmespath': {
      const at = `${path}/jmespath`;
      const fn = compileJmespath(s.jmespath as string, at);
      return {
        kind,
        apply: (envelope) => fn(envelope),
        warnings: (_envelope, input) => (input === null ? [`the input is null: ${at} matched nothing`] : []),
        dispose: NOTHING_TO_DISPOSE,
      };
    }
    case 'template': {
      const fn = compileInputTemplate(
        s.paths as Record<string, string> | undefined,
        s.template as JsonValue,
        path,
      );
      const warnings = (envelope: Envelope): string[] =>
        fn
          .missing(envelope)
          .map((m) => `template variable <${m.name}> is missing: ${m.path} matched nothing`);
      return { kind, apply: fn, warnings, dispose: NOTHING_TO_DISPOSE };
    }
    case 'javascript': {
      const script = compileTransformScript(s.javascript as string, `${path}/javascript`, limits);
      return {
        kind,
        apply: (envelope) => script.call(envelope),
        warnings: NO_WARNINGS,
        dispose: () => script.dispose(),
      };
    }
    case 'constant': {
      const value = s.constant;
      const problem = jsonProblem(value, `${path}/constant`);
      if (problem) throw invalid(problem.path, problem.reason);
      const frozen = deepFreeze(structuredClone(value) as JsonValue);
      return { kind, apply: () => frozen, warnings: NO_WARNINGS, dispose: NOTHING_TO_DISPOSE };
    }
  }
}

/** Frees what a compiled transform or filter holds (a QuickJS runtime for JavaScript); same as x.dispose(). */
export function disposeCompiled(compiled: { dispose(): void }): void {
  compiled.dispose();
}

/** The first place where `value` is not plain JSON (undefined, a function, NaN, a class instance, …). */
function jsonProblem(value: unknown, at: string): { path: string; reason: string } | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number')
    return Number.isFinite(value) ? undefined : { path: at, reason: 'numbers must be finite' };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = jsonProblem(value[i], `${at}/${i}`);
      if (p) return p;
    }
    return undefined;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) {
      const p = jsonProblem(v, `${at}/${pointerToken(k)}`);
      if (p) return p;
    }
    return undefined;
  }
  return {
    path: at,
    reason: `constant must be a JSON value, got ${value === undefined ? 'nothing' : typeof value}`,
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function invalid(path: string, reason: string): EventhookError {
  return new EventhookError(
    'EH_TRANSFORM_INVALID',
    { path, reason },
    { issues: [{ path, message: reason }] },
  );
}
