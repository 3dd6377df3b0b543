// Sources: where providers send webhooks. Each shows the URL to give the provider, the provider's setup hints, a
// request to try it with (source-try.js) and its activity, and can be changed (name and limits, or its advanced
// settings: a custom verifier, provider options, event type, response), given a new secret, checked against a
// pasted request (why does it fail?) or deleted; a new one is a provider, its secret and options, or a custom source
// with a verifier written as JSON. A source's History is the audit log's.
import { ifCan } from '../access.js';
import { api } from '../api.js';
import { copyButton, fill, flash, formValues, guarded, h, quietButton, status, table, when } from '../dom.js';
import { rotationNotice, secretOnce, secretsList } from '../secrets.js';
import { readJson } from '../json-fields.js';
import { historyLink } from './audit-log.js';
import { sourceCheckForm, sourceEditForm, sourceRotateForm, sourceSettingsForm } from './source-forms.js';
import { tryIt } from './source-try.js';

/** Is the provider sending, and is it getting through? */
function activityLine(s) {
  const a = s.activity;
  if (!a.lastEvent)
    return h(
      'p',
      { class: 'activity muted' },
      s.storeRejected
        ? 'No webhook has arrived yet.'
        : 'No event yet: nothing has arrived, or every request failed verification (Edit: keep webhooks that fail verification, to see them).',
    );
  const count = `${a.eventsLast24h}${a.eventsLast24hCapped ? '+' : ''} in the last 24 h`;
  return h(
    'p',
    { class: 'activity' },
    'Last event: ',
    h('a', { href: `#/events/${encodeURIComponent(a.lastEvent.id)}` }, a.lastEvent.type),
    ' ',
    status(a.lastEvent.status),
    ` ${when(a.lastEvent.receivedAt)} · ${count}`,
  );
}

export async function sourcesView(view) {
  const [{ items }, { items: providers }] = await Promise.all([
    api('GET', '/sources'),
    api('GET', '/providers'),
  ]);
  const byId = new Map(providers.map((p) => [p.id, p]));
  const reload = async (message) => {
    flash(message);
    await sourcesView(view);
  };
  const rotated = async (s, graceSeconds) => {
    await reload(`Source ${s.slug} has a new secret.`);
    // Shown above the list until the user leaves the page: the generated secret is in no later answer.
    view.prepend(
      h(
        'div',
        { class: 'notice' },
        rotationNotice(
          `Source ${s.slug} has a new secret: webhooks signed with it verify from now on.`,
          s,
          graceSeconds,
          'verifying',
        ),
        s.generatedSecret
          ? secretOnce('The new secret, shown once (give it to the provider):', s.generatedSecret)
          : null,
      ),
    );
  };
  const remove = guarded('Deleting the source', async (_click, s) => {
    if (!confirm(`Delete source ${s.slug}? Its URL stops taking webhooks; its events stay readable.`)) return;
    await api('DELETE', `/sources/${encodeURIComponent(s.slug)}`, undefined, { version: s.updatedAt });
    await reload(`Source ${s.slug} deleted.`);
  });
  const details = h('div');
  const show = async (listed) => {
    // The list has no activity; the source's own answer has.
    const s = await api('GET', `/sources/${encodeURIComponent(listed.slug)}`);
    const p = byId.get(s.provider);
    const editor = h('div', { class: 'editor' });
    fill(
      details,
      h('h2', {}, s.name || s.slug),
      h('div', { class: 'row' }, h('code', { class: 'ingest-url' }, s.ingestUrl), copyButton(s.ingestUrl)),
      activityLine(s),
      p?.setupHints?.length
        ? h(
            'ul',
            {},
            p.setupHints.map((hint) => h('li', {}, hint)),
          )
        : null,
      tryIt(s, p),
      s.secrets.length ? secretsList(s.secrets, 'verifies') : null,
      h(
        'div',
        { class: 'row' },
        ifCan(
          'write',
          quietButton('Edit', () =>
            editor.replaceChildren(sourceEditForm(s, (saved) => reload(`Source ${saved.slug} saved.`))),
          ),
          quietButton('Advanced settings', () =>
            editor.replaceChildren(
              sourceSettingsForm(s, p, (saved) => reload(`Source ${saved.slug} saved.`)),
            ),
          ),
          // A source that verifies nothing has no secret to rotate.
          s.verifier?.type !== 'none'
            ? quietButton('Rotate secret', () => editor.replaceChildren(sourceRotateForm(s, p, rotated)))
            : null,
        ),
        // Checking a request changes nothing: every reader may.
        quietButton('Check a request', () => editor.replaceChildren(sourceCheckForm(s))),
        ifCan(
          'write',
          quietButton('Delete', (ev) => remove(ev, s)),
        ),
        historyLink('source', s.id),
      ),
      editor,
    );
  };
  // A custom source has no template: its verifier, secret included, is written by hand as JSON.
  const verifierField = h(
    'label',
    { hidden: true },
    'Verifier, as JSON, with its secret: {"type": "hmac", "header": "x-signature", "secret": "…"} (docs/providers.md)',
    h('textarea', { name: 'verifier', rows: 5, spellcheck: 'false' }),
  );
  const secretLabel = h('span');
  const secretField = h(
    'label',
    {},
    secretLabel,
    h('input', { name: 'secret', type: 'password', autocomplete: 'off' }),
  );
  // A template's options (Square's notificationUrl, Meta's verifyToken): without the required ones it cannot be made.
  const optionsLabel = h('span');
  const optionsField = h(
    'label',
    { hidden: true },
    optionsLabel,
    h('textarea', { name: 'options', rows: 3, spellcheck: 'false' }),
  );
  /** Shows the fields the chosen template takes, and says where its secret comes from. */
  const fitTo = (id) => {
    const custom = id === 'custom';
    const p = byId.get(id);
    verifierField.hidden = !custom;
    secretField.hidden = custom || p?.secretChosenBy === null;
    // Where you choose the secret, Eventhook makes one when it is left empty (shown once); a provider's is required.
    secretField.querySelector('input').required = !secretField.hidden && p?.secretChosenBy === 'provider';
    secretLabel.textContent =
      p?.secretChosenBy === 'user'
        ? `Secret: a long random string you choose; give ${p.name} the same (empty: Eventhook makes one, shown once)`
        : `Secret, exactly as ${p?.name ?? 'the provider'} shows it (required)`;
    const names = p ? [...p.requiredFields, ...p.optionalFields].filter((f) => f !== 'secret') : [];
    optionsField.hidden = custom || names.length === 0;
    optionsLabel.textContent = `Options, as a JSON object (${p?.name ?? ''}’s: ${names
      .map((n) => (p.requiredFields.includes(n) ? `${n} (required)` : n))
      .join(', ')})`;
  };
  const providerSelect = h(
    'select',
    { name: 'provider', onchange: (ev) => fitTo(ev.target.value) },
    providers.map((p) => h('option', { value: p.id }, `${p.name} (${p.id})`)),
    h('option', { value: 'custom' }, 'Custom: a verifier configured by hand'),
  );
  const form = h(
    'form',
    {
      onsubmit: guarded('Creating the source', async (ev) => {
        ev.preventDefault();
        const v = formValues(ev.target);
        const body = { slug: v.slug, name: v.name || v.slug };
        if (v.provider === 'custom') body.verifier = readJson(v.verifier, 'The verifier');
        else {
          body.provider = v.provider;
          if (v.secret && !secretField.hidden) body.secret = v.secret;
          const options = optionsField.hidden ? null : readJson(v.options, 'Options', null);
          if (options !== null) body.options = options;
        }
        const created = await api('POST', '/sources', body);
        await reload(`Source ${created.slug} created.`);
        // Shown above the list until the user leaves the page: the generated secret is in no later answer.
        if (created.generatedSecret)
          view.prepend(
            h(
              'div',
              { class: 'notice' },
              secretOnce(
                `The secret of source ${created.slug}, shown once (give it to ${byId.get(created.provider)?.name ?? 'the sender'}):`,
                created.generatedSecret,
              ),
            ),
          );
      }),
    },
    h('label', {}, 'Slug', h('input', { name: 'slug', required: true, pattern: '[a-z0-9][a-z0-9\\-]*' })),
    h('label', {}, 'Name', h('input', { name: 'name' })),
    h('label', {}, 'Provider', providerSelect),
    secretField,
    optionsField,
    verifierField,
    h('div', {}, h('button', { type: 'submit' }, 'Create source')),
  );
  fitTo(providerSelect.value);
  view.replaceChildren(
    h('h1', {}, 'Sources'),
    table(
      ['slug', 'name', 'provider', 'verifier', 'state', 'ingest URL'],
      items.map((s) => ({
        value: s,
        cells: [
          s.slug,
          // A name is the slug unless one was given: shown only when it says more.
          s.name === s.slug ? '' : s.name,
          s.provider ?? 'custom',
          s.verifier?.type ?? '',
          status(s.enabled ? 'active' : 'disabled'),
          h('code', {}, s.ingestUrl),
        ],
      })),
      guarded('Loading the source', show),
    ),
    details,
    ...ifCan('write', h('h2', {}, 'New source'), form),
  );
}
