// The desired state an apply file describes, checked and normalised: sources and endpoints by slug, rules by name,
// grants by their org and what they allow (grants.ts); rule targets flattened (`{type, config: {…}}` → `{type, …}`); secrets split
// off, since the server never returns them and so they cannot be compared.
import { isCredentialHeader } from '../../core/credential-headers.js';
import { REDACTED } from '../../core/envelope.js';
import { ruleNameProblem } from '../../core/ids.js';
import { validateRulePattern } from '../../rules/index.js';
import { CliError } from '../cli-error.js';
import { fileFieldPath } from './field-location.js';
import { grantIdentity, grantLabel, grantOf } from './grants.js';
import { interpolate, type MissingVariable } from './interpolate.js';
import { formatPath, type LoadedFile, type Path } from './load-file.js';
import { checkKnownFields, checkRules, checkSources, type CheckedEntry } from './server-checks.js';
import { typedValues } from './typed-values.js';

export type ApplyKind = 'endpoints' | 'sources' | 'rules' | 'grants';
/** The kinds named by a field of their own; a grant has none, and is named by what it allows. */
export type NamedKind = Exclude<ApplyKind, 'grants'>;

/** Kinds in the order they are created (rules may name endpoints); deletion runs in reverse. */
export const APPLY_KINDS: readonly ApplyKind[] = ['endpoints', 'sources', 'rules', 'grants'];
export const IDENTITY: Record<NamedKind, 'slug' | 'name'> = {
  endpoints: 'slug',
  sources: 'slug',
  rules: 'name',
};
export const SINGULAR: Record<ApplyKind, string> = {
  endpoints: 'endpoint',
  sources: 'source',
  rules: 'rule',
  grants: 'grant',
};

type Obj = Record<string, unknown>;

/**
 * One object the file names. Invariants: `identity` is unique within its kind; `compared` is `body` without its
 * identity and without write-only values; `secrets` holds those write-only values (top-level fields).
 */
export interface DesiredItem {
  readonly kind: ApplyKind;
  /** How it is shown: its slug or name; a grant's org and types. */
  readonly key: string;
  /**
   * What it is matched by on the server: its slug or name; for a grant, its org and set of types (a grant alike), and
   * failing that its org alone (grants.ts, pairGrants).
   */
  readonly identity: string;
  /** What a create sends: every field the file gives, secrets included. */
  readonly body: Obj;
  /** What is compared with the server's copy, field by field. */
  readonly compared: Obj;
  /** Write-only fields: sent on create, on update only when secrets are re-sent (--rotate-secrets). */
  readonly secrets: Obj;
  /** `file:line kind[i]`, for messages. */
  readonly where: string;
  /** `file:line kind[i].field` of a field the server names as the API takes it (`/targets/0/kind`). */
  locate(apiPath: string): string;
}

export interface DesiredState {
  /** The org the file names (`org:`), if any. */
  readonly org: string | undefined;
  /** Kinds the file has a section for, even an empty one: only these are pruned. */
  readonly kinds: readonly ApplyKind[];
  readonly items: readonly DesiredItem[];
}

const SECTIONS = new Set(['org', 'server', ...APPLY_KINDS]);
/** Each endpoint auth type's credential field (the server never returns it). */
export const AUTH_CREDENTIAL: Readonly<Record<string, string>> = {
  basic: 'password',
  bearer: 'token',
  api_key: 'value',
  oauth2_client_credentials: 'clientSecret',
};
const AUTH_CREDENTIALS = Object.values(AUTH_CREDENTIAL);

type SecretFieldOf = (verifierType: string) => string | null;
type SecretOptionsOf = (provider: string) => readonly string[];

/** Builds the desired state from a loaded file, resolving `${VAR}` references from `env`. */
export async function desiredState(
  file: LoadedFile,
  env: Readonly<Record<string, string | undefined>>,
): Promise<DesiredState> {
  const fail = (path: Path, message: string) =>
    new CliError(`${file.at(path)} ${formatPath(path)}: ${message}`);
  const root = file.data ?? {};
  if (!isObj(root))
    throw new CliError(`${file.name}: expected a mapping with sources, rules, endpoints and grants`);
  for (const key of Object.keys(root)) {
    if (!SECTIONS.has(key))
      throw fail(
        [key],
        `unknown section (expected org, sources, rules, endpoints, grants; server: belongs to \`eventhook serve\`)`,
      );
  }
  // The server section is for `eventhook serve --config`: its variables are not ours to require.
  const { server: _server, ...rest } = root;
  const missing: MissingVariable[] = [];
  const data = interpolate(rest, env, missing) as Obj;
  if (missing.length > 0) {
    throw new CliError(
      `${file.name}: ${missing.length === 1 ? 'an environment variable is' : 'environment variables are'} not set`,
      missing.map((m) => `${file.at(m.path)} ${formatPath(m.path)}: \${${m.name}} is not set (or empty)`),
    );
  }
  if (data.org !== undefined && (typeof data.org !== 'string' || data.org === ''))
    throw fail(['org'], 'must be an org slug');

  // Which field of a hand-configured verifier is its secret; loaded only when a source has such a verifier.
  const custom =
    Array.isArray(data.sources) && data.sources.some((s) => isObj(s) && s.verifier !== undefined);
  const secretFieldOf: SecretFieldOf = custom
    ? ((await import('../../ingest/verifiers/index.js')).secretFieldOf as SecretFieldOf)
    : () => null;
  // Which provider options are secrets (Meta's verifyToken); loaded only when a source gives options.
  const withOptions = Array.isArray(data.sources) && data.sources.some((s) => isObj(s) && isObj(s.options));
  const secretOptionsOf: SecretOptionsOf = withOptions
    ? (await import('../../ingest/secret-options.js')).secretOptionsOf
    : () => [];
  const typed = await typedFieldsOf(data);
  const items: DesiredItem[] = [];
  const kinds: ApplyKind[] = [];
  const checked: Partial<Record<ApplyKind, CheckedEntry[]>> = {};
  const locate = (path: Path) => `${file.at(path)} ${formatPath(path)}`;
  const locator = (raw: Obj, path: Path) => (apiPath: string) => locate(fileFieldPath(raw, path, apiPath));
  for (const kind of APPLY_KINDS) {
    const section = data[kind];
    if (section === undefined) continue;
    kinds.push(kind);
    if (section === null) continue;
    if (!Array.isArray(section)) throw fail([kind], `must be a list of ${kind}`);
    const seen = new Map<string, number>();
    section.forEach((raw, i) => {
      const path = [kind, i];
      if (!isObj(raw)) throw fail(path, 'must be a mapping');
      if (kind === 'grants') {
        const grant = grantOf(raw, path, fail, data.org as string | undefined);
        const identity = grantIdentity(grant.from, grant.types);
        const before = seen.get(identity);
        if (before !== undefined)
          throw fail(path, `is the same grant as grants[${before}] (same org, same set of types)`);
        seen.set(identity, i);
        const key = grantLabel(grant.from, grant.types);
        const where = `${file.at(path)} grants[${i}] (${key})`;
        // Its types are compared (null: every type), sorted as the server's are; its description when given.
        const body = grant.body;
        const compared = {
          eventTypes: grant.types,
          ...(grant.description === undefined ? {} : { description: grant.description }),
        };
        items.push({
          kind,
          key,
          identity,
          body,
          compared,
          secrets: {},
          where,
          locate: locator(raw, path),
        });
        return;
      }
      const idField = IDENTITY[kind];
      const key = raw[idField];
      if (typeof key !== 'string' || key === '')
        throw fail(path, `needs a ${idField} (a non-empty string): ${kind} are matched by ${idField}`);
      const before = seen.get(key);
      if (before !== undefined) throw fail(path, `${idField} "${key}" is also used by ${kind}[${before}]`);
      seen.set(key, i);
      const where = `${file.at(path)} ${kind}[${i}] (${key})`;
      const split =
        kind === 'rules'
          ? ruleOf(typed.rule(raw), path, fail, typed)
          : kind === 'sources'
            ? sourceOf(typed.settings(raw), secretFieldOf, secretOptionsOf)
            : endpointOf(typed.endpoint(raw), path, fail);
      const { [idField]: _id, ...compared } = split.compared;
      const { body, secrets } = split;
      items.push({ kind, key, identity: key, body, compared, secrets, where, locate: locator(raw, path) });
      (checked[kind] ??= []).push({ raw, body, path });
    });
  }
  for (const kind of ['rules', 'sources', 'endpoints'] as const)
    await checkKnownFields(kind, checked[kind] ?? [], locate);
  await checkRules(checked.rules ?? [], locate);
  await checkSources(checked.sources ?? [], locate);
  // An empty file (or one naming only its org) would otherwise be reported as matching whatever the org holds.
  if (kinds.length === 0)
    throw new CliError(
      `${file.name} has none of sources, rules, endpoints or grants: nothing to apply (an empty section, e.g. \`rules: []\`, with --prune deletes them all)`,
    );
  return { org: data.org as string | undefined, kinds, items };
}

interface Split {
  body: Obj;
  compared: Obj;
  secrets: Obj;
}

type Fail = (path: Path, message: string) => CliError;

/** Converts what a `${VAR}` made text where a field takes a number or a boolean (typed-values.ts). */
interface TypedFields {
  rule(rule: Obj): Obj;
  target(target: Obj): Obj;
  settings(source: Obj): Obj;
  endpoint(endpoint: Obj): Obj;
}

/** The schemas apply knows for the file's entries, loaded only for the kinds it has. */
async function typedFieldsOf(data: Obj): Promise<TypedFields> {
  const has = (kind: ApplyKind) => Array.isArray(data[kind]) && data[kind].length > 0;
  const targets = has('rules') ? (await import('../../targets/target-schema.js')).TARGET_SCHEMAS : [];
  const settings = has('sources')
    ? (await import('../../ingest/source-settings.js')).SourceSettingsSchema
    : undefined;
  // The API's own request schemas, for an endpoint's numbers (timeoutMs, rateLimit, …) and a rule's `enabled`.
  const rule = has('rules') ? (await import('../../api/routes/rules.js')).RuleIn : undefined;
  const endpoint = has('endpoints') ? (await import('../../api/routes/endpoints.js')).EndpointIn : undefined;
  return {
    rule: (r) => (rule ? (typedValues(rule, r) as Obj) : r),
    endpoint: (e) => (endpoint ? (typedValues(endpoint, e) as Obj) : e),
    target: (t) => {
      const schema = targets.find((s) => s.properties.type.const === t.type);
      return schema ? (typedValues(schema, t) as Obj) : t;
    },
    settings: (source) => (settings ? (typedValues(settings, source) as Obj) : source),
  };
}

function ruleOf(raw: Obj, path: Path, fail: Fail, typed: TypedFields): Split {
  const nameProblem = ruleNameProblem(raw.name as string);
  if (nameProblem !== undefined) throw fail([...path, 'name'], nameProblem);
  if (!isObj(raw.pattern))
    throw fail([...path, 'pattern'], 'is required: an EventBridge pattern (a mapping)');
  try {
    validateRulePattern(raw.pattern);
  } catch (err) {
    throw fail([...path, 'pattern'], (err as Error).message);
  }
  if (!Array.isArray(raw.targets) || raw.targets.length === 0)
    throw fail([...path, 'targets'], 'is required: a list of targets');
  const targets = raw.targets.map((t, j) => typed.target(flattenTarget(t, [...path, 'targets', j], fail)));
  const body = { ...raw, targets };
  return { body, compared: body, secrets: {} };
}

/**
 * The roadmap writes targets as `{type, config: {kind: …}}`; the API takes them flat (`{type, kind}`). Both are
 * accepted; a field given in both places is an error rather than a silent pick.
 */
export function flattenTarget(target: unknown, path: Path, fail: Fail): Obj {
  if (!isObj(target)) throw fail(path, 'must be a mapping with a type');
  if (typeof target.type !== 'string')
    throw fail([...path, 'type'], 'is required (workflow, task, promise, webhook or event_bus)');
  const { config, ...flat } = target;
  if (config === undefined) return flat;
  if (!isObj(config)) throw fail([...path, 'config'], 'must be a mapping of the target’s fields');
  // SPEC §7's event_bus config names the new event's type `type`; flat, `type` is the target's kind, so `eventType`.
  if (flat.type === 'event_bus' && 'type' in config) {
    if ('eventType' in config || 'eventType' in flat)
      throw fail(
        [...path, 'config', 'type'],
        'is the new event’s type, also given as eventType; give it once',
      );
    const { type: eventType, ...rest } = config;
    return flattenTarget({ ...flat, config: { ...rest, eventType } }, path, fail);
  }
  for (const k of Object.keys(config)) {
    if (k in flat) throw fail([...path, 'config', k], `is also given outside config; give it once`);
  }
  return { ...flat, ...config };
}

function sourceOf(raw: Obj, secretFieldOf: SecretFieldOf, secretOptionsOf: SecretOptionsOf): Split {
  const { secret, ...compared } = raw;
  const secrets: Obj = secret === undefined ? {} : { secret };
  const options = raw.options;
  if (isObj(options) && typeof raw.provider === 'string') {
    // Secret options are compared without their values (never returned) and re-sent, with the rest, on rotation.
    const names = secretOptionsOf(raw.provider).filter((n) => options[n] !== undefined);
    if (names.length > 0) {
      compared.options = Object.fromEntries(Object.entries(options).filter(([k]) => !names.includes(k)));
      secrets.options = options;
    }
  }
  if (isObj(raw.verifier) && typeof raw.verifier.type === 'string') {
    const field = secretFieldOf(raw.verifier.type);
    if (field !== null && raw.verifier[field] !== undefined) {
      const { [field]: verifierSecret, ...verifier } = raw.verifier;
      compared.verifier = verifier;
      secrets.secret ??= verifierSecret;
    }
  }
  return { body: raw, compared, secrets };
}

/**
 * Endpoints take their signing secrets as `secrets: [whsec_…]`; a single `secret:` is accepted as the one-element
 * list. Auth is compared without its credentials, secret headers by their names and plain headers named like
 * credentials with their values masked, as the server never returns those values.
 */
function endpointOf(raw: Obj, path: Path, fail: Fail): Split {
  const { secret, secrets: secretList, ...compared } = raw;
  if (secret !== undefined && secretList !== undefined)
    throw fail([...path, 'secret'], 'give secret or secrets, not both');
  const list = secret === undefined ? secretList : [secret];
  const body: Obj = list === undefined ? { ...compared } : { ...compared, secrets: list };
  const secrets: Obj = list === undefined ? {} : { secrets: list };
  if (isObj(raw.auth)) {
    compared.auth = Object.fromEntries(
      Object.entries(raw.auth).filter(([k]) => !AUTH_CREDENTIALS.includes(k)),
    );
    secrets.auth = raw.auth;
  }
  if (isObj(raw.headers) && Object.keys(raw.headers).some(isCredentialHeader)) {
    // A plain header named like a credential (x-api-key) is shown masked by the server, as it is compared here; its
    // value is sent on create, with any other change of the headers, and with --rotate-secrets.
    compared.headers = Object.fromEntries(
      Object.entries(raw.headers).map(([name, value]) => [name, isCredentialHeader(name) ? REDACTED : value]),
    );
    secrets.headers = raw.headers;
  }
  if (isObj(raw.secretHeaders)) {
    // The server shows the names (lower-case, as it stores them) with masked values: those are what is compared.
    compared.secretHeaders = Object.fromEntries(
      Object.keys(raw.secretHeaders).map((name) => [name.toLowerCase(), REDACTED]),
    );
    secrets.secretHeaders = raw.secretHeaders;
  }
  return { body, compared, secrets };
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
