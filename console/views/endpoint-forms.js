// The forms that change an endpoint: where and how fast it is delivered to, and its signing secret. Headers, auth,
// ordering and retry are structured configuration, changed through the API or apply.
import { api } from '../api.js';
import { cancelButton, changes, flash, formValues, guarded, h, numberOrNull } from '../dom.js';
import { graceField } from '../secrets.js';

const endpointPath = (e) => `/endpoints/${encodeURIComponent(e.slug)}`;

/** The form's values as the API's PATCH names them; an empty limit is null, which removes it. */
function patchOf(v) {
  return {
    url: v.url,
    description: v.description,
    timeoutMs: Number(v.timeoutMs),
    rateLimit: numberOrNull(v.rateLimit),
    maxConcurrency: numberOrNull(v.maxConcurrency),
  };
}

/** Changes an endpoint's URL, description and limits; `onSaved` gets the endpoint as the API returns it. */
export function endpointEditForm(e, onSaved) {
  const form = h(
    'form',
    {
      class: 'edit-endpoint',
      onsubmit: guarded('Saving the endpoint', async (ev) => {
        ev.preventDefault();
        const patch = changes(before, patchOf(formValues(form)));
        if (Object.keys(patch).length === 0) return flash('Nothing changed.');
        await onSaved(await api('PATCH', endpointPath(e), patch));
      }),
    },
    h('h3', {}, `Change endpoint ${e.slug}`),
    h('label', {}, 'URL', h('input', { name: 'url', type: 'url', required: true, value: e.url })),
    h('label', {}, 'Description', h('input', { name: 'description', value: e.description })),
    h(
      'label',
      {},
      'Timeout per attempt, in milliseconds',
      h('input', {
        name: 'timeoutMs',
        type: 'number',
        required: true,
        min: 100,
        max: 120_000,
        value: e.timeoutMs,
      }),
    ),
    h(
      'label',
      {},
      'Rate limit in deliveries per second (empty: none)',
      h('input', { name: 'rateLimit', type: 'number', min: 0, step: 'any', value: e.rateLimit }),
    ),
    h(
      'label',
      {},
      'Deliveries in flight at once (empty: no limit)',
      h('input', { name: 'maxConcurrency', type: 'number', min: 1, value: e.maxConcurrency }),
    ),
    h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Save changes'), cancelButton()),
  );
  // Read back from the form itself, so that only what the user then changes differs.
  const before = patchOf(formValues(form));
  return form;
}

/** Adds a generated signing secret; `onRotated` gets the endpoint with the new secret, which no later answer has. */
export function endpointRotateForm(e, onRotated) {
  // A new secret of the kind the endpoint signs with now, so that its receivers keep their way of verifying.
  const kind = e.secrets.at(-1)?.kind ?? 'hmac';
  const form = h(
    'form',
    {
      class: 'rotate-secret',
      onsubmit: guarded('Rotating the secret', async (ev) => {
        ev.preventDefault();
        const v = formValues(form);
        const graceSeconds = Number(v.graceSeconds);
        await onRotated(
          await api('POST', `${endpointPath(e)}/rotate-secret`, { kind: v.kind, graceSeconds }),
          graceSeconds,
        );
      }),
    },
    h('h3', {}, `Rotate the signing secret of ${e.slug}`),
    h(
      'p',
      { class: 'muted' },
      'Deliveries carry a signature by each secret that signs: the new one from now on, the previous one for the ' +
        'time chosen, so that receivers can move to the new secret.',
    ),
    h(
      'label',
      {},
      'Kind',
      h(
        'select',
        { name: 'kind' },
        h('option', { value: 'hmac', selected: kind === 'hmac' }, 'HMAC (whsec_)'),
        h(
          'option',
          { value: 'ed25519', selected: kind === 'ed25519' },
          'Ed25519 (whsk_, receivers verify with whpk_)',
        ),
      ),
    ),
    graceField('signing'),
    h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Rotate'), cancelButton()),
  );
  return form;
}
