// One workflow or task of the local engine in full: its state, worker and lease, timestamps, input, output and error,
// the correlation and trace it carries on, a link to its lifecycle events (their subject is its id, which the event
// log's free-text search finds) and a workflow's promises. A pending or running one can be cancelled, after asking.
import { can } from '../access.js';
import { api } from '../api.js';
import { flash, formValues, h, json, status, when } from '../dom.js';
import { engineOffNotice, localEngineOff, promisesTable } from './engine.js';

const SINGULAR = { workflows: 'workflow', tasks: 'task' };
const capital = (s) => s[0].toUpperCase() + s.slice(1);

function facts(x, plural) {
  // A correlation id Eventhook gave is the id of the event that began the chain (one the sender set is not an id).
  const correlation = x.correlationId?.startsWith('evt_')
    ? [
        h('code', {}, x.correlationId),
        ' (',
        h('a', { href: `#/events/${encodeURIComponent(x.correlationId)}` }, 'the event that began the chain'),
        ')',
      ]
    : x.correlationId
      ? h('code', {}, x.correlationId)
      : '—';
  const metadata = Object.entries(x.metadata ?? {});
  return h(
    'dl',
    {},
    ...[
      ['id', h('code', {}, x.id)],
      ['kind', x.kind],
      ['status', status(x.status)],
      ['queue', x.queue],
      ['idempotency key', x.idempotencyKey === null ? '—' : h('code', {}, x.idempotencyKey)],
      ['worker', x.workerId ?? '—'],
      ['lease until', when(x.leaseUntil)],
      ...(plural === 'tasks' ? [['executions', `${x.executionCount} of at most ${x.maxRetries + 1}`]] : []),
      ['created', when(x.createdAt)],
      ['started', when(x.startedAt)],
      ['finished', when(x.completedAt)],
      ['correlation id', correlation],
      ['traceparent', x.traceparent ? h('code', {}, x.traceparent) : '—'],
      [
        'metadata',
        metadata.length ? metadata.map(([k, v]) => h('div', {}, h('code', {}, `${k}: ${v}`))) : '—',
      ],
      [
        'lifecycle events',
        h(
          'a',
          { href: `#/events?q=${encodeURIComponent(x.id)}`, class: 'lifecycle' },
          'in the event log (subject ',
          h('code', {}, x.id),
          ')',
        ),
      ],
    ].flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

/**
 * Asks, then cancels; `onAnswer(execution)` on success, `onFinished(message)` when it ended meanwhile (409
 * EH_ENGINE_FINISHED: the page is then out of date), and any other refusal (a role that may not cancel) is shown
 * in the form.
 */
function cancelForm(what, x, path, onAnswer, onFinished) {
  const problem = h('p', { class: 'error problem', role: 'alert' });
  const form = h(
    'form',
    {
      class: 'cancel-execution',
      onsubmit: async (ev) => {
        ev.preventDefault();
        problem.replaceChildren();
        const question =
          `Cancel ${what} ${x.id}? It ends cancelled and is not handed out again; ` +
          'a worker running it is told to stop at its next heartbeat.';
        if (!confirm(question)) return;
        const reason = formValues(form).reason.trim();
        try {
          await onAnswer(await api('POST', `${path}/cancel`, reason ? { reason } : {}));
        } catch (err) {
          if (err.problem?.code === 'EH_ENGINE_FINISHED') return onFinished(`Not cancelled: ${err.message}`);
          problem.textContent = `Not cancelled: ${err.message}`;
        }
      },
    },
    h('h3', {}, `Cancel this ${what}`),
    h(
      'label',
      {},
      'Reason (optional: kept as its error, and told to its worker)',
      h('input', { name: 'reason', maxlength: 10_000 }),
    ),
    problem,
    h('div', {}, h('button', { type: 'submit' }, `Cancel ${what}`)),
  );
  return form;
}

/** #/engine/{workflows|tasks}/{id}; `notice` is shown above it (what a refused cancellation said). */
export async function executionView(view, signal, plural, id, notice = null) {
  const what = SINGULAR[plural];
  const path = `/engine/${plural}/${encodeURIComponent(id)}`;
  let x;
  try {
    x = await api('GET', path);
  } catch (err) {
    if (!localEngineOff(err)) throw err;
    return view.replaceChildren(h('h1', {}, capital(what)), engineOffNotice());
  }
  const promises =
    plural === 'workflows'
      ? (await api('GET', `/engine/promises?workflowId=${encodeURIComponent(id)}&limit=200`)).items
      : null;
  const again = (message) => executionView(view, signal, plural, id, message);
  const live = x.status === 'pending' || x.status === 'running';
  const parts = [
    h('h1', {}, `${capital(what)} ${x.kind} `, status(x.status)),
    notice ? h('p', { class: 'error', role: 'alert' }, notice) : null,
    h('p', {}, h('a', { href: `#/engine/${plural}` }, `All ${plural}`)),
    facts(x, plural),
    live && can('cancel')
      ? cancelForm(
          what,
          x,
          path,
          async (after) => {
            flash(`${capital(what)} ${after.id} is ${after.status}.`);
            await again(null);
          },
          again,
        )
      : null,
    x.error === null ? null : [h('h2', {}, 'Error'), h('pre', { class: 'error' }, x.error)],
    h('h2', {}, 'Input'),
    json(x.input),
    h('h2', {}, 'Output'),
    x.output === null ? h('p', { class: 'muted' }, 'None.') : json(x.output),
    promises ? [h('h2', {}, 'Promises'), promisesTable(promises)] : null,
  ];
  view.replaceChildren(...parts.flat().filter(Boolean));
}
