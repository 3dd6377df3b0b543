// The forms that change an endpoint: where and how fast it is delivered to, and its signing secret. Headers, auth,
// ordering and retry are structured configuration, changed through the API or apply.
import { h, numberOrNull } from '../dom.js';
import { editForm, rotateForm } from '../forms.js';

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
  return editForm(
    { what: 'endpoint', title: `Change endpoint ${e.slug}`, path: endpointPath(e), patchOf, onSaved },
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
  );
}

/** Adds a generated signing secret; `onRotated` gets the endpoint with the new secret, which no later answer has. */
export function endpointRotateForm(e, onRotated) {
  // A new secret of the kind the endpoint signs with now, so that its receivers keep their way of verifying.
  const kind = e.secrets.at(-1)?.kind ?? 'hmac';
  return rotateForm(
    {
      title: `Rotate the signing secret of ${e.slug}`,
      hint:
        'Deliveries carry a signature by each secret that signs: the new one from now on, the previous one for the ' +
        'time chosen, so that receivers can move to the new secret.',
      path: endpointPath(e),
      verbing: 'signing',
      bodyOf: (v) => ({ kind: v.kind }),
      onRotated,
    },
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
  );
}
