// Schemas shared by several routes: problems, pagination, slugs and ids. Route-specific shapes live beside their
// routes (STYLE §10).
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { EventhookError } from '../core/errors.js';
import { ID_PREFIXES, isId, SLUG_PATTERN, type IdKind } from '../core/ids.js';
import type { FieldAt } from '../events/filter-refs.js';

export const Slug = Type.String({
  pattern: SLUG_PATTERN,
  description: 'Lower-case letters, digits and inner hyphens, 1–63 characters.',
});

export const OrgParams = Type.Object({ org: Type.String({ description: 'The org slug.' }) });
export type OrgParams = Static<typeof OrgParams>;

export const ProblemOut = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'A stable EH_… code from docs/errors.md.' }),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          in: Type.Optional(
            StringEnum(['query', 'path', 'header'] as const, {
              description: 'The part of the request the field is in, when it is not the body.',
            }),
          ),
          path: Type.String({
            description:
              'JSON Pointer (RFC 6901) to the field within that part: /targets/0/kind, or "" for the whole body.',
          }),
          message: Type.String(),
        }),
        { description: 'One entry per offending field.' },
      ),
    ),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details.' },
);

export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(
    Type.String({
      description:
        'The nextCursor of the previous page of this list; any other (another list’s, another org’s, made up) is refused with 400 EH_CURSOR_INVALID.',
    }),
  ),
});

export function PageOf<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` for the next page; null on the last.',
    }),
  });
}

/**
 * The query of a configuration list (sources, rules, endpoints, orgs, keys). Unlike events and actions, such a
 * list is short and read whole, so without `limit` it comes whole, as clients written before it paged expect.
 */
export const ListPageQuery = Type.Object({
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 200, description: 'Page size; without it, the whole list.' }),
  ),
  cursor: PageQuery.properties.cursor,
});

/** The query of a list of things deleted softly (sources, rules, endpoints). */
export const DeletableListQuery = Type.Object({
  includeDeleted: Type.Optional(Type.Boolean()),
  ...ListPageQuery.properties,
});

/** Which list a cursor belongs to: the kind of id it names (an org slug for the orgs), and the org it lists. */
export interface CursorScope {
  kind: IdKind | 'slug';
  /** The org whose list it is; none for the list of orgs. */
  org?: string;
}

/**
 * One page of a list read whole, ordered by `keyOf` (an id of `scope.kind`, or an org's slug). The cursor names the
 * last key seen, so a page after an item deleted meanwhile starts at the next key; one that is not of this list
 * (another list's, another org's, or made up) is refused rather than answered with a page from nowhere.
 */
export function pageOfList<T, Out>(
  all: readonly T[],
  keyOf: (item: T) => string,
  q: { limit?: number; cursor?: string },
  out: (item: T) => Out,
  scope: CursorScope,
): { items: Out[]; nextCursor: string | null } {
  const after = q.cursor === undefined ? undefined : cursorKey(q.cursor, scope);
  const keyed = all.map((item) => ({ key: keyOf(item), item })).sort((a, b) => compare(a.key, b.key));
  const rest = after === undefined ? keyed : keyed.filter((k) => compare(k.key, after) > 0);
  const page = q.limit === undefined ? rest : rest.slice(0, q.limit);
  const more = page.length < rest.length;
  return {
    items: page.map((k) => out(k.item)),
    nextCursor: more ? encodeCursor(page.at(-1)!.key, scope.org) : null,
  };
}

// Code-unit order, the same whatever the database's collation.
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Problems every authenticated route may answer. */
export const AUTH_PROBLEMS = {
  401: Type.Ref('Problem'),
  403: Type.Ref('Problem'),
  404: Type.Ref('Problem'),
} as const;

export const JsonAny = Type.Unknown({ description: 'Any JSON value.' });

export const Timestamp = Type.String({ format: 'date-time' });

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

/**
 * Where a filter field of a list, bulk replay or bulk retry is in the request, for a message located at it: in the
 * query of a list (`?rule=`), under `filter` in the body of a bulk replay or retry.
 */
export function fieldAt(where: 'query' | 'body', field: string): FieldAt {
  return where === 'query' ? { in: 'query', path: `/${field}` } : { path: `/filter/${field}` };
}

/**
 * Cursors are opaque to clients: the base64url of the org and the last key seen (`acme/evt_…`), or of the key alone
 * for the list of orgs. Cursors of the key alone, which every list gave before, are still taken.
 */
export function encodeCursor(key: string | null, org: string | undefined): string | null {
  return key === null
    ? null
    : Buffer.from(org === undefined ? key : `${org}/${key}`, 'utf8').toString('base64url');
}

/** The id a cursor of a list of `kind` names (the last one seen); a cursor of another list or a made-up one is a 400. */
export function decodeCursor(cursor: string | undefined, kind: IdKind, org: string): string | undefined {
  return cursor === undefined ? undefined : cursorKey(cursor, { kind, org });
}

const SLUG = new RegExp(SLUG_PATTERN);

function cursorKey(cursor: string, scope: CursorScope): string {
  const text = /^[\w-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const slash = text.indexOf('/');
  const org = slash < 0 ? undefined : text.slice(0, slash);
  const key = slash < 0 ? text : text.slice(slash + 1);
  const { kind } = scope;
  const ofKind = kind === 'slug' ? SLUG.test(key) : isId(kind, key);
  const reason = !ofKind
    ? `is not a cursor of this list (it names ${kind === 'slug' ? 'an org slug' : `an id ${ID_PREFIXES[kind]}_…`})`
    : org !== undefined && org !== scope.org
      ? 'is a cursor of this list of another org'
      : undefined;
  if (reason === undefined) return key;
  throw new EventhookError(
    'EH_CURSOR_INVALID',
    {},
    {
      issues: [
        {
          in: 'query',
          path: '/cursor',
          message: `${reason}: pass the nextCursor this list answered`,
        },
      ],
    },
  );
}

/** A string enum as `{type: 'string', enum: [...]}` (readable in OpenAPI), typed as the union of its values. */
export function StringEnum<T extends string>(
  values: readonly T[],
  options: { description?: string; default?: T } = {},
) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });
}
