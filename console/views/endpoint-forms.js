// The forms that change an endpoint: where and how fast it is delivered to; its advanced settings (headers, secret
// headers, auth, header style, ordering and retry), the structured ones as JSON; and its signing secret. Auth
// credentials and secret header values are write-only: the API never returns them, so the form never shows them;
// credentials are typed again to change auth, and a secret header left "[redacted]" keeps its value.
import { h, numberOrNull } from '../dom.js';
import { editForm, rotateForm } from '../forms.js';
import { jsonField, readJson } from '../json-fields.js';

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
    {
      what: 'endpoint',
      title: `Change endpoint ${e.slug}`,
      path: endpointPath(e),
      version: e.updatedAt,
      patchOf,
      onSaved,
    },
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

/** The advanced form's values as the API's PATCH names them; empty is no headers, no auth, the default retry. */
function settingsPatchOf(v) {
  return {
    headers: readJson(v.headers, 'Headers', {}),
    secretHeaders: readJson(v.secretHeaders, 'Secret headers', {}),
    auth: readJson(v.auth, 'Auth', { type: 'none' }),
    headerStyle: v.headerStyle,
    ordering: v.ordering,
    orderingKey: v.orderingKey.trim() === '' ? null : v.orderingKey.trim(),
    retry: readJson(v.retry, 'Retry', null),
  };
}

const options = (name, current, choices) =>
  h(
    'select',
    { name },
    choices.map(([value, label]) => h('option', { value, selected: value === current }, label)),
  );

/** Changes an endpoint's headers, auth, header style, ordering and retry; `onSaved` gets the saved endpoint. */
export function endpointSettingsForm(e, onSaved) {
  return editForm(
    {
      settings: true,
      what: 'endpoint',
      title: `Advanced settings of ${e.slug}`,
      hint: 'Only the settings you change are sent.',
      path: endpointPath(e),
      version: e.updatedAt,
      patchOf: settingsPatchOf,
      onSaved,
    },
    jsonField({
      name: 'headers',
      label: 'Headers sent with every delivery, as a JSON object of name → value (empty: none)',
      value: e.headers,
      hint:
        'Values of credential-looking headers (authorization, tokens, keys) are shown as "[redacted]": to change ' +
        'the headers, type those values again, or the API refuses the placeholder.',
    }),
    jsonField({
      name: 'secretHeaders',
      label:
        'Secret headers: credentials sent with every delivery, as a JSON object of name → value (empty: none)',
      value: e.secretHeaders,
      hint:
        'Sealed and never returned: each is shown as "[redacted]", which keeps its value when saved. Type a value ' +
        'to change one, add a name to send another, remove a name to stop sending it. Put credentials here or ' +
        'in auth, not in the headers above.',
    }),
    jsonField({
      name: 'auth',
      label:
        'Auth, as JSON: {"type": "basic", "username", "password"}, {"type": "bearer", "token"}, ' +
        '{"type": "api_key", "header", "value"} or {"type": "oauth2_client_credentials", "tokenUrl", "clientId", ' +
        '"clientSecret", "scope", "audience"} (empty: none)',
      value: e.auth.type === 'none' ? null : e.auth,
      hint:
        'Credentials (password, token, value, clientSecret) are never returned, so they are not shown here: to ' +
        'change the auth, give its credentials again.',
    }),
    h(
      'label',
      {},
      'Signature header names',
      options('headerStyle', e.headerStyle, [
        ['webhook', 'webhook-* (Standard Webhooks)'],
        ['svix', 'svix-*'],
      ]),
    ),
    h(
      'label',
      {},
      'Ordering',
      options('ordering', e.ordering, [
        ['none', 'none: deliveries go out side by side'],
        ['fifo', 'fifo: one waits until the one before it succeeded or died'],
      ]),
    ),
    h(
      'label',
      {},
      'Ordering key, a JMESPath over the event: FIFO per value instead of per endpoint (fifo only; empty: none)',
      h('input', { name: 'orderingKey', value: e.orderingKey }),
    ),
    jsonField({
      name: 'retry',
      label: 'Retry, as JSON: {"maxAttempts": 1 to 50, "schedule": ["5s", "5m", "2h"]} (empty: the default)',
      value: e.retry,
      rows: 3,
    }),
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
