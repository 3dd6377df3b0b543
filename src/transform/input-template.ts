// EventBridge input transformers: `paths` name values picked out of the envelope, `template` places them
// (`<name>` in quotes inserts text, outside quotes inserts the JSON value). Compiled once, applied per event.
import type { Envelope, JsonValue } from '../core/envelope.js';
import { EventhookError, pointerToken } from '../core/errors.js';
import { evaluateJsonPath, parseJsonPath } from './json-path.js';
import { MAX_RESULT_CHARS, RESULT_TOO_LARGE } from './jmespath.js';

/** EventBridge's limit on InputPathsMap entries. */
export const MAX_TEMPLATE_VARIABLES = 100;
/** Longer than EventBridge's 8,192 characters: webhook bodies are often bigger than Lambda payload stubs. */
export const MAX_TEMPLATE_LENGTH = 65_536;

const VARIABLE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
const RESERVED_PREFIXES = ['aws.', 'eventhook.'];

type Resolve = (envelope: Envelope) => JsonValue | undefined;

/**
 * Predefined variables. `valueOnly` ones insert a whole JSON document and, as in EventBridge, may only stand
 * as a JSON value (outside quotes). `eventhook.event.json` is the envelope as text, so it works anywhere.
 */
const RESERVED: Readonly<Record<string, { resolve: Resolve; valueOnly: boolean }>> = {
  'eventhook.event': { resolve: (e) => e as unknown as JsonValue, valueOnly: true },
  'eventhook.event.json': { resolve: (e) => JSON.stringify(e), valueOnly: false },
  'aws.events.event': { resolve: withoutData, valueOnly: true },
  'aws.events.event.json': { resolve: (e) => e as unknown as JsonValue, valueOnly: true },
  'aws.events.event.ingestion-time': { resolve: (e) => e.time, valueOnly: false },
};
/** EventBridge variables with no meaning here: a target's input is compiled without the rule's name or ARN. */
const UNSUPPORTED = new Set(['aws.events.rule-name', 'aws.events.rule-arn']);

/** EventBridge's `aws.events.event` is the event without its `detail`; ours is the envelope without `data`. */
function withoutData(envelope: Envelope): JsonValue {
  const { data: _data, ...rest } = envelope;
  return rest as unknown as JsonValue;
}

/** A template split into literal text and placeholders; `slot` indexes the variables the template uses. */
type Part = string | { readonly slot: number; readonly asValue: boolean };

/**
 * A compiled template. `missing` names the `paths` variables that match nothing in `envelope` (they render as
 * `null` or an empty string, as in EventBridge), so the rule tester can warn before that goes live.
 */
export type TemplateFn = ((envelope: Envelope) => JsonValue) & {
  missing(envelope: Envelope): { name: string; path: string }[];
};

/**
 * Compiles an input transformer. `template` is either a string (JSON when it parses as JSON or starts with
 * `{`/`[`, otherwise plain text giving a JSON string) or a JSON value whose strings may hold placeholders (a
 * string that is exactly `<name>` inserts the value with its JSON type). Rejects, with EH_TRANSFORM_INVALID and
 * the offending path: bad variable names or paths, more than 100 variables, placeholders not defined in `paths`,
 * placeholders used as object keys, and templates that are not valid JSON where JSON is required.
 */
export function compileInputTemplate(
  paths: Record<string, string> | undefined,
  template: string | JsonValue,
  path = '/input',
): TemplateFn {
  const { variables, wildcards } = compilePaths(paths, path);
  const templatePath = `${path}/template`;
  const source = typeof template === 'string' ? template : JSON.stringify(template);
  if (source === undefined) throw invalid(templatePath, 'the template must be a string or a JSON value');
  if (source.length > MAX_TEMPLATE_LENGTH) {
    throw invalid(templatePath, `the template is longer than ${MAX_TEMPLATE_LENGTH} characters`);
  }
  const json = typeof template !== 'string' || looksLikeJson(source);
  const { parts, names } = tokenize(source, json, typeof template !== 'string', templatePath);

  const undefinedNames = names.filter((n) => !variables.has(n) && !(n in RESERVED));
  const unsupported = undefinedNames.filter((n) => UNSUPPORTED.has(n));
  if (unsupported.length > 0) {
    throw invalid(
      templatePath,
      `${list(unsupported)} ${unsupported.length > 1 ? 'are' : 'is'} not available in Eventhook`,
    );
  }
  if (undefinedNames.length > 0) {
    const [what, them] = undefinedNames.length > 1 ? ['placeholders', 'them'] : ['placeholder', 'it'];
    throw invalid(templatePath, `undefined ${what} ${list(undefinedNames)}: define ${them} in paths`);
  }
  for (const part of parts) {
    if (typeof part === 'string' || part.asValue) continue;
    const name = names[part.slot]!;
    if (RESERVED[name]?.valueOnly && !variables.has(name)) {
      throw invalid(
        templatePath,
        `<${name}> can only stand as a JSON value, outside quotes (use <eventhook.event.json> for text)`,
      );
    }
  }
  const resolvers = names.map((n) => variables.get(n) ?? RESERVED[n]!.resolve);

  if (json) {
    const probe = parts.map((p) => (typeof p === 'string' ? p : p.asValue ? 'null' : '')).join('');
    try {
      JSON.parse(probe);
    } catch (err) {
      throw invalid(templatePath, `the template is not valid JSON: ${(err as Error).message}`);
    }
  }
  const render = (envelope: Envelope): JsonValue => {
    const values = resolvers.map((resolve) => resolve(envelope));
    let out = '';
    for (const part of parts) {
      if (typeof part === 'string') out += part;
      else if (part.asValue)
        out += values[part.slot] === undefined ? 'null' : JSON.stringify(values[part.slot]);
      else out += json ? JSON.stringify(asText(values[part.slot])).slice(1, -1) : asText(values[part.slot]);
      // Checked as it grows: a 64 KiB template may name one large value thousands of times (13,000 copies of a 1 MB
      // field are 13 GB), which took seconds and then failed with a bare RangeError at V8's longest string.
      if (out.length > MAX_RESULT_CHARS) {
        throw new EventhookError('EH_TRANSFORM_FAILED', { reason: RESULT_TOO_LARGE });
      }
    }
    return json ? (JSON.parse(out) as JsonValue) : out;
  };
  // A path with a wildcard that finds nothing gives [] rather than nothing: it matched nothing all the same.
  const found = (name: string, envelope: Envelope): boolean => {
    const value = variables.get(name)!(envelope);
    return value !== undefined && !(wildcards.has(name) && Array.isArray(value) && value.length === 0);
  };
  const missing = (envelope: Envelope): { name: string; path: string }[] =>
    names
      .filter((n) => variables.has(n) && !found(n, envelope))
      .map((name) => ({ name, path: paths![name]! }));
  return Object.assign(render, { missing });
}

/** Each variable's resolver, and which variables' paths have a wildcard (they resolve to a list). */
function compilePaths(
  paths: Record<string, string> | undefined,
  path: string,
): { variables: Map<string, Resolve>; wildcards: Set<string> } {
  const variables = new Map<string, Resolve>();
  const wildcards = new Set<string>();
  if (paths === undefined) return { variables, wildcards };
  if (paths === null || typeof paths !== 'object' || Array.isArray(paths)) {
    throw invalid(`${path}/paths`, 'paths must be an object of variable name to JSON path');
  }
  const entries = Object.entries(paths);
  if (entries.length > MAX_TEMPLATE_VARIABLES) {
    throw invalid(
      `${path}/paths`,
      `at most ${MAX_TEMPLATE_VARIABLES} variables are allowed, got ${entries.length}`,
    );
  }
  for (const [name, source] of entries) {
    const at = `${path}/paths/${pointerToken(name)}`;
    if (!VARIABLE_NAME.test(name)) {
      throw invalid(at, 'variable names use letters, digits, "_", "-" and "." (at most 64 characters)');
    }
    if (RESERVED_PREFIXES.some((p) => name.toLowerCase().startsWith(p))) {
      throw invalid(
        at,
        `variable names may not start with ${RESERVED_PREFIXES.join(' or ')}: those are reserved`,
      );
    }
    const parsed = parseJsonPath(source);
    if ('error' in parsed) throw invalid(at, parsed.error);
    variables.set(name, (envelope) => evaluateJsonPath(parsed, envelope));
    if ('wildcard' in parsed && parsed.wildcard) wildcards.add(name);
  }
  return { variables, wildcards };
}

/** Text inserted inside a string: EventBridge drops the quotes of objects and arrays so the string stays valid. */
function asText(value: JsonValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map((v) => asText(v)).join(',')}]`;
  // An object or array loses the quotes JSON puts around its keys and strings, as EventBridge's text does; the
  // strings themselves stay as written (quotes, backslashes, newlines), as a string inserted alone does.
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}:${asText(v)}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** A string template is JSON when it starts like a JSON document or parses as one once placeholders are filled. */
function looksLikeJson(source: string): boolean {
  const trimmed = source.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return true;
  const { parts } = tokenize(source, true, false, '');
  try {
    JSON.parse(parts.map((p) => (typeof p === 'string' ? p : p.asValue ? 'null' : '')).join(''));
    return true;
  } catch {
    return false;
  }
}

const PLACEHOLDER = /<([A-Za-z0-9_.-]+)>/y;

/**
 * Splits the template into literal text and placeholders, noting for each placeholder whether it sits inside a
 * JSON string. With `wholeStringIsValue` (templates given as JSON values), a string that is only a placeholder
 * becomes a value insertion. Placeholders in object keys are rejected, as in EventBridge.
 */
function tokenize(
  source: string,
  json: boolean,
  wholeStringIsValue: boolean,
  at: string,
): { parts: Part[]; names: string[] } {
  const parts: Part[] = [];
  const names: string[] = [];
  let literal = '';
  let inString = false;
  let stringStart = -1;
  let placeholdersInString: string[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === '<') {
      PLACEHOLDER.lastIndex = i;
      const match = PLACEHOLDER.exec(source);
      if (match) {
        const name = match[1]!;
        let slot = names.indexOf(name);
        if (slot < 0) slot = names.push(name) - 1;
        const end = i + match[0].length;
        const whole = wholeStringIsValue && inString && stringStart === i - 1 && source[end] === '"';
        if (whole && /^\s*:/.test(source.slice(end + 1, end + 64))) {
          throw invalid(at, `placeholder <${name}> cannot be used as an object key`);
        }
        if (whole) {
          parts.push(literal.slice(0, -1));
          parts.push({ slot, asValue: true });
          literal = '';
          inString = false;
          i = end + 1;
          continue;
        }
        parts.push(literal);
        literal = '';
        parts.push({ slot, asValue: json && !inString });
        if (inString) placeholdersInString.push(name);
        i = end;
        continue;
      }
    }
    if (json && inString && ch === '\\') {
      literal += source.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (json && ch === '"') {
      if (inString && placeholdersInString.length > 0 && /^\s*:/.test(source.slice(i + 1, i + 64))) {
        throw invalid(at, `placeholder <${placeholdersInString[0]}> cannot be used as an object key`);
      }
      inString = !inString;
      stringStart = i;
      placeholdersInString = [];
    }
    literal += ch;
    i++;
  }
  parts.push(literal);
  return { parts: parts.filter((p) => p !== ''), names };
}

function list(names: string[]): string {
  return names.map((n) => `<${n}>`).join(', ');
}

function invalid(path: string, reason: string): EventhookError {
  return new EventhookError(
    'EH_TRANSFORM_INVALID',
    { path, reason },
    { issues: [{ path, message: reason }] },
  );
}
