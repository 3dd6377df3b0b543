// One promise of the local engine in full: its key, the workflow it belongs to (linked to that workflow's page), its
// state, its value or error, when it was made and settled, and a link to its lifecycle events (promise.created,
// promise.resolved, …: their subject is its id, which the event log's free-text search finds, as execution.js does).
import { api } from '../api.js';
import { h, json, status, when } from '../dom.js';
import { engineOffNotice, localEngineOff } from './engine.js';

function facts(p) {
  return h(
    'dl',
    {},
    ...[
      ['id', h('code', {}, p.id)],
      ['key', p.key === null ? '—' : h('code', {}, p.key)],
      [
        'workflow',
        p.workflowId
          ? h(
              'a',
              { href: `#/engine/workflows/${encodeURIComponent(p.workflowId)}`, class: 'workflow' },
              h('code', {}, p.workflowId),
            )
          : '—',
      ],
      ['status', status(p.status)],
      ['created', when(p.createdAt)],
      ['settled', when(p.settledAt)],
      [
        'lifecycle events',
        h(
          'a',
          { href: `#/events?q=${encodeURIComponent(p.id)}`, class: 'lifecycle' },
          'in the event log (subject ',
          h('code', {}, p.id),
          ')',
        ),
      ],
    ].flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

/** What it settled with: a resolved one's value, a rejected one's error; a pending one has neither yet. */
function outcome(p) {
  if (p.status === 'rejected') return [h('h2', {}, 'Error'), h('pre', { class: 'error' }, p.error ?? '')];
  if (p.status === 'resolved') return [h('h2', {}, 'Value'), json(p.value)];
  return h('p', { class: 'muted' }, 'Not settled yet: a rule’s promise target resolves or rejects it.');
}

/** #/engine/promises/{id} */
export async function promiseView(view, signal, id) {
  let p;
  try {
    p = await api('GET', `/engine/promises/${encodeURIComponent(id)}`);
  } catch (err) {
    if (!localEngineOff(err)) throw err;
    return view.replaceChildren(h('h1', {}, 'Promise'), engineOffNotice());
  }
  view.replaceChildren(
    h('h1', {}, `Promise ${p.key ?? p.id} `, status(p.status)),
    h('p', {}, h('a', { href: '#/engine/promises' }, 'All promises')),
    facts(p),
    ...[outcome(p)].flat(),
  );
}
