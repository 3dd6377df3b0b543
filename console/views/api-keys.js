// The org's API keys: each listed with its role, prefix, when it was made and last used, when it expires and whether
// it still works (active, revoked, expired); a new one made with a role and, if it should stop working, an expiry —
// its key shown once, as the API returns it only then —; one revoked. Only a role that may change configuration
// (admin, the operator token) manages keys: the API refuses the list to the others, and the menu does not offer it.
import { can, signedInKeyId } from '../access.js';
import { orgApi, signOut } from '../api.js';
import { flash, formValues, guarded, h, quietButton, status, table, when } from '../dom.js';
import { secretOnce } from '../secrets.js';
import { historyLink } from './audit-log.js';

/** The roles a key may have, as the API names them, each with what it may do (README "API keys and roles"). */
const ROLES = [
  ['admin', 'admin: everything, API keys too'],
  ['member', 'member: read; replay, retry, cancel'],
  ['publisher', 'publisher: publish events only'],
  ['worker', 'worker: the engine’s worker API only'],
];

/** Whether the key still works: revoked or expired keys are refused (401) on every route. */
function stateOf(k, now) {
  if (k.revokedAt) return 'revoked';
  if (k.expiresAt && Date.parse(k.expiresAt) <= now) return 'expired';
  return 'active';
}

/** The form's expiry, a local date and time (datetime-local), as the API takes it: RFC 3339 in UTC; empty: never. */
function expiresAtOf(local) {
  if (!local) return {};
  const at = new Date(local);
  // A browser without datetime-local gives the text typed; one that does not read as a time is sent as typed, and
  // the API names what is wrong with it.
  return { expiresAt: Number.isNaN(at.getTime()) ? local : at.toISOString() };
}

export async function apiKeysView(view) {
  if (!can('write'))
    return view.replaceChildren(
      h('h1', {}, 'API keys'),
      h('p', { class: 'error' }, 'Only an admin key or the operator token may manage the org’s API keys.'),
    );
  const { items } = await orgApi('GET', '/api-keys');
  const mine = signedInKeyId();
  const now = Date.now();
  const reload = async (message) => {
    flash(message);
    await apiKeysView(view);
  };
  const revoke = guarded('Revoking the key', async (_click, k) => {
    const own = k.id === mine;
    const question =
      `Revoke API key ${k.name} (${k.role}, ${k.prefix}…)? Every call with it is refused from now on; ` +
      'this cannot be undone.' +
      (own
        ? '\n\nThis is the key this console is signed in with: the console stops working at once, and you ' +
          'will have to sign in again with another key.'
        : '');
    if (!confirm(question)) return;
    await orgApi('DELETE', `/api-keys/${encodeURIComponent(k.id)}`);
    if (!own) return reload(`API key ${k.name} was revoked.`);
    // This session's key no longer works: any page would be refused, so the console asks for another key.
    signOut();
    flash(`API key ${k.name}, which this console was signed in with, was revoked. Sign in with another key.`);
    location.hash = '#/events';
  });
  const form = h(
    'form',
    {
      class: 'new-api-key',
      onsubmit: guarded('Creating the API key', async (ev) => {
        ev.preventDefault();
        const v = formValues(ev.target);
        const created = await orgApi('POST', '/api-keys', {
          name: v.name.trim(),
          role: v.role,
          ...expiresAtOf(v.expiresAt),
        });
        await reload(`API key ${created.name} created.`);
        // The key is in this answer only: it stays above the list until the user leaves the page.
        view.prepend(
          h(
            'div',
            { class: 'notice' },
            secretOnce(
              `The ${created.role} key ${created.name}, shown once (it cannot be read again):`,
              created.key,
            ),
            h(
              'p',
              { class: 'muted' },
              created.expiresAt
                ? `It works until ${when(created.expiresAt)}.`
                : 'It works until it is revoked.',
            ),
          ),
        );
      }),
    },
    h(
      'label',
      {},
      'Name (who or what uses it)',
      h('input', { name: 'name', required: true, maxlength: 255 }),
    ),
    h(
      'label',
      {},
      'Role',
      // No role until the user picks one: a form sent untouched would otherwise make the default, and any default
      // is wrong for some key (admin rights for a CI job; a publisher that cannot read for a person).
      h(
        'select',
        { name: 'role', required: true },
        h('option', { value: '', selected: true, disabled: true }, 'choose a role'),
        ROLES.map(([value, label]) => h('option', { value }, label)),
      ),
    ),
    h(
      'label',
      {},
      'Expires at, your local time (empty: never)',
      h('input', { name: 'expiresAt', type: 'datetime-local' }),
    ),
    h('div', {}, h('button', { type: 'submit' }, 'Create API key')),
  );
  view.replaceChildren(
    h('h1', {}, 'API keys'),
    h(
      'p',
      { class: 'muted' },
      'The keys that call this org’s API, each with a role. A key is shown once, when made; a revoked or expired ' +
        'key is refused on every call.',
    ),
    table(
      ['name', 'role', 'prefix', 'created', 'last used', 'expires', 'status', ''],
      items.map((k) => {
        const state = stateOf(k, now);
        return {
          value: k,
          attrs: { title: k.id },
          cells: [
            [k.name, k.id === mine ? h('span', { class: 'muted' }, ' (this console)') : ''],
            k.role,
            h('code', {}, `${k.prefix}…`),
            when(k.createdAt),
            k.lastUsedAt ? when(k.lastUsedAt) : 'never',
            k.expiresAt ? [when(k.expiresAt), state === 'expired' ? ' (expired)' : ''] : 'never',
            [status(state), k.revokedAt ? ` ${when(k.revokedAt)}` : ''],
            h(
              'div',
              { class: 'row' },
              historyLink('api_key', k.id),
              state === 'active' ? quietButton('Revoke', (ev) => revoke(ev, k)) : null,
            ),
          ],
        };
      }),
    ),
    h('h2', {}, 'New API key'),
    form,
  );
}
