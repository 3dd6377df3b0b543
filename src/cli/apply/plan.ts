// Compares the desired state with the server's and lists the changes: create what is missing, update the fields
// that differ, delete (with prune) what the file no longer names. Nothing is changed here. A grant is paired with the
// server's by its org (grants.ts), so one whose types or description the file changed is updated in place.
import { webhookEndpointOf } from '../../targets/webhook-endpoint.js';
import { ProblemError, type ApiClient } from '../client.js';
import { CliError } from '../cli-error.js';
import { APPLY_KINDS, IDENTITY, type ApplyKind, type DesiredItem, type DesiredState } from './desired.js';
import { deepEqual, diffValues, type FieldChange } from './field-diff.js';
import { currentGrant, pairGrants, updatedGrantKey } from './grants.js';
import { checkPrunedEndpoints } from './pruned-endpoints.js';

type Obj = Record<string, unknown>;

export type Change =
  | { readonly action: 'create'; readonly kind: ApplyKind; readonly key: string; readonly item: DesiredItem }
  | {
      readonly action: 'update';
      readonly kind: ApplyKind;
      readonly key: string;
      readonly item: DesiredItem;
      /** How the API names it when `key` does not: a grant's id. */
      readonly ref?: string;
      /** The updatedAt the plan was made from: the change is refused if someone changes it before it is applied. */
      readonly version?: string;
      /** The PATCH body: each differing field with the file's whole value. */
      readonly patch: Obj;
      readonly fields: readonly FieldChange[];
      /** Write-only values re-sent because of --rotate-secrets (names only are ever shown). */
      readonly rotate: Obj;
    }
  | {
      readonly action: 'delete';
      readonly kind: ApplyKind;
      readonly key: string;
      /** How the API names it: the slug or name; a grant's id. */
      readonly ref: string;
      /** As for an update. */
      readonly version?: string;
    };

export interface Plan {
  readonly org: string;
  /**
   * In execution order: creates and updates by kind (endpoints, sources, rules), then deletes in reverse, so a rule
   * is retargeted or deleted before the endpoint it named is.
   */
  readonly changes: readonly Change[];
  readonly unchanged: number;
  /** On the server, in a section the file has, but not in the file; deleted only with --prune. */
  readonly unmanaged: readonly { kind: ApplyKind; key: string; ref: string }[];
}

export interface PlanOptions {
  readonly prune: boolean;
  readonly rotateSecrets: boolean;
}

/** An object on the server: what it is matched by, how it is shown, how the API names it. */
interface Current {
  readonly key: string;
  readonly ref: string;
  readonly value: Obj;
}

export async function planApply(client: ApiClient, desired: DesiredState, opts: PlanOptions): Promise<Plan> {
  const current = new Map<ApplyKind, Map<string, Current>>();
  for (const kind of desired.kinds) current.set(kind, await fetchCurrent(client, kind));

  const upserts: Change[] = [];
  let unchanged = 0;
  // The server's objects the file names; the others are deleted with --prune.
  const paired = new Set<Current>();
  for (const kind of APPLY_KINDS) {
    const items = desired.items.filter((i) => i.kind === kind);
    const server = current.get(kind) ?? new Map<string, Current>();
    const pairs =
      kind === 'grants'
        ? pairGrants(items, server.values())
        : new Map(items.map((i) => [i, server.get(i.identity)]));
    for (const [item, found] of pairs) {
      if (!found) {
        upserts.push({ action: 'create', kind, key: item.key, item });
        continue;
      }
      paired.add(found);
      const existing = found.value;
      const patch: Obj = {};
      const fields: FieldChange[] = [];
      for (const [field, value] of Object.entries(item.compared)) {
        if (deepEqual(existing[field], value)) continue;
        // The file's whole value, secrets included; a value a create omits (a grant's null eventTypes) as compared.
        patch[field] = field in item.body ? item.body[field] : value;
        fields.push(...diffValues(existing[field], value, field));
      }
      if (kind === 'endpoints' && 'url' in patch) giveCredentialsAgain(patch, item.body);
      const rotate = opts.rotateSecrets ? item.secrets : {};
      const version = versionOf(existing);
      if (fields.length === 0 && Object.keys(rotate).length === 0) unchanged++;
      else if (kind === 'grants') {
        const key = updatedGrantKey(String(existing.fromOrg), found.ref);
        upserts.push({ action: 'update', kind, key, ref: found.ref, version, item, patch, fields, rotate });
      } else upserts.push({ action: 'update', kind, key: item.key, version, item, patch, fields, rotate });
    }
  }

  await checkWebhookEndpoints(client, desired, upserts, current);
  await checkSourceCreates(upserts);

  const deletes: Change[] = [];
  const unmanaged: { kind: ApplyKind; key: string; ref: string }[] = [];
  for (const kind of [...APPLY_KINDS].reverse()) {
    for (const found of current.get(kind)?.values() ?? []) {
      if (paired.has(found)) continue;
      const { key, ref } = found;
      if (opts.prune) deletes.push({ action: 'delete', kind, key, ref, version: versionOf(found.value) });
      else unmanaged.push({ kind, key, ref });
    }
  }
  const changes = [...upserts, ...deletes];
  await checkPrunedEndpoints(desired, changes, async () => {
    const rules = current.get('rules') ?? (await fetchCurrent(client, 'rules'));
    return new Map([...rules].map(([name, { value }]) => [name, value]));
  });
  return { org: client.connection.org, changes, unchanged, unmanaged };
}

/**
 * The server keeps an endpoint's credentials only while its URL stays on their origin; moved elsewhere, they must be
 * given again. The file holds them (as references the environment fills in), so a URL change sends them along even
 * where they did not change.
 */
function giveCredentialsAgain(patch: Obj, body: Obj): void {
  for (const field of ['auth', 'secretHeaders'])
    if (!(field in patch) && field in body) patch[field] = body[field];
}

/**
 * A source the plan creates needs what the server requires of a new one: its provider's required fields (the secret,
 * options such as Square's notificationUrl), or a verifier when it names no provider. An existing source is not
 * asked again: its secret is never sent unless rotated. The server's words, at the entry's line.
 */
async function checkSourceCreates(upserts: readonly Change[]): Promise<void> {
  const creates = upserts.filter((c) => c.action === 'create' && c.kind === 'sources');
  if (creates.length === 0) return;
  const { getProvider, secretChooserOf } = await import('../../ingest/providers/index.js');
  const { CUSTOM_PROVIDER } = await import('../../ingest/source-service.js');
  for (const change of creates) {
    if (change.action !== 'create') continue;
    const { body, locate } = change.item;
    const provider = body.provider;
    if (provider === undefined || provider === CUSTOM_PROVIDER) {
      if (body.verifier === undefined)
        throw new CliError(
          `${locate('/verifier')}: is required when no provider is given (or use provider: "custom")`,
        );
      continue;
    }
    const template = typeof provider === 'string' ? getProvider(provider) : undefined;
    const options = (typeof body.options === 'object' && body.options !== null ? body.options : {}) as Obj;
    if (template === undefined) continue; // the server names an unknown provider
    for (const field of template.requiredFields) {
      const given = field === 'secret' ? body.secret : options[field];
      if (given !== undefined && given !== '') continue;
      if (field !== 'secret')
        throw new CliError(`${locate(`/options/${field}`)}: is required (a non-empty string)`);
      // Where you choose the secret, the server makes one and apply shows it once, to give the provider.
      if (secretChooserOf(template, options) === 'user') continue;
      throw new CliError(
        `${locate('/secret')}: is required: the secret ${template.name} shows (${template.name} issues it)`,
      );
    }
  }
}

/**
 * A rule the plan creates, or whose targets it changes, may send to an endpoint the server has or one the file makes;
 * the server refuses any other, so the plan (and --dry-run) says so first, at the target's line.
 */
async function checkWebhookEndpoints(
  client: ApiClient,
  desired: DesiredState,
  upserts: readonly Change[],
  current: Map<ApplyKind, Map<string, Current>>,
): Promise<void> {
  const named = upserts.flatMap((c) => {
    if (c.action === 'delete' || c.kind !== 'rules') return [];
    if (c.action === 'update' && !('targets' in c.patch)) return [];
    const targets = (c.item.body.targets ?? []) as Obj[];
    return targets.flatMap((t, i) => {
      const endpoint = webhookEndpointOf(t);
      return endpoint === undefined ? [] : [{ item: c.item, endpoint, i }];
    });
  });
  if (named.length === 0) return;
  const known = new Set(desired.items.filter((i) => i.kind === 'endpoints').map((i) => i.identity));
  for (const slug of (current.get('endpoints') ?? (await fetchCurrent(client, 'endpoints'))).keys())
    known.add(slug);
  const lines = named
    .filter((n) => !known.has(n.endpoint))
    .map(
      (n) =>
        `${n.item.locate(`/targets/${n.i}/endpoint`)}: endpoint ${n.endpoint} does not exist, on the server or in the file`,
    );
  if (lines.length > 0) throw new CliError(lines[0]!, lines.slice(1));
}

const versionOf = (value: Obj): string | undefined =>
  typeof value.updatedAt === 'string' ? value.updatedAt : undefined;

/**
 * An endpoint as it is set: a timeoutMs that is the deployment's default is none of its own, so a file that gives
 * that same value sets it (to hold whatever the default becomes) rather than finding nothing to change.
 */
function ownSettings(endpoint: Obj): Obj {
  if (endpoint.timeoutDefault !== true) return endpoint;
  const { timeoutMs: _default, ...own } = endpoint;
  return own;
}

async function fetchCurrent(client: ApiClient, kind: ApplyKind): Promise<Map<string, Current>> {
  let page: { items: Obj[] };
  try {
    page = await client.get<{ items: Obj[] }>(`/${kind}`);
  } catch (err) {
    if (err instanceof ProblemError && err.problem.code === 'EH_ROUTE_NOT_FOUND') {
      throw new CliError(`this server has no ${kind} API, but the file has a "${kind}:" section`);
    }
    throw err;
  }
  // By what the file's objects are matched with: slug or name; for grants, which pairGrants matches, the id.
  const byIdentity = new Map<string, Current>();
  for (const value of page.items) {
    if (kind !== 'grants') {
      const key = String(value[IDENTITY[kind]]);
      byIdentity.set(key, { key, ref: key, value: kind === 'endpoints' ? ownSettings(value) : value });
      continue;
    }
    // Grants by id, oldest first, as the server lists them: pairGrants matches them to the file's.
    const g = currentGrant(value);
    byIdentity.set(g.ref, g);
  }
  return byIdentity;
}
