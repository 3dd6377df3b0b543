// The form that changes a grant: its event types and description (PATCH …/grants/{grant}). The org it lets publish
// is not a field: it cannot be changed, and another org gets a grant of its own.
import { h } from '../dom.js';
import { editForm } from '../forms.js';

/** The lines of a textarea, trimmed, without empty ones. */
export const lines = (text) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** The form's values as the API's PATCH names them; no types is null: every type. */
function patchOf(v) {
  const types = lines(v.eventTypes);
  return { eventTypes: types.length ? types : null, description: v.description.trim() };
}

/** Changes a grant's event types and description; `onSaved` gets the grant as the API returns it. */
export function grantEditForm(g, onSaved) {
  return editForm(
    {
      what: 'grant',
      inForm: true,
      title: `Change the grant to org ${g.fromOrg}`,
      hint:
        `The next publication from org ${g.fromOrg} meets the change: a type no longer listed is refused. ` +
        'To let another org publish, give it a grant of its own.',
      path: `/grants/${encodeURIComponent(g.id)}`,
      version: g.updatedAt,
      patchOf,
      onSaved,
    },
    h(
      'label',
      {},
      'Event types, one a line: an exact type (order.created) or a prefix pattern (billing.*); empty: every type',
      h('textarea', { name: 'eventTypes', rows: 4 }, (g.eventTypes ?? []).join('\n')),
    ),
    h('label', {}, 'Description', h('input', { name: 'description', maxlength: 2000, value: g.description })),
  );
}
