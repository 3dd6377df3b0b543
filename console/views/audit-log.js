// The audit log: who changed which source, rule, endpoint, grant or API key of the org, when, and which fields (by
// name only: the API never records their values), newest first, paged with the API's cursor. The filters live in the
// address (#/audit-log?resource=endpoint&name=crm), so Back, a reload and a resource's History link keep them.
import { api } from '../api.js';
import { fill, guarded, h, table, when } from '../dom.js';

/** The kinds of resource the log records, as the API names them and as the page says them. */
const RESOURCES = {
  source: 'source',
  rule: 'rule',
  endpoint: 'endpoint',
  grant: 'grant',
  api_key: 'API key',
  org: 'org',
};

/**
 * The address of one resource's history: the page its source, rule, endpoint or key links as History. By its id, so
 * that a renamed rule keeps its history whole and an endpoint made again with a deleted one's slug has its own.
 */
export function historyHref(resource, id) {
  return `#/audit-log?${new URLSearchParams({ resource, id })}`;
}

/** A link to `historyHref`, for a resource's own page. */
export function historyLink(resource, id) {
  return h('a', { class: 'history', href: historyHref(resource, id) }, 'History');
}

/** Who made the change: a key (by the name and role it had then), the operator token, or Eventhook and why. */
function author(actor) {
  if (actor.kind === 'key') return h('span', { title: actor.id }, `${actor.name} (${actor.role} key)`);
  if (actor.kind === 'operator') return 'operator';
  return `Eventhook: ${actor.reason}`;
}

function entryRows(items) {
  return items.map((e) => ({
    attrs: { title: e.id },
    cells: [
      when(e.at),
      author(e.actor),
      e.action.replaceAll('_', ' '),
      // The name opens that resource's history; the resource itself may be gone.
      [
        `${RESOURCES[e.resource] ?? e.resource} `,
        h('a', { href: historyHref(e.resource, e.resourceId) }, e.name),
      ],
      e.fields.length ? e.fields.join(', ') : '—',
    ],
  }));
}

/** #/audit-log?resource=…&name=…, or ?resource=…&id=… for one resource's history across its names. */
export async function auditLogView(view) {
  const asked = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const oneResource = asked.get('id');
  const resourceFilter = h(
    'select',
    { name: 'resource', 'aria-label': 'Resource' },
    h('option', { value: '' }, 'Any resource'),
    Object.entries(RESOURCES).map(([value, label]) =>
      h('option', { value, selected: value === asked.get('resource') }, label),
    ),
  );
  const nameFilter = h('input', {
    name: 'name',
    value: asked.get('name') ?? '',
    placeholder: 'name, e.g. crm',
    'aria-label': 'Name',
    maxlength: 255,
  });
  const body = h('div');
  let items = [];
  /** Where the next older page starts; null at the oldest. */
  let cursor = null;
  const older = h(
    'button',
    { type: 'button', class: 'quiet', onclick: guarded('Loading older changes', () => load(cursor)) },
    'Older changes',
  );
  const filters = () => {
    const q = new URLSearchParams();
    if (resourceFilter.value) q.set('resource', resourceFilter.value);
    if (nameFilter.value.trim()) q.set('name', nameFilter.value.trim());
    return q;
  };
  /** What the API is asked: the filters, or one resource by id while its history is shown. */
  const query = () => {
    if (!oneResource) return filters();
    return new URLSearchParams({ resource: asked.get('resource') ?? '', resourceId: oneResource });
  };
  /** The newest page, or (with `from`) the next older one appended. */
  const load = async (from = null) => {
    const q = query();
    q.set('limit', '50');
    if (from) q.set('cursor', from);
    const page = await api('GET', `/audit-log?${q}`);
    items = from ? [...items, ...page.items] : page.items;
    cursor = page.nextCursor ?? null;
    older.hidden = cursor === null;
    body.replaceChildren(table(['time', 'who', 'action', 'resource', 'fields set'], entryRows(items)));
  };
  await load();
  fill(
    view,
    h('h1', {}, 'Audit log'),
    h(
      'p',
      { class: 'muted' },
      'Every change of a source, rule, endpoint, grant or API key of this org, and of the org itself: who made ' +
        'it and which fields it set (never their values).',
    ),
    oneResource
      ? h(
          'p',
          { class: 'history-of' },
          `The history of one ${RESOURCES[asked.get('resource')] ?? 'resource'} (${oneResource}), under every name it had. `,
          h('a', { href: '#/audit-log' }, 'All changes'),
        )
      : null,
    h(
      'form',
      {
        class: 'row',
        onsubmit: guarded('Filtering', (ev) => {
          ev.preventDefault();
          const q = filters().toString();
          const hash = `#/audit-log${q ? `?${q}` : ''}`;
          // A new address renders the page again (hashchange); the same one would not, so it reloads here.
          if (location.hash === hash) return load();
          location.hash = hash;
        }),
      },
      resourceFilter,
      nameFilter,
      h('button', { type: 'submit' }, 'Filter'),
    ),
    body,
    h('div', { class: 'row' }, older),
  );
}
