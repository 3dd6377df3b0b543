// The forms that change a source: its name and settings; its advanced settings (a custom source's verifier, provider
// options, the event type's extraction, a custom response), as JSON; and its secret. Secrets are write-only: the
// API never returns a verifier's secret or a secret option, so the forms never show one. And a form that checks a
// pasted request against the source without storing it.
import { api } from '../api.js';
import { cancelButton, formValues, h, numberOrNull } from '../dom.js';
import { editForm, rotateForm } from '../forms.js';
import { jsonField, readJson } from '../json-fields.js';

const lines = (text) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
const listOrNull = (text) => (lines(text).length ? lines(text) : null);
const sourcePath = (s) => `/sources/${encodeURIComponent(s.slug)}`;

/** The form's values as the API's PATCH names them; an empty field is null, which removes the setting. */
function patchOf(v) {
  const perSecond = numberOrNull(v.perSecond);
  const burst = numberOrNull(v.burst);
  return {
    name: v.name,
    description: v.description,
    enabled: v.enabled === 'on',
    idempotencyKeys: listOrNull(v.idempotencyKeys),
    dedupWindowSeconds: numberOrNull(v.dedupWindowSeconds),
    bodyLimit: numberOrNull(v.bodyLimit),
    rateLimit: perSecond === null ? null : { perSecond, ...(burst === null ? {} : { burst }) },
    ipAllowList: listOrNull(v.ipAllowList),
    storeRejected: v.storeRejected === 'on',
  };
}

/** Changes a source's name and settings; `onSaved` gets the source as the API returns it. */
export function sourceEditForm(s, onSaved) {
  return editForm(
    {
      what: 'source',
      title: `Change source ${s.slug}`,
      path: sourcePath(s),
      version: s.updatedAt,
      patchOf,
      onSaved,
    },
    h('label', {}, 'Name', h('input', { name: 'name', required: true, maxlength: 255, value: s.name })),
    h('label', {}, 'Description', h('input', { name: 'description', value: s.description })),
    h(
      'label',
      { class: 'check' },
      h('input', { name: 'enabled', type: 'checkbox', checked: s.enabled }),
      'Enabled: takes webhooks',
    ),
    h(
      'label',
      {},
      'Idempotency keys, one a line, the first present wins, e.g. header.x-request-id or body.id (empty: the provider’s)',
      h('textarea', { name: 'idempotencyKeys', rows: 3 }, (s.idempotencyKeys ?? []).join('\n')),
    ),
    h(
      'label',
      {},
      'Duplicate window in seconds (empty: 7 days)',
      h('input', { name: 'dedupWindowSeconds', type: 'number', min: 1, value: s.dedupWindowSeconds }),
    ),
    h(
      'label',
      {},
      'Rate limit in requests per second (empty: none)',
      h('input', { name: 'perSecond', type: 'number', min: 0, step: 'any', value: s.rateLimit?.perSecond }),
    ),
    h(
      'label',
      {},
      'Burst: requests at once (empty: twice the rate)',
      h('input', { name: 'burst', type: 'number', min: 1, value: s.rateLimit?.burst }),
    ),
    h(
      'label',
      {},
      'Body limit in bytes (empty: 1 MiB)',
      h('input', { name: 'bodyLimit', type: 'number', min: 1, value: s.bodyLimit }),
    ),
    h(
      'label',
      {},
      'Senders allowed, addresses or CIDRs one a line (empty: any)',
      h('textarea', { name: 'ipAllowList', rows: 2 }, (s.ipAllowList ?? []).join('\n')),
    ),
    h(
      'label',
      { class: 'check' },
      h('input', { name: 'storeRejected', type: 'checkbox', checked: s.storeRejected }),
      'Keep webhooks that fail verification, as rejected events',
    ),
  );
}

const isCustom = (s) => s.provider === null || s.provider === 'custom';

/**
 * Changes a source's structured settings; `provider` is its template as GET /providers describes it (undefined
 * for a custom source); `onSaved` gets the source as the API returns it.
 */
export function sourceSettingsForm(s, provider, onSaved) {
  // A provider's verifier follows from its template and options: a verifier sent would make the source custom, so
  // only a custom source shows one. Options are for templates, shown on a custom source only if it has some.
  const custom = isCustom(s);
  const showOptions = !custom || s.options !== undefined;
  const patchOf = (v) => ({
    ...(custom ? { verifier: readJson(v.verifier, 'The verifier') } : {}),
    ...(showOptions ? { options: readJson(v.options, 'Options', null) } : {}),
    eventType: readJson(v.eventType, 'Event type', null),
    response: readJson(v.response, 'Response', null),
  });
  const optionNames = provider
    ? [...provider.requiredFields, ...provider.optionalFields].filter((f) => f !== 'secret')
    : [];
  const secretSet = s.secretOptions ?? [];
  return editForm(
    {
      settings: true,
      what: 'source',
      title: `Advanced settings of ${s.slug}`,
      hint: 'Only the settings you change are sent; an empty field removes its setting.',
      path: sourcePath(s),
      version: s.updatedAt,
      patchOf,
      onSaved,
    },
    custom
      ? jsonField({
          name: 'verifier',
          label:
            'Verifier, as JSON: {"type": "hmac", "header": …} (docs/providers.md lists each type’s fields)',
          value: s.verifier,
          rows: 6,
          hint:
            'Its secret is never returned, so it is not shown. Left out, the current secret keeps verifying; given ' +
            'in the verifier’s secret field, it replaces every current secret at once (Rotate secret keeps the ' +
            'previous one verifying for a while).',
        })
      : h(
          'p',
          { class: 'muted' },
          `The verifier is ${s.provider}’s template, set by its options; its secret changes with Rotate secret.`,
        ),
    showOptions
      ? jsonField({
          name: 'options',
          label: `Provider options, as a JSON object${
            optionNames.length ? ` (${s.provider}’s: ${optionNames.join(', ')})` : ''
          }`,
          value: s.options,
          hint: secretSet.length
            ? `Set and never shown, being secret: ${secretSet.join(', ')}. Left out they are kept; ` +
              'given as null they are removed; emptying this field removes every option, those too.'
            : provider?.secretOptions?.length
              ? `Secret options (${provider.secretOptions.join(', ')}) are never shown once saved.`
              : null,
        })
      : null,
    jsonField({
      name: 'eventType',
      label:
        'Event type, as JSON: {"header": "x-event-name"} and/or {"jmespath": "event.kind"} over the body, read when the ' +
        'provider’s own rule finds none (empty: the usual fallbacks)',
      value: s.eventType,
      rows: 3,
    }),
    jsonField({
      name: 'response',
      label:
        'Response to the sender once the event is stored, as JSON: {"status": 2xx, "body": "… {{eventId}} …", ' +
        '"contentType": …} (empty: the default)',
      value: s.response,
      rows: 3,
    }),
  );
}

/**
 * Adds a new secret; `provider` is the source's template as GET /providers describes it (undefined for a custom
 * source); `onRotated` gets the source as the API returns it (with the secret if it made one). Where the provider
 * issues the secret (`secretChosenBy: provider`) the new one must be typed: one Eventhook made would verify nothing,
 * so the form offers no "generate".
 */
export function sourceRotateForm(s, provider, onRotated) {
  const issued = s.secretChosenBy === 'provider';
  const who = provider?.name ?? 'the provider';
  return rotateForm(
    {
      title: `Rotate the secret of ${s.slug}`,
      hint: issued
        ? `${who} issues this secret: roll it there first, then paste the new secret ${who} shows. Webhooks signed ` +
          'with it verify at once; the previous one keeps verifying for the time chosen, while the provider moves ' +
          'to the new one.'
        : 'Webhooks signed with the new secret verify at once; the previous one keeps verifying for the time chosen, ' +
          'to change it at the provider.',
      path: sourcePath(s),
      verbing: 'verifying',
      bodyOf: (v) => (v.secret ? { secret: v.secret } : {}),
      onRotated,
    },
    h(
      'label',
      {},
      issued
        ? `New secret, exactly as ${who} shows it (required: a secret Eventhook made up would verify nothing)`
        : 'New secret, as you give it to the provider (empty: Eventhook makes one to give the provider, shown once, where the scheme allows)',
      h('input', { name: 'secret', type: 'password', autocomplete: 'off', required: issued }),
    ),
  );
}

/**
 * Headers pasted from a provider's delivery log, one `Name: value` a line; a request line (`POST /… HTTP/1.1`) is
 * skipped. Throws with the line that is neither.
 */
export function parseHeaderLines(text) {
  const headers = {};
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || /^[A-Z]+ \S+ HTTP\/[\d.]+$/.test(line)) return;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`Headers, line ${i + 1}: not "Name: value": ${line}`);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  });
  return headers;
}

/** What POST /sources/{source}/test said of a request: whether it verifies and why not, and what it would extract. */
function checkResult(r) {
  if (!r.verified)
    return h(
      'p',
      { class: 'check-result failed' },
      `Does not verify (${r.verifierType}): ${r.reason}`,
      r.detail ? ` — ${r.detail}` : '',
    );
  const extracted = [
    ['event type', r.eventType],
    ['subject', r.subject],
    ['idempotency key', r.idempotencyKey],
  ].filter(([, v]) => v !== undefined && v !== null);
  return h(
    'div',
    { class: 'check-result ok' },
    h('p', {}, `Verifies (${r.verifierType}).`),
    r.parseError ? h('p', {}, `But the body does not parse: ${r.parseError}`) : null,
    extracted.length
      ? h('dl', {}, ...extracted.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, h('code', {}, v))]))
      : null,
  );
}

/**
 * Checks a request against the source without storing anything: the headers and body of a delivery the provider
 * says failed, pasted from its log, and Eventhook says whether they verify and, if not, why (ingest never tells
 * the sender).
 */
export function sourceCheckForm(s) {
  const result = h('div');
  return h(
    'form',
    {
      class: 'check-request',
      onsubmit: async (ev) => {
        ev.preventDefault();
        const v = formValues(ev.target);
        try {
          const headers = parseHeaderLines(v.headers);
          result.replaceChildren(
            checkResult(
              await api('POST', `${sourcePath(s)}/test`, {
                headers,
                body: v.body,
                method: 'POST',
                ...(v.url.trim() ? { url: v.url.trim() } : {}),
              }),
            ),
          );
        } catch (err) {
          result.replaceChildren(h('p', { class: 'check-result failed' }, err.message));
        }
      },
    },
    h('h3', {}, `Check a request against ${s.slug}`),
    h(
      'p',
      { class: 'muted' },
      'Paste a delivery from the provider’s log: nothing is stored or routed, and the answer says why it fails.',
    ),
    h(
      'label',
      {},
      'Headers, one "Name: value" a line',
      h('textarea', { name: 'headers', rows: 6, spellcheck: 'false' }),
    ),
    h('label', {}, 'Body, exactly as sent', h('textarea', { name: 'body', rows: 6, spellcheck: 'false' })),
    h(
      'label',
      {},
      'URL the provider called, where it signs it (Twilio, Square, HubSpot; empty: this source’s ingest URL as seen here)',
      h('input', { name: 'url', type: 'url', placeholder: s.ingestUrl }),
    ),
    h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Check'), cancelButton()),
    result,
  );
}
