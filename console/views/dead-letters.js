// The dead-letter queue: actions whose last attempt failed, retriable one by one or all at once.
import { api } from '../api.js';
import { flash, guarded, h, table, when } from '../dom.js';

export async function deadLettersView(view) {
  const { items, nextCursor } = await api('GET', '/actions?status=dead&limit=200');
  const retry = guarded('Retry', async (path, body) => {
    const r = await api('POST', path, body);
    flash(r && typeof r.count === 'number' ? `${r.count} action(s) queued again.` : 'Queued again.');
    setTimeout(() => void deadLettersView(view).catch(() => {}), 800);
  });
  view.replaceChildren(
    h('h1', {}, 'Dead letters'),
    h(
      'div',
      { class: 'row' },
      h(
        'button',
        {
          type: 'button',
          disabled: items.length === 0,
          onclick: () => retry('/actions/retry', { filter: { status: 'dead' } }),
        },
        'Retry all',
      ),
      h('span', { class: 'muted' }, `${items.length}${nextCursor ? '+' : ''} dead`),
    ),
    table(
      ['when', 'rule', 'target', 'attempts', 'last error', ''],
      items.map((a) => ({
        value: a,
        cells: [
          when(a.updatedAt),
          a.ruleName,
          a.endpoint ? `${a.targetType} → ${a.endpoint}` : a.targetType,
          String(a.attempts),
          a.lastError ?? '',
          h(
            'button',
            {
              type: 'button',
              class: 'quiet',
              onclick: () => retry(`/actions/${encodeURIComponent(a.id)}/retry`),
            },
            'Retry',
          ),
        ],
      })),
    ),
  );
}
