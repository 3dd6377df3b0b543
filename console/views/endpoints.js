// Outbound endpoints with their health: state, success rate, latency percentiles, queue depth.
import { api } from '../api.js';
import { h, status, table, when } from '../dom.js';

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
    details.replaceChildren(
      h('h2', {}, full.slug),
      h('p', {}, h('code', {}, full.url), full.disabledReason ? ` — disabled: ${full.disabledReason}` : ''),
      healthList(full.health),
    );
  };
  view.replaceChildren(
    h('h1', {}, 'Endpoints'),
    table(
      ['slug', 'url', 'status', 'description'],
      items.map((e) => ({
        value: e,
        cells: [e.slug, h('code', {}, e.url), status(e.status), e.description ?? ''],
      })),
      show,
    ),
    details,
  );
}
