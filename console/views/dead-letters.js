// The dead-letter queue: actions whose last attempt failed, each linked to its event and to itself among the event's
// actions, retriable one by one or all at once — the whole org's, or one endpoint's (#/dead-letters/{endpoint}).
import { ifCan } from '../access.js';
import { api } from '../api.js';
import { flash, guarded, h, table, when } from '../dom.js';

/**
 * Set when an endpoint was chosen from the focused list (arrow keys change it at once): the page drawn for it gives
 * its list the focus back, so that the keys go on through the endpoints instead of the focus being lost.
 */
let chooserFocused = false;

export async function deadLettersView(view, signal, endpoint) {
  const only = endpoint ? `&endpoint=${encodeURIComponent(endpoint)}` : '';
  const list = (from) =>
    api('GET', `/actions?status=dead&limit=200${only}${from ? `&cursor=${encodeURIComponent(from)}` : ''}`);
  const [first, endpoints] = await Promise.all([list(null), api('GET', '/endpoints')]);
  let items = first.items;
  /** Where the next older page starts; null at the oldest. */
  let cursor = first.nextCursor ?? null;
  const send = async (path, body) => {
    const r = await api('POST', path, body);
    flash(r && typeof r.count === 'number' ? `${r.count} action(s) queued again.` : 'Queued again.');
    setTimeout(() => void deadLettersView(view, signal, endpoint).catch(() => {}), 800);
  };
  const retry = guarded('Retry', (_click, path) => send(path));
  const filter = endpoint ? { status: 'dead', endpoint } : { status: 'dead' };
  // Every dead action of the org (or endpoint) is sent again at once, up to thousands: asked first, with the count.
  const retryAll = guarded('Retry', async () => {
    const counted = await api('POST', '/actions/retry', { filter, dryRun: true });
    const n = `${counted.count.toLocaleString('en')}${counted.truncated ? ' or more' : ''}`;
    const what = endpoint ? `dead webhook action(s) to ${endpoint}` : 'dead action(s) of this org';
    if (!confirm(`Retry ${n} ${what}? Each is attempted again now.`)) return;
    await send('/actions/retry', { filter });
  });
  const choose = h(
    'select',
    {
      name: 'endpoint',
      'aria-label': 'Endpoint',
      onchange: (e) => {
        chooserFocused = document.activeElement === e.target;
        const slug = e.target.value;
        location.hash = slug ? `#/dead-letters/${encodeURIComponent(slug)}` : '#/dead-letters';
      },
    },
    h('option', { value: '' }, 'All targets'),
    ...endpoints.items.map((ep) =>
      h('option', { value: ep.slug, selected: ep.slug === endpoint }, `Endpoint ${ep.slug}`),
    ),
  );
  const count = h('span', { class: 'muted' });
  const rows = h('div');
  // A long queue is read 200 at a time, as the events are 50 at a time.
  const older = h(
    'button',
    {
      type: 'button',
      class: 'quiet',
      onclick: guarded('Loading older dead letters', async () => {
        const page = await list(cursor);
        items = [...items, ...page.items];
        cursor = page.nextCursor ?? null;
        render();
      }),
    },
    'Older dead letters',
  );
  view.replaceChildren(
    h('h1', {}, endpoint ? `Dead letters of ${endpoint}` : 'Dead letters'),
    h(
      'div',
      { class: 'row' },
      choose,
      ifCan(
        'replay',
        h(
          'button',
          {
            type: 'button',
            disabled: items.length === 0,
            onclick: retryAll,
          },
          'Retry all',
        ),
      ),
      count,
    ),
    rows,
    older,
  );
  render();
  if (chooserFocused) choose.focus();
  chooserFocused = false;

  function render() {
    count.textContent = `${items.length}${cursor ? '+' : ''} dead`;
    older.hidden = cursor === null;
    rows.replaceChildren(
      table(
        ['when', 'event', 'action', 'rule', 'target', 'attempts', 'last error', ...ifCan('replay', '')],
        items.map((a) => ({
          value: a,
          cells: [
            when(a.updatedAt),
            // The event in full, and the same page with this action marked among the event's actions.
            h('a', { href: `#/events/${encodeURIComponent(a.eventId)}` }, h('code', {}, a.eventId)),
            h(
              'a',
              { href: `#/events/${encodeURIComponent(a.eventId)}/actions/${encodeURIComponent(a.id)}` },
              h('code', {}, a.id),
            ),
            a.ruleName,
            a.endpoint ? `${a.targetType} → ${a.endpoint}` : a.targetType,
            String(a.attemptCount),
            a.lastError ?? '',
            ...ifCan(
              'replay',
              h(
                'button',
                {
                  type: 'button',
                  class: 'quiet',
                  onclick: (ev) => retry(ev, `/actions/${encodeURIComponent(a.id)}/retry`),
                },
                'Retry',
              ),
            ),
          ],
        })),
      ),
    );
  }
}
