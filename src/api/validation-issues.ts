// Ajv's validation errors as the FieldIssues a problem lists: one per offending field, located by JSON Pointer in
// the part of the request it is in, worded for the caller. Ajv reports every alternative of a union (`anyOf`,
// nullable fields) and keywords rather than fields (`required` at the parent); this picks the alternative the value
// was meant for, moves each issue to its field, names allowed values, and drops repeats.
import { unknownFieldMessage } from '../core/nearest-name.js';
import { pointerToken, type FieldIssue, type RequestPart } from '../core/errors.js';

/** An Ajv error as Fastify hands it over (the server's Ajv runs with `verbose`, so the schema comes along). */
export interface SchemaError {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  message?: string;
  parentSchema?: unknown;
  /** Set on the errors of a `propertyNames` schema: the name it refused. */
  propertyName?: string;
}

/** Fastify's names for the parts of a request, as OpenAPI (and FieldIssue) name them. */
export const REQUEST_PARTS: Record<string, RequestPart> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

export function issuesOf(errors: readonly SchemaError[], part: RequestPart): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  for (const e of resolveUnions(errors)) {
    // A property name's own failure (under propertyNames) is said by the propertyNames error that follows it.
    if (e.propertyName !== undefined) continue;
    const { path, message } = located(e);
    const key = `${path}\n${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(part === 'body' ? { path, message } : { in: part, path, message });
  }
  return issues;
}

// Keywords by which an alternative refuses a value outright: it was not the alternative meant.
const REFUSALS = new Set(['type', 'const', 'enum']);

/**
 * Replaces each failed union (innermost first) by what its likeliest alternative says: one the value's type fits
 * (`{"retry": {"schedule": []}}` is about the schedule, not "must be null"); when none fits, one issue naming them
 * all ("must be object or null").
 */
function resolveUnions(errors: readonly SchemaError[]): SchemaError[] {
  let list = [...errors];
  const unions = list
    .filter((e) => (e.keyword === 'anyOf' || e.keyword === 'oneOf') && !e.params.passingSchemas)
    .sort((a, b) => b.schemaPath.length - a.schemaPath.length);
  for (const union of unions) {
    const prefix = `${union.schemaPath}/`;
    const branches = new Map<string, SchemaError[]>();
    for (const e of list) {
      if (!e.schemaPath.startsWith(prefix)) continue;
      const branch = e.schemaPath.slice(prefix.length).split('/')[0]!;
      branches.set(branch, [...(branches.get(branch) ?? []), e]);
    }
    const refused = (errs: SchemaError[]) =>
      errs.some((e) => e.instancePath === union.instancePath && REFUSALS.has(e.keyword));
    const fitting = [...branches.values()].filter((errs) => !refused(errs));
    const replacement =
      fitting.length > 0
        ? likeliest(fitting)
        : [{ ...union, keyword: 'union', message: `must be ${alternatives([...branches.values()])}` }];
    // In the place of the union's first error (everything before it is kept, so the index holds).
    const at = list.findIndex((e) => e === union || e.schemaPath.startsWith(prefix));
    const rest = list.filter((e) => e !== union && !e.schemaPath.startsWith(prefix));
    list = [...rest.slice(0, at), ...replacement, ...rest.slice(at)];
  }
  return list;
}

/** The alternative whose complaints reach deepest into the value, then the one with fewest. */
function likeliest(branches: SchemaError[][]): SchemaError[] {
  const depth = (errs: SchemaError[]) => Math.max(...errs.map((e) => e.instancePath.split('/').length));
  return branches.reduce((best, errs) =>
    depth(errs) > depth(best) || (depth(errs) === depth(best) && errs.length < best.length) ? errs : best,
  );
}

/** What each refusing alternative wanted: `object or null`, `string or array`, `one of a, b`. */
function alternatives(branches: SchemaError[][]): string {
  const wanted = new Set<string>();
  for (const errs of branches) {
    for (const e of errs) {
      if (e.keyword === 'type') for (const t of String(e.params.type).split(',')) wanted.add(t);
      else if (e.keyword === 'const') wanted.add(show(e.params.allowedValue));
      else if (e.keyword === 'enum') for (const v of e.params.allowedValues as unknown[]) wanted.add(show(v));
    }
  }
  return wanted.size > 0 ? [...wanted].join(' or ') : 'one of the documented forms';
}

/** Where an error belongs and what to say there. */
function located(e: SchemaError): { path: string; message: string } {
  const at = e.instancePath;
  const p = e.params;
  switch (e.keyword) {
    case 'required':
      return { path: `${at}/${pointerToken(String(p.missingProperty))}`, message: 'is required' };
    case 'additionalProperties': {
      const name = String(p.additionalProperty);
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return { path: `${at}/${pointerToken(name)}`, message: unknownFieldMessage(name, known) };
    }
    case 'propertyNames': {
      // The names a body may use beyond its known fields (CloudEvents extension attributes), said as the schema does.
      const rule = (e.parentSchema as { propertyNames?: { description?: string } } | undefined)
        ?.propertyNames;
      return {
        path: `${at}/${pointerToken(String(p.propertyName))}`,
        message: `is not a known field${rule?.description ? ` (${rule.description})` : ''}`,
      };
    }
    case 'enum':
      return { path: at, message: `must be one of ${(p.allowedValues as unknown[]).map(show).join(', ')}` };
    case 'const':
      return { path: at, message: `must be ${show(p.allowedValue)}` };
    case 'minProperties':
      return {
        path: at,
        message: `must have at least ${Number(p.limit) === 1 ? 'one field' : `${String(p.limit)} fields`}`,
      };
    case 'discriminator': {
      const tag = String(p.tag);
      const path = `${at}/${pointerToken(tag)}`;
      if (p.error !== 'mapping')
        return { path, message: p.tagValue === undefined ? 'is required' : 'must be string' };
      return { path, message: `must be one of ${tagValues(e.parentSchema, tag).join(', ')}` };
    }
    default:
      return { path: at, message: e.message ?? 'is invalid' };
  }
}

/** The values a discriminated union's tag may take, from each alternative's `const` (or `enum`). */
function tagValues(parent: unknown, tag: string): string[] {
  const members = ((parent as { oneOf?: unknown[] } | undefined)?.oneOf ?? []) as {
    properties?: Record<string, { const?: unknown; enum?: unknown[] }>;
  }[];
  return members.flatMap((m) => {
    const s = m.properties?.[tag];
    return s?.const !== undefined ? [show(s.const)] : (s?.enum ?? []).map(show);
  });
}

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
