// The JSON fields of the "Advanced settings" forms (editForm with `settings`): one textarea a structured setting,
// prefilled with the value as the API returns it. JSON that does not parse is reported in the form and nothing is
// sent; what the API refuses is shown in the form too (in any editForm with `inForm`), each field-located issue on its
// own line.
import { ApiError } from './api.js';
import { h } from './dom.js';

const pretty = (value) => JSON.stringify(value, null, 2);

/** A mistake found in the form before anything is sent. */
class FormError extends Error {}

/**
 * A JSON textarea named `name`, prefilled with `value`; null, undefined or an empty object leave it empty (what
 * the field's empty value stands for is the caller's to say in `hint`).
 */
export function jsonField({ name, label, value, hint, rows = 4 }) {
  const empty =
    value === null ||
    value === undefined ||
    (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0);
  return h(
    'label',
    {},
    label,
    h('textarea', { name, rows, spellcheck: 'false' }, empty ? '' : pretty(value)),
    hint ? h('span', { class: 'hint muted' }, hint) : null,
  );
}

/** The JSON in `text`, or `empty` when it is blank; throws a FormError naming the field when it does not parse. */
export function readJson(text, label, empty) {
  if (text.trim() === '') {
    if (empty === undefined) throw new FormError(`${label} cannot be empty.`);
    return empty;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new FormError(`${label} is not JSON: ${err.message}`);
  }
}

/**
 * Where an issue of an API problem is: its JSON Pointer in the body (`/auth/token`; `body` for the whole of it), or
 * the parameter it names (`in`: query, path or header).
 */
const PARTS = { query: 'query parameter', path: 'path parameter', header: 'header' };
const issueLabel = (i) => (i.in ? `${PARTS[i.in] ?? i.in} ${i.path.slice(1)}` : i.path || 'body');

/**
 * What went wrong, for the form: each issue of an API problem (field path and message), else the message. A change
 * that met another one being saved (409 EH_CONCURRENT_CHANGE), or was made from a version someone has changed since
 * (412 EH_VERSION_MISMATCH), says so, with a button that shows the record as it is now: the form was filled from the
 * record before that change.
 */
export function problemLines(err) {
  if (err instanceof FormError) return [h('p', {}, `${err.message} Nothing was sent.`)];
  const raced = err instanceof ApiError && err.problem?.code === 'EH_CONCURRENT_CHANGE';
  if (raced || (err instanceof ApiError && err.problem?.code === 'EH_VERSION_MISMATCH'))
    return [
      h(
        'p',
        {},
        `Someone else changed it ${raced ? 'while this change was being saved' : 'since this page showed it'}, ` +
          'so nothing was saved. Reload to see it as it is now, then make your change again. ',
        h('button', { type: 'button', class: 'quiet', onclick: () => location.reload() }, 'Reload'),
      ),
    ];
  const issues = err instanceof ApiError ? (err.problem?.errors ?? []) : [];
  if (issues.length === 0) return [h('p', {}, `The change was refused: ${err.message}`)];
  return [
    h('p', {}, 'The change was refused:'),
    h(
      'ul',
      {},
      issues.map((i) => h('li', {}, `${issueLabel(i)}: ${i.message}`)),
    ),
  ];
}
