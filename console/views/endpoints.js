// Outbound endpoints, each listed with its health state and shown with its health in full (state, success rate,
// latency percentiles, queue depth); one can be paused and enabled again, changed (URL and limits, or its advanced
// settings: headers, auth, ordering, retry), sent a test message, given a new signing secret or deleted, and a new
// one created. A signing secret Eventhook generates is shown once, when made. Its History is the audit log's.
import { ifCan } from '../access.js';
import { api } from '../api.js';
import { duration, flash, formValues, guarded, h, quietButton, status, table, when } from '../dom.js';
import { rotationNotice, secretOnce, secretsList } from '../secrets.js';
import { historyLink } from './audit-log.js';
import { endpointEditForm, endpointRotateForm, endpointSettingsForm } from './endpoint-forms.js';

function healthList(health, slug) {
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
      [`success rate (last ${duration(health.windowSeconds)})`, `${rate} of ${health.attempts} attempts`],
      ['latency', latency],
      [
        'queue',
        [
          `${q.depth} waiting (${q.pending} pending, ${q.inFlight} in flight, ${q.failed} to retry) · `,
          q.dead > 0
            ? h('a', { href: `#/dead-letters/${encodeURIComponent(slug)}` }, `${q.dead} dead`)
            : '0 dead',
        ],
      ],
      ['consecutive failures', String(health.consecutiveFailures)],
      ['failing since', when(health.failingSince)],
      ['circuit open until', when(health.openUntil)],
    ].flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

/** What the endpoint answered a test message: it was signed and sent as a delivery is, and recorded nowhere. */
function testResult(r) {
  const answer = r.statusCode === null ? 'no answer' : `answered ${r.statusCode}`;
  return h(
    'div',
    { class: `test-result ${r.ok ? 'ok' : 'failed'}` },
    h(
      'p',
      {},
      r.ok ? 'Test message delivered: ' : 'Test message not delivered: ',
      `${answer} in ${r.latencyMs} ms`,
      r.error ? ` — ${r.error}` : '',
      ' (',
      h('code', {}, r.msgId),
      ')',
    ),
    r.response && r.response.body !== ''
      ? h('pre', {}, r.response.body + (r.response.truncated ? '\n[truncated]' : ''))
      : null,
    h(
      'p',
      { class: 'muted' },
      'A test is not recorded: no attempt, no effect on the health or the circuit breaker.',
    ),
  );
}

/** A generated secret (and the public key of an Ed25519 one): the API returns it this once. */
function shownOnce(e, what) {
  return [
    secretOnce(`${what} of ${e.slug}, shown once (the receiver verifies with it):`, e.secret),
    e.publicKey ? h('p', {}, 'Its public key: ', h('code', {}, e.publicKey)) : null,
  ];
}

export async function endpointsView(view) {
  const { items } = await api('GET', '/endpoints');
  const reload = async (message) => {
    flash(message);
    await endpointsView(view);
  };
  const rotated = async (e, graceSeconds) => {
    await reload(`Endpoint ${e.slug} has a new signing secret.`);
    // Shown above the list until the user leaves the page: the secret is in no later answer.
    view.prepend(
      h(
        'div',
        { class: 'notice' },
        rotationNotice(
          `Endpoint ${e.slug} has a new signing secret: deliveries are signed with it from now on.`,
          e,
          graceSeconds,
          'signing',
        ),
        e.secret ? shownOnce(e, 'The new signing secret') : null,
      ),
    );
  };
  const remove = guarded('Deleting the endpoint', async (_click, e) => {
    const question = `Delete endpoint ${e.slug}? Deliveries waiting for it fail; what it received stays readable.`;
    if (!confirm(question)) return;
    await api('DELETE', `/endpoints/${encodeURIComponent(e.slug)}`, undefined, { version: e.updatedAt });
    await reload(`Endpoint ${e.slug} deleted.`);
  });
  const details = h('div');
  const show = async (e) => {
    const full = await api('GET', `/endpoints/${encodeURIComponent(e.slug)}`);
    const path = `/endpoints/${encodeURIComponent(full.slug)}`;
    const change = guarded('Changing the endpoint', async (_click, call, message) => {
      await call();
      await reload(message);
    });
    const editor = h('div', { class: 'editor' });
    details.replaceChildren(
      h('h2', {}, full.slug),
      h('p', {}, h('code', {}, full.url), full.disabledReason ? ` — disabled: ${full.disabledReason}` : ''),
      h('p', {}, historyLink('endpoint', full.id)),
      ...ifCan(
        'write',
        h(
          'div',
          { class: 'row' },
          full.status === 'active'
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'quiet',
                  onclick: (ev) =>
                    change(
                      ev,
                      () => api('PATCH', path, { status: 'paused' }, { version: full.updatedAt }),
                      `Endpoint ${full.slug} paused.`,
                    ),
                },
                'Pause',
              )
            : h(
                'button',
                {
                  type: 'button',
                  class: 'quiet',
                  onclick: (ev) =>
                    change(
                      ev,
                      () => api('POST', `${path}/enable`, {}),
                      `Endpoint ${full.slug} enabled: its waiting deliveries go out.`,
                    ),
                },
                'Enable',
              ),
          quietButton('Edit', () =>
            editor.replaceChildren(
              endpointEditForm(full, (saved) => reload(`Endpoint ${saved.slug} saved.`)),
            ),
          ),
          quietButton('Advanced settings', () =>
            editor.replaceChildren(
              endpointSettingsForm(full, (saved) => reload(`Endpoint ${saved.slug} saved.`)),
            ),
          ),
          quietButton(
            'Send test message',
            guarded('Sending the test message', async () => {
              editor.replaceChildren(h('p', { class: 'muted' }, 'Sending…'));
              editor.replaceChildren(testResult(await api('POST', `${path}/test`, {})));
            }),
          ),
          quietButton('Rotate secret', () => editor.replaceChildren(endpointRotateForm(full, rotated))),
          quietButton('Delete', (ev) => remove(ev, full)),
        ),
      ),
      editor,
      healthList(full.health, full.slug),
      secretsList(full.secrets, 'signs'),
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
        await reload(`Endpoint ${created.slug} created.`);
        // The signing secret Eventhook generated is shown this once: it stays until the user leaves the page.
        if (created.secret)
          view.prepend(h('div', { class: 'notice' }, shownOnce(created, 'The signing secret')));
      }),
    },
    h('label', {}, 'Slug', h('input', { name: 'slug', required: true })),
    h('label', {}, 'URL', h('input', { name: 'url', type: 'url', required: true })),
    h('label', {}, 'Description', h('input', { name: 'description' })),
    h('div', {}, h('button', { type: 'submit' }, 'Create endpoint')),
  );
  const list = table(
    ['slug', 'url', 'state', 'description'],
    items.map((e) => ({
      value: e,
      cells: [
        e.slug,
        h('code', {}, e.url),
        h('span', { class: 'state' }, status(e.state)),
        e.description ?? '',
      ],
    })),
    guarded('Loading the endpoint', show),
  );
  view.replaceChildren(
    h('h1', {}, 'Endpoints'),
    list,
    details,
    ...ifCan('write', h('h2', {}, 'New endpoint'), form),
  );
}
