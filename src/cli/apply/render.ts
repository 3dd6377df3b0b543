// How a plan reads: `+ create`, `~ update` with one line per changed field, `- delete`; and the same as JSON.
// Secret values never appear, only the names of write-only fields that are re-sent.
import { SINGULAR } from './desired.js';
import type { FieldChange } from './field-diff.js';
import type { ChangeResult } from './execute.js';
import type { Change, Plan } from './plan.js';

const SIGN = { create: '+', update: '~', delete: '-' } as const;

const show = (v: unknown) => (v === undefined ? '(unset)' : JSON.stringify(v));

export function changeLines(change: Change): string[] {
  const head = `${SIGN[change.action]} ${SINGULAR[change.kind]} ${change.key}`;
  if (change.action !== 'update') return [head];
  return [
    head,
    ...change.fields.map((f: FieldChange) => `    ${f.path}: ${show(f.before)} → ${show(f.after)}`),
    ...Object.keys(change.rotate).map((k) => `    ${k}: (write-only) re-sent`),
  ];
}

export function summary(plan: Plan): string {
  const count = (a: Change['action']) => plan.changes.filter((c) => c.action === a).length;
  if (plan.changes.length === 0) return `No changes: org ${plan.org} matches the file.`;
  return `${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete (org ${plan.org}).`;
}

/** The note about objects left alone because the file does not name them. */
export function unmanagedNote(plan: Plan): string | undefined {
  if (plan.unmanaged.length === 0) return undefined;
  const names = plan.unmanaged.map((u) => `${SINGULAR[u.kind]} ${u.key}`).join(', ');
  return `Not in the file, kept (--prune deletes): ${names}`;
}

export function planJson(plan: Plan, opts: { dryRun: boolean; results?: readonly ChangeResult[] }): unknown {
  const generated = new Map(
    opts.results?.filter((r) => r.generatedSecret).map((r) => [r.change, r.generatedSecret]),
  );
  const warned = new Map(opts.results?.filter((r) => r.warnings).map((r) => [r.change, r.warnings]));
  const kept = new Map(
    opts.results?.filter((r) => r.unchangedSecrets).map((r) => [r.change, r.unchangedSecrets]),
  );
  return {
    org: plan.org,
    dryRun: opts.dryRun,
    applied: !opts.dryRun,
    changes: plan.changes.map((c) => ({
      action: c.action,
      kind: SINGULAR[c.kind],
      key: c.key,
      ...(c.action !== 'create' && c.ref !== undefined ? { ref: c.ref } : {}),
      ...(c.action === 'update' ? { fields: c.fields, rotated: Object.keys(c.rotate) } : {}),
      ...(generated.has(c) ? { generatedSecret: generated.get(c) } : {}),
      ...(warned.has(c) ? { warnings: warned.get(c) } : {}),
      ...(kept.has(c) ? { unchangedSecrets: kept.get(c) } : {}),
    })),
    unchanged: plan.unchanged,
    unmanaged: plan.unmanaged.map((u) => ({ kind: SINGULAR[u.kind], key: u.key, ref: u.ref })),
  };
}
