// Pattern parsing and validation: walks a pattern as written and produces its branches (CompiledPattern). Nested
// objects and dotted keys flatten to the same field path; `$or` forks the branches, as event-ruler's
// JsonRuleCompiler does, including its rule that a field given twice on one branch keeps the last value list.
import { parseValueList } from './match-expression.js';
import { indexPath, invalidPattern, isObject, keyPath } from './pattern-error.js';
import type { Branch, CompiledPattern, Condition, ValuePattern } from './pattern-types.js';
import { MAX_COMBINATIONS } from './pattern-types.js';

/** Field path → value list, for one branch under construction. */
type BranchFields = Map<string, ValuePattern[]>;

// Words event-ruler reserves inside `$or`, so `{"$or": [{"numeric": …}]}` is an error rather than a field.
const RESERVED_IN_OR: ReadonlySet<string> = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

/** Validates and parses a pattern; throws EH_PATTERN_INVALID with the path and reason of the first problem. */
export function parsePattern(pattern: unknown): CompiledPattern {
  if (!isObject(pattern)) return invalidPattern('', 'Filter is not an object');
  const branches: BranchFields[] = [];
  parseObject(branches, '', pattern, '', false);
  return { branches: expandAbsence(branches) };
}

function parseObject(
  branches: BranchFields[],
  fieldPrefix: string,
  obj: Record<string, unknown>,
  at: string,
  insideOr: boolean,
): void {
  const keys = Object.keys(obj);
  if (keys.length === 0) invalidPattern(at, 'Empty objects are not allowed');
  for (const key of keys) {
    const keyAt = keyPath(at, key);
    const value = obj[key];
    if (key === '$or') {
      parseOr(branches, fieldPrefix, value, keyAt);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) {
      invalidPattern(keyAt, `${key} is a reserved field name which cannot be used inside $or.`);
    }
    const field = fieldPrefix === '' ? key : `${fieldPrefix}.${key}`;
    if (isObject(value)) {
      parseObject(branches, field, value, keyAt, insideOr);
    } else if (Array.isArray(value)) {
      const patterns = parseValueList(value, keyAt);
      if (branches.length === 0) branches.push(new Map());
      for (const b of branches) b.set(field, patterns);
    } else {
      invalidPattern(keyAt, `"${key}" must be an object or an array`);
    }
  }
}

/** Every branch so far is copied once per `$or` alternative, which is then parsed into its copies. */
function parseOr(branches: BranchFields[], fieldPrefix: string, value: unknown, at: string): void {
  if (!Array.isArray(value)) return invalidPattern(at, 'It must be an Array followed with $or.');
  const before = branches.map((b) => new Map(b));
  branches.length = 0;
  value.forEach((alternative, i) => {
    const altAt = indexPath(at, i);
    if (!isObject(alternative))
      invalidPattern(altAt, 'Only JSON object is allowed in array of $or relationship.');
    const forked = before.length === 0 ? [new Map()] : before.map((b) => new Map(b));
    parseObject(forked, fieldPrefix, alternative, altAt, true);
    branches.push(...forked);
    if (branches.length > MAX_COMBINATIONS) {
      invalidPattern(at, `Too many $or combinations: the pattern expands to more than ${MAX_COMBINATIONS}`);
    }
  });
  if (value.length < 2) invalidPattern(at, 'There must have at least 2 Objects in $or relationship.');
}

/**
 * Turns field maps into branches. A value list that mixes `{"exists": false}` with other values means "absent, or
 * one of these", so it forks the branch in two; absence is then checked after all positive conditions hold.
 */
function expandAbsence(fieldMaps: readonly BranchFields[]): Branch[] {
  const out: Branch[] = [];
  for (const fields of fieldMaps) {
    let partial: { conditions: Condition[]; absent: string[] }[] = [{ conditions: [], absent: [] }];
    for (const [path, patterns] of fields) {
      const present = patterns.filter((p) => p.kind !== 'absent');
      const absentToo = present.length < patterns.length;
      if (!absentToo) {
        for (const b of partial) b.conditions.push({ path, patterns: present });
        continue;
      }
      if (present.length === 0) {
        for (const b of partial) b.absent.push(path);
        continue;
      }
      partial = partial.flatMap((b) => [
        { conditions: [...b.conditions, { path, patterns: present }], absent: b.absent },
        { conditions: b.conditions, absent: [...b.absent, path] },
      ]);
      if (out.length + partial.length > MAX_COMBINATIONS) {
        invalidPattern(
          path,
          `Too many combinations: exists:false alternatives expand the pattern to more than ${MAX_COMBINATIONS}`,
        );
      }
    }
    out.push(...partial);
  }
  return out;
}
