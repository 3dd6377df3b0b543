// The live event log (filtered by type, by subject or id, or by text in the body), and one event in full: headers,
// raw and parsed body, actions with their attempts (one of them marked, when a link named it: the dead-letter
// queue's), replay.
import { ifCan } from '../access.js';
import { api, follow } from '../api.js';
import { flash, guarded, h, json, status, table, when } from '../dom.js';

/**
 * How many events the live list keeps. Left open on a busy org it would otherwise hold every event that came, and
 * draw them all again up to ten times a second: drawing grows with the rows (headless Chromium: 500 rows 60 ms, 2,000
 * 200 ms, 10,000 over a second), so the page would freeze long before it ran out of memory. 500 is ten of the API's
 * pages, minutes of a busy org's traffic to watch, drawn fast enough to keep up; older events are a page back away.
 */
const LIVE_CAP = 500;

function eventRows(items) {
  return items.map((e) => ({
    value: e,
    cells: [when(e.time), e.source, e.type, e.subject ?? '', status(e.status)],
  }));
}

/**
 * #/events: the latest events, then new ones as they are committed (live); #/events?q={text} those whose subject
 * or type holds the text, or whose id it is (an execution's lifecycle events, whose subject is its id).
 */
export async function eventsView(view, signal, search) {
  const filter = h('input', { name: 'type', placeholder: 'type, e.g. push', 'aria-label': 'Filter by type' });
  const text = h('input', {
    name: 'q',
    value: search,
    placeholder: 'subject or id, e.g. wf_…',
    'aria-label': 'Find by subject, type or id',
  });
  const inBody = h('input', {
    name: 'body',
    placeholder: 'text in the body, e.g. an order id',
    'aria-label': 'Find text in the body',
  });
  const live = h('span', { class: 'muted' }, 'connecting…');
  const body = h('div');
  // Worded without "Older events" or "filter": tests and people find the buttons by those words.
  const note = h(
    'p',
    { class: 'muted', role: 'status', hidden: true },
    `This live list keeps the newest ${LIVE_CAP} events; earlier ones were let go as new ones came. They are still stored: `,
    h(
      'button',
      { type: 'button', class: 'quiet', onclick: guarded('Loading the newest events', () => load()) },
      'Show the newest',
    ),
    ' to page back through them.',
  );
  let items = [];
  /** Where the next older page starts; null at the oldest. */
  let cursor = null;
  const older = h(
    'button',
    { type: 'button', class: 'quiet', onclick: guarded('Loading older events', () => load(cursor)) },
    'Older events',
  );
  const render = () => {
    older.hidden = cursor === null;
    body.replaceChildren(
      table(['time', 'source', 'type', 'subject', 'status'], eventRows(items), (e) => {
        location.hash = `#/events/${e.id}`;
      }),
    );
  };
  /** The newest page, or (with `from`) the next older one appended. */
  const load = async (from = null) => {
    const type = filter.value.trim();
    const q = text.value.trim();
    const inData = inBody.value.trim();
    const query = `limit=50${type ? `&type=${encodeURIComponent(type)}` : ''}${q ? `&q=${encodeURIComponent(q)}` : ''}${inData ? `&body=${encodeURIComponent(inData)}` : ''}${from ? `&cursor=${encodeURIComponent(from)}` : ''}`;
    const page = await api('GET', `/events?${query}`);
    items = from ? [...items, ...page.items] : page.items;
    cursor = page.nextCursor ?? null;
    note.hidden = true;
    render();
  };
  view.replaceChildren(
    h('h1', {}, 'Events'),
    h(
      'form',
      {
        class: 'row',
        onsubmit: guarded('Filtering', (ev) => {
          ev.preventDefault();
          // The address follows the search, so that a reload or a link shows the same events; replaceState
          // changes it without rendering the page again.
          const q = text.value.trim();
          history.replaceState(null, '', q ? `#/events?q=${encodeURIComponent(q)}` : '#/events');
          return load();
        }),
      },
      filter,
      text,
      inBody,
      h('button', { type: 'submit' }, 'Filter'),
      live,
    ),
    note,
    body,
    h('div', { class: 'row' }, older),
  );
  await load();
  /**
   * Draws the events that arrived since the list was last drawn. A busy org sends many a second, and drawing the
   * whole list again for each fell ever further behind: those that arrive within a tenth of a second are drawn once.
   */
  let drawing = null;
  const renderSoon = () => {
    drawing ??= setTimeout(() => {
      drawing = null;
      if (!signal.aborted) render();
    }, 100);
  };
  // New events arrive on the stream; each is read back for its stored status.
  follow(
    '',
    async (kind, data) => {
      if (kind !== 'event') return;
      const type = filter.value.trim();
      if (type && data.type !== type) return;
      // A search of bodies is the server's (its match of the stored text): its results are not followed live.
      if (inBody.value.trim()) return;
      const e = await api('GET', `/events/${encodeURIComponent(data.id)}`).catch(() => null);
      if (!e || items.some((x) => x.id === e.id)) return;
      if (!matchesText(e, text.value.trim())) return;
      items = [e, ...items];
      if (items.length > LIVE_CAP) {
        items.length = LIVE_CAP;
        // The cursor pointed past the oldest row, now gone: paging on from it would skip what was let go.
        cursor = null;
        note.hidden = false;
      }
      renderSoon();
    },
    signal,
  ).then(
    () => {
      if (!signal.aborted) live.textContent = 'live updates ended (reload to resume)';
    },
    (err) => {
      if (!signal.aborted) live.textContent = `live updates stopped: ${err.message}`;
    },
  );
  live.textContent = 'live';
}

/**
 * Whether a new event belongs to a free-text search, as the server's would take it: its id is the text, or its
 * subject or type holds it (ignoring case, as SQLite's like does: a few more rows rather than a missed one).
 */
function matchesText(e, q) {
  if (!q) return true;
  const lower = q.toLowerCase();
  return e.id === q || [e.subject ?? '', e.type].some((s) => s.toLowerCase().includes(lower));
}

/** #/events/{id}: everything about one event; #/events/{id}/actions/{actionId} marks one of its actions. */
export async function eventView(view, signal, id, actionId) {
  const e = await api('GET', `/events/${encodeURIComponent(id)}`);
  // Only webhooks keep their request body (others answer 404): asked only for them.
  const rawRes = e.source.startsWith('webhook:')
    ? await api('GET', `/events/${encodeURIComponent(id)}/raw`, undefined, { raw: true }).catch(() => null)
    : null;
  const raw = rawRes ? await rawRes.text() : null;
  const actions = h('div');
  const showActions = async () => {
    const fresh = await api('GET', `/events/${encodeURIComponent(id)}`);
    const details = await Promise.all(
      fresh.actions.map((a) => api('GET', `/actions/${encodeURIComponent(a.id)}`)),
    );
    actions.replaceChildren(
      table(
        ['rule', 'target', 'status', 'attempts', 'last error', 'result'],
        details.map((a) => ({
          value: a,
          attrs:
            a.id === actionId
              ? { id: `action-${a.id}`, class: 'chosen', 'aria-current': 'true', title: a.id }
              : { title: a.id },
          cells: [
            a.ruleName,
            a.endpoint ? `${a.targetType} → ${a.endpoint}` : a.targetType,
            status(a.status),
            attemptList(a.attempts),
            a.lastError ?? '',
            a.result === null ? '' : h('code', {}, JSON.stringify(a.result)),
          ],
        })),
      ),
    );
  };
  view.replaceChildren(
    h('h1', {}, `${e.type} `, status(e.status)),
    h(
      'dl',
      {},
      ...[
        ['id', h('code', {}, e.id)],
        ['source', e.source],
        ['subject', e.subject ?? '—'],
        ['received', when(e.time)],
        ['routed', when(e.routedAt)],
        ['correlation id', e.correlationId ?? '—'],
        ['verification', verification(e)],
        ['error', e.error ?? '—'],
      ].flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
    ),
    ...ifCan(
      'replay',
      h(
        'div',
        { class: 'row' },
        h(
          'button',
          {
            type: 'button',
            onclick: guarded('Replay', async () => {
              await api('POST', `/events/${encodeURIComponent(id)}/replay`, {});
              flash('Replayed: new actions follow the current rules.');
              setTimeout(() => void showActions().catch(() => {}), 800);
            }),
          },
          'Replay',
        ),
      ),
    ),
    h('h2', {}, 'Actions'),
    actions,
    h('h2', {}, 'Headers'),
    e.headers
      ? table(
          ['header', 'value'],
          Object.entries(e.headers).map(([k, v]) => ({ cells: [k, v] })),
        )
      : h('p', { class: 'muted' }, 'None (published, not received).'),
    h('h2', {}, 'Raw body'),
    raw === null
      ? h('p', { class: 'muted' }, 'None: only webhooks keep their request body.')
      : h('pre', { class: 'raw' }, raw),
    h('h2', {}, 'Parsed data'),
    json(e.data),
  );
  await showActions();
  document.getElementById(`action-${actionId}`)?.scrollIntoView({ block: 'center' });
}

/**
 * Webhooks are stored only once verified, unless the source keeps refused ones (status rejected) for debugging. How
 * one was verified is the event's own record of its arrival (verifiedBy), not the source's verifier now: a verifier
 * given to the source later does not make an earlier event verified. A source whose verifier was none took any request.
 */
function verification(e) {
  if (!e.source.startsWith('webhook:')) return 'not a webhook (published or made by Eventhook)';
  if (e.status === 'rejected')
    return h('span', { class: 'error' }, `refused: ${e.error ?? 'unknown reason'}`);
  const slug = e.source.slice('webhook:'.length);
  if (e.verifiedBy === 'none')
    return `not verified: source ${slug} had no verifier when it arrived, so it took any request`;
  if (!e.verifiedBy) return 'accepted by the source (how it was verified was not recorded then)';
  return `verified by the source’s ${e.verifiedBy} verifier`;
}

function attemptList(attempts) {
  if (!attempts?.length) return '0';
  return h(
    'ol',
    {},
    attempts.map((t) =>
      h(
        'li',
        {},
        `${t.outcome}${t.statusCode ? ` ${t.statusCode}` : ''} · ${t.latencyMs} ms${t.error ? ` · ${t.error}` : ''}`,
      ),
    ),
  );
}
