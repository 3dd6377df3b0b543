// The "Advanced settings" form sources and endpoints share: their structured settings as JSON, one textarea a field,
// prefilled with the value as the API returns it. JSON that does not parse is reported in the form and nothing is
// sent; what the API refuses is shown in the form too, each field-located issue on its own line.
import { api, ApiError } from './api.js';
import { cancelButton, changes, flash, formValues, h } from './dom.js';

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

/** What went wrong, for the form: each issue of an API problem (field path and message), else the message. */
function problemLines(err) {
  if (err instanceof FormError) return [h('p', {}, `${err.message} Nothing was sent.`)];
  const issues = err instanceof ApiError ? (err.problem?.errors ?? []) : [];
  if (issues.length === 0) return [h('p', {}, `The change was refused: ${err.message}`)];
  return [
    h('p', {}, 'The change was refused:'),
    h(
      'ul',
      {},
      issues.map((i) => h('li', {}, `${i.path}: ${i.message}`)),
    ),
  ];
}

/**
 * A form that PATCHes `path` with the settings that differ from what `patchOf` read off the form when it opened,
 * so a setting the user left alone (such as a masked header) is never sent back; `onSaved` gets the record as the
 * API returns it. `patchOf` throws (through readJson) on JSON that does not parse.
 */
export function settingsForm({ what, title, hint, path, patchOf, onSaved }, ...fields) {
  const problem = h('div', { class: 'error problem', role: 'alert' });
  const form = h(
    'form',
    {
      class: `settings-${what}`,
      onsubmit: async (ev) => {
        ev.preventDefault();
        problem.replaceChildren();
        try {
          const patch = changes(before, patchOf(formValues(form)));
          if (Object.keys(patch).length === 0) return flash('Nothing changed.');
          await onSaved(await api('PATCH', path, patch));
        } catch (err) {
          problem.replaceChildren(...problemLines(err));
        }
      },
    },
    h('h3', {}, title),
    hint ? h('p', { class: 'muted' }, hint) : null,
    ...fields,
    problem,
    h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Save settings'), cancelButton()),
  );
  // Read back from the form itself, so that only what the user then changes differs.
  const before = patchOf(formValues(form));
  return form;
}
