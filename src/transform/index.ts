// Transforms and the JavaScript sandbox: everything the rules API (save-time validation) and the router
// (per-event filters and target inputs) need. docs/transforms.md describes the behaviour.
export { compileTransform, disposeCompiled } from './compile-transform.js';
export type { CompiledTransform, TransformKind, TransformSpec } from './compile-transform.js';
export { compileFilter } from './compile-filter.js';
export type { CompiledFilter } from './compile-filter.js';
export { compileJmespath } from './jmespath.js';
export type { JmespathFn } from './jmespath.js';
export { compileInputTemplate, MAX_TEMPLATE_LENGTH, MAX_TEMPLATE_VARIABLES } from './input-template.js';
export { initSandbox } from './sandbox/quickjs.js';
export { DEFAULT_LIMITS } from './sandbox/sandboxed-function.js';
export type { SandboxLimits } from './sandbox/sandboxed-function.js';
export { MAX_OUTPUT_CHARS } from './sandbox/prelude.js';
export { MAX_SCRIPT_CHARS } from './sandbox/script.js';
