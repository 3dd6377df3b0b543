// Grants: which other orgs may publish into this one through event_bus targets, and which event types — every
// type, exact types, or prefix patterns such as billing.* (docs/event-bus.md). A grant is given, changed (its types
// and description) or taken back here; it takes effect at the very next publication.
import { ifCan } from '../access.js';
import { api } from '../api.js';
import { flash, formValues, guarded, h, quietButton, table, when } from '../dom.js';
import { grantEditForm, lines } from './grant-forms.js';

/** What a grant lets through, as a reader checks it. */
function typesOf(g) {
  if (g.eventTypes === null) return h('span', { class: 'status active' }, 'every type');
  return h(
    'ul',
    { class: 'types' },
    g.eventTypes.map((t) => h('li', {}, h('code', {}, t), t.endsWith('.*') ? ' (prefix)' : '')),
  );
}

export async function grantsView(view) {
  const { items } = await api('GET', '/grants');
  const reload = async (message) => {
    flash(message);
    await grantsView(view);
  };
  const remove = guarded('Deleting the grant', async (_click, g) => {
    const question =
      `Delete the grant to org ${g.fromOrg}? Its next publication into this org is refused ` +
      '(unless another grant admits it); what it published stays.';
    if (!confirm(question)) return;
    await api('DELETE', `/grants/${encodeURIComponent(g.id)}`, undefined, { version: g.updatedAt });
    await reload(`The grant to org ${g.fromOrg} was deleted.`);
  });
  const editor = h('div', { class: 'editor' });
  const edit = (g) =>
    editor.replaceChildren(
      grantEditForm(g, (saved) => reload(`The grant to org ${saved.fromOrg} was saved.`)),
    );
  const form = h(
    'form',
    {
      class: 'new-grant',
      onsubmit: guarded('Creating the grant', async (ev) => {
        ev.preventDefault();
        const v = formValues(ev.target);
        const types = lines(v.eventTypes);
        const created = await api('POST', '/grants', {
          fromOrg: v.fromOrg.trim(),
          ...(types.length ? { eventTypes: types } : {}),
          ...(v.description.trim() ? { description: v.description.trim() } : {}),
        });
        await reload(`Org ${created.fromOrg} may now publish into this org.`);
      }),
    },
    h('label', {}, 'From org (its slug)', h('input', { name: 'fromOrg', required: true })),
    h(
      'label',
      {},
      'Event types, one a line: an exact type (order.created) or a prefix pattern (billing.*); empty: every type',
      h('textarea', { name: 'eventTypes', rows: 4 }),
    ),
    h('label', {}, 'Description', h('input', { name: 'description', maxlength: 2000 })),
    h('div', {}, h('button', { type: 'submit' }, 'Create grant')),
  );
  view.replaceChildren(
    h('h1', {}, 'Grants'),
    h(
      'p',
      { class: 'muted' },
      'The orgs allowed to publish events into this one (event_bus targets of their rules), and which types. ' +
        'A publication no grant admits fails at once and is not retried.',
    ),
    table(
      // A key that may not change grants gets no column of buttons at all.
      ['from org', 'event types', 'description', 'created', ...ifCan('write', '')],
      items.map((g) => ({
        value: g,
        cells: [
          g.fromOrg,
          typesOf(g),
          g.description,
          when(g.createdAt),
          ...ifCan(
            'write',
            h(
              'div',
              { class: 'row' },
              quietButton('Edit', () => edit(g)),
              quietButton('Delete', (ev) => remove(ev, g)),
            ),
          ),
        ],
      })),
    ),
    editor,
    ...ifCan('write', h('h2', {}, 'New grant'), form),
  );
}
