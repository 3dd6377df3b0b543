// `eventhook export`: an org's sources, endpoints, rules and grants as an apply file — what `apply` needs to make
// another server (or this one, later) the same. Only what was set is written: server-made fields (ids, times,
// health, ingest URLs) and empty values are left out. Secrets cannot be read back, so each one is a `${NAME}`
// reference for apply to take from the environment, listed at the top of the file; a string of the org's own that
// looks like a reference is escaped (`$${…}`) so that apply keeps it as it is.
import { stringify } from 'yaml';
import { REDACTED } from '../../core/envelope.js';
import { SETTINGS_FIELDS } from '../../ingest/source-settings.js';
import { AUTH_CREDENTIAL, isObj, SINGULAR, type ApplyKind } from './desired.js';

type Obj = Record<string, unknown>;

/** The org's objects as its list routes return them (GET /sources, /endpoints, /rules, /grants). */
export interface CurrentState {
  readonly sources: readonly Obj[];
  readonly endpoints: readonly Obj[];
  readonly rules: readonly Obj[];
  readonly grants: readonly Obj[];
}

/** An environment variable the file refers to, and what it stands for. */
export interface ExportVariable {
  readonly name: string;
  readonly what: string;
}

export interface Exported {
  /** The apply file's content: `org` and one section per kind, in apply's order. */
  readonly file: Obj;
  readonly variables: readonly ExportVariable[];
}

/** Endpoint settings written when set (not null, not empty). */
const ENDPOINT_SETTINGS = [
  'description',
  'headers',
  'headerStyle',
  'timeoutMs',
  'rateLimit',
  'maxConcurrency',
  'ordering',
  'orderingKey',
  'retry',
] as const;

export function exportState(org: string, current: CurrentState): Exported {
  const variables: ExportVariable[] = [];
  const used = new Set<string>();
  /** A `${NAME}` reference to a new variable, named after what it is (`SOURCE_GITHUB_SECRET`). */
  const reference = (parts: readonly string[], what: string): string => {
    const base = parts.map((p) => p.toUpperCase().replace(/[^A-Z0-9]+/g, '_')).join('_');
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}_${n}`;
    used.add(name);
    variables.push({ name, what });
    return `\${${name}}`;
  };

  const sources = current.sources.map((s) => {
    const slug = String(s.slug);
    const custom = s.provider === null || s.provider === 'custom';
    const out: Obj = { slug };
    if (s.name !== slug) out.name = s.name;
    if (s.description) out.description = s.description;
    if (s.enabled === false) out.enabled = false;
    if (custom) out.verifier = s.verifier;
    else out.provider = s.provider;
    if (Array.isArray(s.secrets) && s.secrets.length > 0)
      out.secret = reference(['source', slug, 'secret'], `source ${slug}: its secret`);
    for (const key of SETTINGS_FIELDS) if (isSet(s[key])) out[key] = s[key];
    const secretOptions = Array.isArray(s.secretOptions) ? s.secretOptions.map(String) : [];
    if (secretOptions.length > 0) {
      const options = { ...(isObj(out.options) ? out.options : {}) };
      for (const name of secretOptions)
        options[name] = reference(['source', slug, name], `source ${slug}: its ${name} option`);
      out.options = options;
    }
    return out;
  });

  const endpoints = current.endpoints.map((e) => {
    const slug = String(e.slug);
    const out: Obj = { slug, url: e.url };
    for (const key of ENDPOINT_SETTINGS) if (isSet(e[key]) && !isDefault(key, e)) out[key] = e[key];
    if (isObj(out.headers)) {
      // A plain header named like a credential comes back masked: its value is asked for, as a secret's is.
      out.headers = Object.fromEntries(
        Object.entries(out.headers).map(([name, value]) => [
          name,
          value === REDACTED
            ? reference(
                ['endpoint', slug, 'header', name],
                `endpoint ${slug}: its header ${name} (better kept in secretHeaders)`,
              )
            : value,
        ]),
      );
    }
    if (isObj(e.auth) && e.auth.type !== 'none') {
      const credential = AUTH_CREDENTIAL[String(e.auth.type)];
      out.auth = credential
        ? {
            ...e.auth,
            [credential]: reference(
              ['endpoint', slug, 'auth', credential],
              `endpoint ${slug}: its ${String(e.auth.type)} auth ${credential}`,
            ),
          }
        : e.auth;
    }
    const secretHeaders = isObj(e.secretHeaders) ? Object.keys(e.secretHeaders) : [];
    if (secretHeaders.length > 0) {
      out.secretHeaders = Object.fromEntries(
        secretHeaders.map((name) => [
          name,
          reference(['endpoint', slug, 'header', name], `endpoint ${slug}: its secret header ${name}`),
        ]),
      );
    }
    if (Array.isArray(e.secrets) && e.secrets.length > 0) {
      // The newest secret's kind (rotation appends): what the endpoint's receivers are moving to.
      const newest: unknown = e.secrets[e.secrets.length - 1];
      const kind = isObj(newest) && newest.kind === 'ed25519' ? 'whsk_…, Ed25519' : 'whsec_…';
      out.secrets = [
        reference(['endpoint', slug, 'secret'], `endpoint ${slug}: its signing secret (${kind})`),
      ];
    }
    // Paused by an operator, or disabled after failing: kept, so applying does not resume deliveries by itself.
    if (e.status !== 'active') out.status = e.status;
    return out;
  });

  const rules = current.rules.map((r) => {
    const out: Obj = { name: r.name };
    if (r.description) out.description = r.description;
    if (r.enabled === false) out.enabled = false;
    out.pattern = r.pattern;
    if (isSet(r.filter)) out.filter = r.filter;
    out.targets = r.targets;
    return out;
  });

  const grants = current.grants.map((g) => ({
    from: g.fromOrg,
    ...(Array.isArray(g.eventTypes) ? { types: g.eventTypes } : {}),
    ...(g.description ? { description: g.description } : {}),
  }));

  // Escaped before the references are added: those are the only ones apply should resolve.
  const escape = escapeReferencesExcept(variables);
  const sections: Record<ApplyKind, Obj[]> = {
    sources: sources.map(escape),
    endpoints: endpoints.map(escape),
    rules: rules.map(escape),
    grants: grants.map(escape),
  };
  return { file: { org, ...sections }, variables };
}

/** The file as YAML, the variables to set listed in a comment on top. */
export function renderExport(exported: Exported, org: string): string {
  const counts = (['sources', 'endpoints', 'rules', 'grants'] as const)
    .map((k) => {
      const n = (exported.file[k] as unknown[]).length;
      return `${n} ${n === 1 ? SINGULAR[k] : k}`;
    })
    .join(', ');
  const width = Math.max(0, ...exported.variables.map((v) => v.name.length));
  const header = [
    `Org ${org}, written by \`eventhook export\`: ${counts}.`,
    'Make a server match it with `eventhook apply -f <this file>` (add --dry-run to see the changes first).',
    ...(exported.variables.length === 0
      ? []
      : [
          'Secrets cannot be read back from the server. Set these environment variables before applying:',
          ...exported.variables.map((v) => `  ${v.name.padEnd(width)}  ${v.what}`),
        ]),
  ];
  return `${header.map((l) => `# ${l}`).join('\n')}\n${stringify(exported.file, { lineWidth: 0 })}`;
}

/** Escapes `${NAME}` in every string (apply would resolve it), leaving the file's own references alone. */
function escapeReferencesExcept(variables: readonly ExportVariable[]) {
  const ours = new Set(variables.map((v) => `\${${v.name}}`));
  const escape = (value: unknown): unknown => {
    if (typeof value === 'string')
      return ours.has(value) ? value : value.replace(/\$(?=\{[A-Z_][A-Z0-9_]*(?::-[^}]*)?\})/g, '$$$$');
    if (Array.isArray(value)) return value.map(escape);
    if (isObj(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escape(v)]));
    return value;
  };
  return (item: Obj) => escape(item) as Obj;
}

/** A value worth writing: not null or undefined, not an empty string, list or mapping. */
function isSet(v: unknown): boolean {
  if (v === null || v === undefined || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObj(v)) return Object.keys(v).length > 0;
  return true;
}

/** Endpoint settings whose value is what the server assumes when none is given. */
function isDefault(key: (typeof ENDPOINT_SETTINGS)[number], e: Obj): boolean {
  // The deployment's timeout, shown where the endpoint sets none: written down, it would stop following the default.
  if (key === 'timeoutMs') return e.timeoutDefault === true;
  return (key === 'ordering' && e[key] === 'none') || (key === 'headerStyle' && e[key] === 'webhook');
}
