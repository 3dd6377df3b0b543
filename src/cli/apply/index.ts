// Declarative configuration (`eventhook apply`): load a file, build the desired state, plan against the server,
// execute, render. docs/cli.md describes the file and the semantics.
export { loadFile, parseText, formatPath, type LoadedFile } from './load-file.js';
export { interpolate, type MissingVariable } from './interpolate.js';
export {
  desiredState,
  flattenTarget,
  APPLY_KINDS,
  type ApplyKind,
  type DesiredItem,
  type DesiredState,
} from './desired.js';
export { diffValues, deepEqual, type FieldChange } from './field-diff.js';
export { planApply, type Change, type Plan, type PlanOptions } from './plan.js';
export { executePlan, type ChangeResult, type ExecuteOptions } from './execute.js';
export { changeLines, summary, unmanagedNote, planJson } from './render.js';
