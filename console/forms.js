// The two forms sources and endpoints share: one that changes a record (sending only what the user changed) and one
// that rotates its secret. Each view gives the fields and how to turn the form's values into the API's body.
import { api } from './api.js';
import { cancelButton, changes, flash, formValues, guarded, h } from './dom.js';
import { graceField } from './secrets.js';

/**
 * A form that PATCHes `path` with what differs from the record's values as `patchOf` reads them off the form, so
 * that settings the user did not touch are never written back; `onSaved` gets the record as the API returns it.
 */
export function editForm({ what, title, path, patchOf, onSaved }, ...fields) {
  const form = h(
    'form',
    {
      class: `edit-${what}`,
      onsubmit: guarded(`Saving the ${what}`, async (ev) => {
        ev.preventDefault();
        const patch = changes(before, patchOf(formValues(form)));
        if (Object.keys(patch).length === 0) return flash('Nothing changed.');
        await onSaved(await api('PATCH', path, patch));
      }),
    },
    h('h3', {}, title),
    ...fields,
    h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Save changes'), cancelButton()),
  );
  // Read back from the form itself, so that only what the user then changes differs.
  const before = patchOf(formValues(form));
  return form;
}

/**
 * A form that POSTs to `{path}/rotate-secret` the grace period and what `bodyOf` adds from the form's values;
 * `onRotated` gets the record as the API returns it (with a secret it generated, the one time it is shown).
 */
export function rotateForm({ title, hint, path, verbing, bodyOf, onRotated }, ...fields) {
  const form = h(
    'form',
    {
      class: 'rotate-secret',
      onsubmit: guarded('Rotating the secret', async (ev) => {
        ev.preventDefault();
        const v = formValues(form);
        const graceSeconds = Number(v.graceSeconds);
        await onRotated(
          await api('POST', `${path}/rotate-secret`, { graceSeconds, ...bodyOf(v) }),
          graceSeconds,
        );
      }),
    },
    h('h3', {}, title),
    h('p', { class: 'muted' }, hint),
    ...fields,
    graceField(verbing),
    h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Rotate'), cancelButton()),
  );
  return form;
}
