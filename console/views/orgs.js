// The orgs, the tenants of this server, for the operator token only: each listed with its slug, name and when it was
// made, the one this console works on marked and any other opened instead; the orgs deleted whose data is still being
// purged listed on request; an org made, renamed or deleted — a deletion, which cannot be undone, only once the org's
// slug is typed. The API refuses all of it to the keys of an org, and the menu does not offer it to them.
import { can } from '../access.js';
import { orgsApi, session, signIn, signOut } from '../api.js';
import { cancelButton, flash, formValues, guarded, h, quietButton, table, when } from '../dom.js';
import { editForm } from '../forms.js';
import { problemLines } from '../json-fields.js';

const orgPath = (slug) => `/${encodeURIComponent(slug)}`;

/** Points the console at another org with the same token, as signing in to it would, and shows its events. */
function workOn(slug) {
  signIn(session().token, slug);
  location.hash = '#/events';
}

/** Renames an org: its name only, as its slug is in every URL and key and stays. */
function renameForm(o, onSaved) {
  return editForm(
    {
      what: 'org',
      inForm: true,
      title: `Rename org ${o.slug}`,
      hint: 'Only the name shown changes: the slug, in every URL, stays.',
      send: (patch) => orgsApi('PATCH', orgPath(o.slug), patch),
      patchOf: (v) => ({ name: v.name.trim() }),
      onSaved,
    },
    h('label', {}, 'Name', h('input', { name: 'name', required: true, maxlength: 255, value: o.name })),
  );
}

/**
 * Deletes an org once its slug is typed, as a repository's deletion asks for its name: a click alone, or a confirm()
 * answered by habit, is too little for what cannot be undone and stops a tenant at once.
 */
function deleteForm(o, onDeleted) {
  const button = h('button', { type: 'submit', disabled: true }, 'Delete this org');
  const typed = h('input', {
    name: 'slug',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    oninput: () => (button.disabled = typed.value !== o.slug),
  });
  const problem = h('div', { class: 'error problem', role: 'alert' });
  const form = h(
    'form',
    {
      class: 'delete-org',
      onsubmit: async (ev) => {
        ev.preventDefault();
        // The button stays disabled until the slug is typed; this holds too should the form be submitted otherwise.
        if (formValues(form).slug !== o.slug) return;
        problem.replaceChildren();
        button.disabled = true;
        try {
          await orgsApi('DELETE', orgPath(o.slug));
        } catch (err) {
          button.disabled = false;
          return problem.replaceChildren(...problemLines(err));
        }
        await onDeleted(o);
      },
    },
    h('h3', {}, `Delete org ${o.slug}`),
    h(
      'p',
      {},
      'This cannot be undone. At once the org answers no more: its API keys are revoked, its webhooks are refused, ' +
        'its rules stop and nothing more is delivered for it (a delivery already on the wire finishes); the grants ' +
        'from and to it are gone. Its events, deliveries, configuration and audit log are then purged in the ' +
        'background, and the slug is free again once that is done. Take a backup first if it may be needed.',
    ),
    h('label', {}, ['Type ', h('code', {}, o.slug), ' to confirm'], typed),
    problem,
    h('div', { class: 'row' }, button, cancelButton()),
  );
  return form;
}

/** #/orgs, or #/orgs?deleted=true to list the orgs being purged too. */
export async function orgsView(view) {
  if (!can('operator'))
    return view.replaceChildren(
      h('h1', {}, 'Orgs'),
      h('p', { class: 'error' }, 'Only the operator token may manage the orgs.'),
    );
  const showDeleted = new URLSearchParams(location.hash.split('?')[1] ?? '').get('deleted') === 'true';
  const { items } = await orgsApi('GET', showDeleted ? '?includeDeleted=true' : '');
  const current = session().org;
  const reload = async (message) => {
    flash(message);
    await orgsView(view);
  };
  const editor = h('div', { class: 'editor' });
  const rename = (o) =>
    editor.replaceChildren(renameForm(o, (saved) => reload(`Org ${saved.slug} is now named ${saved.name}.`)));
  // Done once the deletion succeeded: a failure here is in listing the orgs after it, and is said so.
  const onDeleted = guarded('Listing the orgs after the deletion', async (o) => {
    if (o.slug !== current) return reload(`Org ${o.slug} was deleted; its data is being purged.`);
    // Every page of the org now answers 404, so the console moves to another org, default first, rather than stay on
    // one it can show nothing of; with none left it signs out, as the console needs an org to sign in to.
    const live = (await orgsApi('GET', '')).items.map((x) => x.slug);
    const next = live.includes('default') ? 'default' : live[0];
    if (next === undefined) {
      signOut();
      flash(
        `Org ${o.slug}, which this console worked on, was deleted, and no org is left. ` +
          'Make one (eventhook orgs create), then sign in to it.',
      );
      location.hash = '#/events';
      return;
    }
    flash(`Org ${o.slug}, which this console worked on, was deleted. The console now works on org ${next}.`);
    workOn(next);
  });
  const remove = (o) => editor.replaceChildren(deleteForm(o, onDeleted));
  const problem = h('div', { class: 'error problem', role: 'alert' });
  const form = h(
    'form',
    {
      class: 'new-org',
      onsubmit: async (ev) => {
        ev.preventDefault();
        const v = formValues(ev.target);
        problem.replaceChildren();
        let created;
        try {
          created = await orgsApi('POST', '', {
            slug: v.slug.trim(),
            ...(v.name.trim() ? { name: v.name.trim() } : {}),
          });
        } catch (err) {
          return problem.replaceChildren(...problemLines(err));
        }
        await reload(`Org ${created.slug} created.`);
      },
    },
    h(
      'label',
      {},
      'Slug (lower-case letters, digits and inner hyphens; in every URL, it cannot be changed)',
      h('input', { name: 'slug', required: true, maxlength: 63, autocomplete: 'off', spellcheck: 'false' }),
    ),
    h('label', {}, 'Name (empty: the slug)', h('input', { name: 'name', maxlength: 255 })),
    problem,
    h('div', {}, h('button', { type: 'submit' }, 'Create org')),
  );
  view.replaceChildren(
    h('h1', {}, 'Orgs'),
    h(
      'p',
      { class: 'muted' },
      'The tenants of this server, each with its own sources, rules, endpoints, events and API keys. ' +
        'Only the operator token sees this page.',
    ),
    h(
      'label',
      { class: 'check' },
      h('input', {
        type: 'checkbox',
        checked: showDeleted,
        onchange: (ev) => (location.hash = ev.target.checked ? '#/orgs?deleted=true' : '#/orgs'),
      }),
      'Show deleted orgs whose data is still being purged',
    ),
    table(
      ['slug', 'name', 'created', ''],
      items.map((o) => ({
        value: o,
        cells: [
          [o.slug, o.slug === current ? h('span', { class: 'muted' }, ' (this console)') : ''],
          o.name,
          when(o.createdAt),
          o.deletedAt
            ? h('span', { class: 'muted' }, `deleted, being purged since ${when(o.deletedAt)}`)
            : h(
                'div',
                { class: 'row' },
                o.slug === current ? null : quietButton('Open', () => workOn(o.slug)),
                quietButton('Rename', () => rename(o)),
                quietButton('Delete', () => remove(o)),
              ),
        ],
      })),
    ),
    editor,
    h('h2', {}, 'New org'),
    form,
  );
}
