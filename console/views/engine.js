// The local engine's work (docs/engines.md): the workflows, tasks and promises rules started, newest first, filtered
// by status (and kind), paged with the API's cursor; a workflow or task opens in full (#/engine/{workflows|tasks}/{id},
// execution.js), and so does a promise (#/engine/promises/{id}, promise.js). The filters live in the address
// (#/engine/tasks?status=failed&kind=ship), so Back and a reload keep them. With Flovyn as the engine the executions
// live there: the page says so instead of failing.
import { ApiError, api } from '../api.js';
import { guarded, h, status, table, when } from '../dom.js';

const EXECUTION_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'];
const MODES = {
  workflows: { statuses: EXECUTION_STATUSES, kinds: true },
  tasks: { statuses: EXECUTION_STATUSES, kinds: true },
  promises: { statuses: ['pending', 'resolved', 'rejected'], kinds: false },
};

/** The engine routes' answer when EVENTHOOK_ENGINE=flovyn: not a failure, the deployment's choice. */
export function localEngineOff(err) {
  return err instanceof ApiError && err.status === 404 && err.problem?.code === 'EH_LOCAL_ENGINE_OFF';
}

export function engineOffNotice() {
  return h(
    'div',
    { class: 'notice engine-off' },
    h(
      'p',
      {},
      'The local engine is off: this deployment runs its workflows, tasks and promises in Flovyn ' +
        '(EVENTHOOK_ENGINE=flovyn), so their executions are seen and cancelled there.',
    ),
    h(
      'p',
      {},
      'The actions that started them are shown with their events; Flovyn’s lifecycle events ' +
        '(workflow.completed, task.failed, …) come into the ',
      h('a', { href: '#/events' }, 'event log'),
      ' when Eventhook takes them from Flovyn’s NATS (EVENTHOOK_FLOVYN_NATS_URL).',
    ),
  );
}

function executionRows(mode, items) {
  return items.map((x) => ({
    value: x,
    cells: [
      when(x.createdAt),
      x.kind,
      status(x.status),
      x.queue,
      x.workerId ?? '',
      ...(mode === 'tasks' ? [`${x.executionCount} of ${x.maxRetries + 1}`] : []),
      h('code', {}, x.id),
    ],
  }));
}

function promiseRows(items) {
  return items.map((p) => ({
    value: p,
    cells: [
      when(p.createdAt),
      p.key ?? '',
      status(p.status),
      p.workflowId
        ? h(
            'a',
            { href: `#/engine/workflows/${encodeURIComponent(p.workflowId)}` },
            h('code', {}, p.workflowId),
          )
        : '',
      when(p.settledAt),
      p.error ?? (p.value === null ? '' : h('code', {}, JSON.stringify(p.value))),
      h('code', {}, p.id),
    ],
  }));
}

/** The promises table, also shown on a workflow's page (its own promises); a row opens its promise. */
export function promisesTable(items) {
  return table(
    ['created', 'key', 'status', 'workflow', 'settled', 'value or error', 'id'],
    promiseRows(items),
    (p) => (location.hash = `#/engine/promises/${encodeURIComponent(p.id)}`),
  );
}

/** #/engine, #/engine/{workflows|tasks|promises}?status=…&kind=… */
export async function engineView(view, signal, mode = 'workflows') {
  const { statuses, kinds } = MODES[mode];
  const asked = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const statusFilter = h(
    'select',
    { name: 'status', 'aria-label': 'Status' },
    h('option', { value: '' }, 'Any status'),
    statuses.map((s) => h('option', { value: s, selected: s === asked.get('status') }, s)),
  );
  const kindFilter = kinds
    ? h('input', {
        name: 'kind',
        value: asked.get('kind') ?? '',
        placeholder: 'kind, e.g. on-push',
        'aria-label': 'Kind',
      })
    : null;
  const body = h('div');
  let items = [];
  /** Where the next older page starts; null at the oldest. */
  let cursor = null;
  const older = h(
    'button',
    { type: 'button', class: 'quiet', onclick: guarded(`Loading older ${mode}`, () => load(cursor)) },
    `Older ${mode}`,
  );
  const filters = () => {
    const q = new URLSearchParams();
    if (statusFilter.value) q.set('status', statusFilter.value);
    if (kindFilter?.value.trim()) q.set('kind', kindFilter.value.trim());
    return q;
  };
  /** The newest page, or (with `from`) the next older one appended. */
  const load = async (from = null) => {
    const q = filters();
    q.set('limit', '50');
    if (from) q.set('cursor', from);
    const page = await api('GET', `/engine/${mode}?${q}`);
    items = from ? [...items, ...page.items] : page.items;
    cursor = page.nextCursor ?? null;
    older.hidden = cursor === null;
    body.replaceChildren(
      mode === 'promises'
        ? promisesTable(items)
        : table(
            [
              'created',
              'kind',
              'status',
              'queue',
              'worker',
              ...(mode === 'tasks' ? ['executions'] : []),
              'id',
            ],
            executionRows(mode, items),
            (x) => (location.hash = `#/engine/${mode}/${encodeURIComponent(x.id)}`),
          ),
    );
  };
  const heading = h('h1', {}, 'Engine');
  const switcher = h(
    'div',
    { class: 'row switch' },
    Object.keys(MODES).map((m) =>
      h(
        'a',
        {
          href: `#/engine/${m}`,
          class: m === mode ? 'active' : null,
          'aria-current': m === mode ? 'page' : null,
        },
        m[0].toUpperCase() + m.slice(1),
      ),
    ),
  );
  try {
    await load();
  } catch (err) {
    if (!localEngineOff(err)) throw err;
    view.replaceChildren(heading, engineOffNotice());
    return;
  }
  view.replaceChildren(
    heading,
    switcher,
    h(
      'form',
      {
        class: 'row',
        onsubmit: guarded('Filtering', (ev) => {
          ev.preventDefault();
          const q = filters().toString();
          const hash = `#/engine/${mode}${q ? `?${q}` : ''}`;
          // A new address renders the page again (hashchange); the same one would not, so it reloads here.
          if (location.hash === hash) return load();
          location.hash = hash;
        }),
      },
      statusFilter,
      kindFilter,
      h('button', { type: 'submit' }, 'Filter'),
    ),
    body,
    h('div', { class: 'row' }, older),
  );
}
