// Compares the desired state with the server's and lists the changes: create what is missing, update the fields
// that differ, delete (with prune) what the file no longer names. Nothing is changed here.
import { ProblemError, type ApiClient } from '../client.js';
import { CliError } from '../cli-error.js';
import { APPLY_KINDS, IDENTITY, type ApplyKind, type DesiredItem, type DesiredState } from './desired.js';
import { deepEqual, diffValues, type FieldChange } from './field-diff.js';

type Obj = Record<string, unknown>;

export type Change =
  | { readonly action: 'create'; readonly kind: ApplyKind; readonly key: string; readonly item: DesiredItem }
  | {
      readonly action: 'update';
      readonly kind: ApplyKind;
      readonly key: string;
      readonly item: DesiredItem;
      /** The PATCH body: each differing field with the file's whole value. */
      readonly patch: Obj;
      readonly fields: readonly FieldChange[];
      /** Write-only values re-sent because of --rotate-secrets (names only are ever shown). */
      readonly rotate: Obj;
    }
  | { readonly action: 'delete'; readonly kind: ApplyKind; readonly key: string };

export interface Plan {
  readonly org: string;
  /** In execution order: creates and updates by kind (endpoints, sources, rules), then deletes in reverse. */
  readonly changes: readonly Change[];
  readonly unchanged: number;
  /** On the server, in a section the file has, but not in the file; deleted only with --prune. */
  readonly unmanaged: readonly { kind: ApplyKind; key: string }[];
}

export interface PlanOptions {
  readonly prune: boolean;
  readonly rotateSecrets: boolean;
}

export async function planApply(client: ApiClient, desired: DesiredState, opts: PlanOptions): Promise<Plan> {
  const current = new Map<ApplyKind, Map<string, Obj>>();
  for (const kind of desired.kinds) current.set(kind, await fetchCurrent(client, kind));

  const upserts: Change[] = [];
  let unchanged = 0;
  for (const kind of APPLY_KINDS) {
    for (const item of desired.items.filter((i) => i.kind === kind)) {
      const existing = current.get(kind)?.get(item.key);
      if (!existing) {
        upserts.push({ action: 'create', kind, key: item.key, item });
        continue;
      }
      const patch: Obj = {};
      const fields: FieldChange[] = [];
      for (const [field, value] of Object.entries(item.compared)) {
        if (deepEqual(existing[field], value)) continue;
        patch[field] = item.body[field];
        fields.push(...diffValues(existing[field], value, field));
      }
      const rotate = opts.rotateSecrets ? item.secrets : {};
      if (fields.length === 0 && Object.keys(rotate).length === 0) unchanged++;
      else upserts.push({ action: 'update', kind, key: item.key, item, patch, fields, rotate });
    }
  }

  const deletes: Change[] = [];
  const unmanaged: { kind: ApplyKind; key: string }[] = [];
  for (const kind of [...APPLY_KINDS].reverse()) {
    const named = new Set(desired.items.filter((i) => i.kind === kind).map((i) => i.key));
    for (const key of current.get(kind)?.keys() ?? []) {
      if (named.has(key)) continue;
      if (opts.prune) deletes.push({ action: 'delete', kind, key });
      else unmanaged.push({ kind, key });
    }
  }
  return { org: client.connection.org, changes: [...upserts, ...deletes], unchanged, unmanaged };
}

async function fetchCurrent(client: ApiClient, kind: ApplyKind): Promise<Map<string, Obj>> {
  let page: { items: Obj[] };
  try {
    page = await client.get<{ items: Obj[] }>(`/${kind}`);
  } catch (err) {
    if (err instanceof ProblemError && err.problem.code === 'EH_ROUTE_NOT_FOUND') {
      throw new CliError(`this server has no ${kind} API, but the file has a "${kind}:" section`);
    }
    throw err;
  }
  return new Map(page.items.map((o) => [String(o[IDENTITY[kind]]), o]));
}
