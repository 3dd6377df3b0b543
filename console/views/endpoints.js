// Outbound endpoints with their health (state, success rate, latency percentiles, queue depth); one can be paused
// and enabled again, and a new one created, its signing secret shown once.
import { api } from '../api.js';
import { copyButton, flash, formValues, guarded, h, status, table, when } from '../dom.js';

function healthList(health) {
  const rate = health.successRate === null ? '—' : `${(health.successRate * 100).toFixed(1)} %`;
  const latency = health.latencyMs
    ? `p50 ${health.latencyMs.p50} ms · p90 ${health.latencyMs.p90} ms · p99 ${health.latencyMs.p99} ms`
    : '—';
  const q = health.queue;
  return h(
    'dl',
    { class: 'health' },
    ...[
      ['state', status(health.state)],
      [
        `success rate (last ${Math.round(health.windowSeconds / 60)} min)`,
        `${rate} of ${health.attempts} attempts`,
      ],
      ['latency', latency],
      [
        'queue',
        `${q.depth} waiting (${q.pending} pending, ${q.inFlight} in flight, ${q.failed} to retry) · ${q.dead} dead`,
      ],
      ['consecutive failures', String(health.consecutiveFailures)],
      ['failing since', when(health.failingSince)],
      ['circuit open until', when(health.openUntil)],
    ].flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

export async function endpointsView(view) {
  const { items } = await api('GET', '/endpoints');
  const details = h('div');
  const show = async (e) => {
    const full = await api('GET', `/endpoints/${encodeURIComponent(e.slug)}`);
    const path = `/endpoints/${encodeURIComponent(full.slug)}`;
    const change = guarded('Changing the endpoint', async (call, message) => {
      await call();
      flash(message);
      await endpointsView(view);
    });
    details.replaceChildren(
      h('h2', {}, full.slug),
      h('p', {}, h('code', {}, full.url), full.disabledReason ? ` — disabled: ${full.disabledReason}` : ''),
      h(
        'div',
        { class: 'row' },
        full.status === 'active'
          ? h(
              'button',
              {
                type: 'button',
                class: 'quiet',
                onclick: () =>
                  change(() => api('PATCH', path, { status: 'paused' }), `Endpoint ${full.slug} paused.`),
              },
              'Pause',
            )
          : h(
              'button',
              {
                type: 'button',
                class: 'quiet',
                onclick: () =>
                  change(
                    () => api('POST', `${path}/enable`, {}),
                    `Endpoint ${full.slug} enabled: its waiting deliveries go out.`,
                  ),
              },
              'Enable',
            ),
      ),
      healthList(full.health),
    );
  };
  const form = h(
    'form',
    {
      onsubmit: guarded('Creating the endpoint', async (ev) => {
        ev.preventDefault();
        const v = formValues(ev.target);
        const created = await api('POST', '/endpoints', {
          slug: v.slug,
          url: v.url,
          ...(v.description ? { description: v.description } : {}),
        });
        flash(`Endpoint ${created.slug} created.`);
        await endpointsView(view);
        // The signing secret Eventhook generated is shown this once: it stays until the user leaves the page.
        if (created.secret)
          view.prepend(
            h(
              'div',
              { class: 'row secret-once' },
              `The signing secret of ${created.slug}, shown once (the receiver verifies with it):`,
              h('code', {}, created.secret),
              copyButton(created.secret),
            ),
          );
      }),
    },
    h('label', {}, 'Slug', h('input', { name: 'slug', required: true })),
    h('label', {}, 'URL', h('input', { name: 'url', type: 'url', required: true })),
    h('label', {}, 'Description', h('input', { name: 'description' })),
    h('div', {}, h('button', { type: 'submit' }, 'Create endpoint')),
  );
  view.replaceChildren(
    h('h1', {}, 'Endpoints'),
    table(
      ['slug', 'url', 'status', 'description'],
      items.map((e) => ({
        value: e,
        cells: [e.slug, h('code', {}, e.url), status(e.status), e.description ?? ''],
      })),
      guarded('Loading the endpoint', show),
    ),
    details,
    h('h2', {}, 'New endpoint'),
    form,
  );
}
