// The checks the server makes when a rule or source is saved, made on the file before anything is sent and with the
// server's own validators (src/targets, src/transform, src/ingest), so that `--dry-run` shows what a real apply would
// be refused for, with the file's line: a target's fields (a typo such as `kindd`), JMESPath, input transforms,
// filters, a source's provider and settings, and each entry's top-level fields (by the API's request schemas).
import type { TObject, TSchema } from '@sinclair/typebox';
import type { FieldIssue } from '../../core/errors.js';
import { unknownFieldMessage } from '../../core/nearest-name.js';
import { CliError } from '../cli-error.js';
import { fileFieldPath } from './field-location.js';
import type { Path } from './load-file.js';

type Obj = Record<string, unknown>;

/** An entry of the file as it will be sent (`body`: targets flattened), with the file's own text and path. */
export interface CheckedEntry {
  readonly raw: Obj;
  readonly body: Obj;
  readonly path: Path;
}

/** `file:line path` of a path in the file. */
export type Locate = (path: Path) => string;

export async function checkRules(rules: readonly CheckedEntry[], locate: Locate): Promise<void> {
  if (rules.length === 0) return;
  const { EventhookError } = await import('../../core/errors.js');
  const { TARGET_SCHEMAS } = await import('../../targets/target-schema.js');
  const { validateTargets } = await import('../../targets/validate-targets.js');
  const transform = await import('../../transform/index.js');
  if (rules.some(usesJavaScript)) await transform.initSandbox();
  const schemaOf = (type: unknown) => TARGET_SCHEMAS.find((s) => s.properties.type.const === type);

  for (const { raw, body, path } of rules) {
    // As sent: the server takes values as they are, and apply has already made a `${VAR}` a number where a target's
    // field takes one (typed-values.ts).
    const targets = body.targets as unknown[];
    try {
      if (typeof body.filter === 'string') transform.compileFilter(body.filter, '/filter').dispose?.();
      validateTargets(targets, '/targets');
    } catch (err) {
      if (!(err instanceof EventhookError)) throw err;
      const issues = (err.issues ?? [{ path: '', message: err.message }]).map((issue) =>
        clearer(issue, targets, schemaOf),
      );
      throw issuesError(issues, raw, path, locate);
    }
  }
}

export async function checkSources(sources: readonly CheckedEntry[], locate: Locate): Promise<void> {
  if (sources.length === 0) return;
  const { Value } = await import('@sinclair/typebox/value');
  const { SETTINGS_FIELDS, SourceSettingsSchema } = await import('../../ingest/source-settings.js');
  const named = sources.some((s) => typeof s.raw.provider === 'string');
  const providers = named ? await import('../../ingest/providers/index.js') : undefined;
  const { CUSTOM_PROVIDER } = named
    ? await import('../../ingest/source-service.js')
    : { CUSTOM_PROVIDER: '' };

  for (const { raw, body, path } of sources) {
    const provider = raw.provider;
    if (typeof provider === 'string' && provider !== CUSTOM_PROVIDER && !providers!.getProvider(provider)) {
      throw new CliError(
        `${locate([...path, 'provider'])}: unknown provider "${provider}" (\`eventhook list providers\` lists them)`,
      );
    }
    // As sent (typed-values.ts made a `${VAR}` a number where a setting takes one).
    const settings = Object.fromEntries(SETTINGS_FIELDS.filter((f) => f in body).map((f) => [f, body[f]]));
    const issues = [...Value.Errors(SourceSettingsSchema, settings)].map((e) => {
      const fields = (e.schema as { properties?: Obj }).properties;
      if (e.message !== 'Unexpected property' || !fields) return clearer(e);
      const parent = e.path.split('/').at(-2);
      return { path: e.path, message: `is not a field of ${parent} (${Object.keys(fields).join(', ')})` };
    });
    if (issues.length > 0) throw issuesError(issues, raw, path, locate);
  }
}

/**
 * A field the API does not know at the top of an entry (`descripton:`), or a rule's or source's field given a value
 * its request schema refuses (`enabled: "yes"`, a slug with a space, `provider: 42`), refused before anything is
 * sent, as the server would refuse it, so that `--dry-run` catches it too. Patterns, targets, filters and a source's
 * settings have their own checks (checkRules, checkSources).
 */
export async function checkKnownFields(
  kind: 'rules' | 'sources' | 'endpoints',
  entries: readonly CheckedEntry[],
  locate: Locate,
): Promise<void> {
  if (entries.length === 0) return;
  const schema =
    kind === 'rules'
      ? (await import('../../api/routes/rules.js')).RuleIn
      : kind === 'sources'
        ? (await import('../../api/routes/sources.js')).SourceIn
        : (await import('../../api/routes/endpoints.js')).EndpointIn;
  const { Value } = await import('@sinclair/typebox/value');
  const { ValueErrorType } = await import('@sinclair/typebox/errors');
  const { SETTINGS_FIELDS } = await import('../../ingest/source-settings.js');
  const checkedElsewhere = new Set<string>(['pattern', 'targets', 'filter', 'verifier', ...SETTINGS_FIELDS]);
  const fields = schema.properties as Record<string, TSchema>;
  const known = Object.keys(fields);
  for (const { raw, body, path } of entries) {
    const issues: FieldIssue[] = [];
    for (const [name, value] of Object.entries(body)) {
      if (!known.includes(name)) {
        issues.push({ path: `/${name}`, message: unknownFieldMessage(name, known) });
        continue;
      }
      // An endpoint's values are the server's to check (docs/cli.md), with its words in the refusal.
      if (kind === 'endpoints' || checkedElsewhere.has(name)) continue;
      // The server's Ajv knows formats (a URL, a time) this check does not: those are left to it.
      const error = [...Value.Errors(fields[name]!, value)].find(
        (e) => e.type !== ValueErrorType.StringFormatUnknown && e.type !== ValueErrorType.StringFormat,
      );
      if (error) issues.push({ path: `/${name}${error.path}`, message: error.message });
    }
    if (issues.length > 0) throw issuesError(issues, raw, path, locate);
  }
}

/** The first issue as the message, every other below it, each at its line; one per field. */
function issuesError(issues: readonly FieldIssue[], raw: Obj, path: Path, locate: Locate): CliError {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const issue of issues) {
    if (seen.has(issue.path)) continue; // a missing field is also "not a string": its first reason is enough
    seen.add(issue.path);
    lines.push(`${locate(fileFieldPath(raw, path, issue.path))}: ${issue.message}`);
  }
  return new CliError(lines[0]!, lines.slice(1));
}

/**
 * The schema's words for a field that is missing or unknown, said as the rest of apply says them; an unknown field of
 * a target lists the fields its type takes, the likely fix of a typo.
 */
function clearer(
  issue: FieldIssue,
  targets: readonly unknown[] = [],
  schemaOf?: (type: unknown) => TObject | undefined,
): FieldIssue {
  if (issue.message === 'Expected required property') return { path: issue.path, message: 'is required' };
  const m = /^\/targets\/(\d+)\/[^/]+$/.exec(issue.path);
  // validateTargets words an unknown field as the API does (src/core/schema-issues.ts).
  if (!m || !schemaOf || !issue.message.startsWith('is not a known field')) return issue;
  const type = (targets[Number(m[1])] as Obj).type;
  const fields = Object.keys(schemaOf(type)!.properties);
  return { path: issue.path, message: `is not a field of ${type} targets (${fields.join(', ')})` };
}

/** Whether a rule needs the JavaScript sandbox to be checked: a filter, or a target input written in JavaScript. */
function usesJavaScript({ body }: CheckedEntry): boolean {
  const scripted = (t: unknown) => {
    const input = (t as Obj).input;
    return typeof input === 'object' && input !== null && 'javascript' in input;
  };
  return typeof body.filter === 'string' || (body.targets as unknown[]).some(scripted);
}
