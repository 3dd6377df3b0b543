// The two forms sources and endpoints share: one that changes a record (sending only what the user changed; also their
// advanced settings, as JSON) and one that rotates its secret. Each view gives the fields and how to turn the form's values into the API's body.
import { api } from './api.js';
import { cancelButton, changes, flash, formValues, guarded, h } from './dom.js';
import { graceField } from './secrets.js';
import { problemLines } from './json-fields.js';

/**
 * A form that PATCHes `path` with what differs from the record's values as `patchOf` reads them off the form, so
 * that settings the user did not touch (a masked header, say) are never written back; `onSaved` gets the record as
 * the API returns it. With `settings` it is an "Advanced settings" form of JSON fields: `patchOf` may throw on JSON
 * that does not parse (readJson). With `settings` or `inForm`, what went wrong is shown in the form, each refused
 * field on its own line, instead of flashed. `version` is the updatedAt of the record the form was filled from: a
 * save is refused if someone changed the record since. `send` sends the patch elsewhere than the org's `path` (an
 * org itself, which the operator renames at /api/orgs/{org}); it resolves with the record saved.
 */
export function editForm(
  {
    what,
    title,
    hint,
    path,
    version,
    patchOf,
    onSaved,
    settings = false,
    inForm = settings,
    send = (patch) => api('PATCH', path, patch, { version }),
  },
  ...fields
) {
  const save = async () => {
    const patch = changes(before, patchOf(formValues(form)));
    if (Object.keys(patch).length === 0) return flash('Nothing changed.');
    await onSaved(await send(patch));
  };
  const problem = inForm ? h('div', { class: 'error problem', role: 'alert' }) : null;
  const submit = inForm
    ? async () => {
        problem.replaceChildren();
        await save().catch((err) => problem.replaceChildren(...problemLines(err)));
      }
    : guarded(`Saving the ${what}`, save);
  const form = h(
    'form',
    {
      class: `${settings ? 'settings' : 'edit'}-${what}`,
      onsubmit: (ev) => {
        ev.preventDefault();
        return submit();
      },
    },
    h('h3', {}, title),
    hint ? h('p', { class: 'muted' }, hint) : null,
    ...fields,
    problem,
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit' }, settings ? 'Save settings' : 'Save changes'),
      cancelButton(),
    ),
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
