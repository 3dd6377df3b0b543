// The forms that change a source: its name and settings, and its secret. Custom verifiers, provider options and
// custom responses are structured configuration, changed through the API or apply.
import { h, numberOrNull } from '../dom.js';
import { editForm, rotateForm } from '../forms.js';

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
    { what: 'source', title: `Change source ${s.slug}`, path: sourcePath(s), patchOf, onSaved },
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

/** Adds a new secret; `onRotated` gets the source as the API returns it (with the secret if it made one). */
export function sourceRotateForm(s, onRotated) {
  return rotateForm(
    {
      title: `Rotate the secret of ${s.slug}`,
      hint:
        'Webhooks signed with the new secret verify at once; the previous one keeps verifying for the time chosen, ' +
        'to change it at the provider.',
      path: sourcePath(s),
      verbing: 'verifying',
      bodyOf: (v) => (v.secret ? { secret: v.secret } : {}),
      onRotated,
    },
    h(
      'label',
      {},
      'New secret, as the provider shows it (empty: Eventhook makes one to give the provider, shown once, where the scheme allows)',
      h('input', { name: 'secret', type: 'password', autocomplete: 'off' }),
    ),
  );
}
