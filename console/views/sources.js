// Sources: where providers send webhooks. Each shows the URL to give the provider, the provider's setup hints and a
// curl example; a new one is a provider and its secret (custom verifiers are configured through the API or apply).
import { api } from '../api.js';
import { copyButton, flash, formValues, guarded, h, status, table } from '../dom.js';

export async function sourcesView(view) {
  const [{ items }, { items: providers }] = await Promise.all([
    api('GET', '/sources'),
    api('GET', '/providers'),
  ]);
  const byId = new Map(providers.map((p) => [p.id, p]));
  const details = h('div');
  const show = (s) => {
    const p = byId.get(s.provider);
    details.replaceChildren(
      h('h2', {}, s.name || s.slug),
      h('div', { class: 'row' }, h('code', { class: 'ingest-url' }, s.ingestUrl), copyButton(s.ingestUrl)),
      p?.setupHints?.length
        ? h(
            'ul',
            {},
            p.setupHints.map((hint) => h('li', {}, hint)),
          )
        : null,
      h(
        'p',
        { class: 'muted' },
        'Try it (the request must be signed as the provider signs it, or it is refused):',
      ),
      h(
        'pre',
        {},
        `curl -X POST '${s.ingestUrl}' \\\n  -H 'content-type: application/json' \\\n  -d '{"hello": "world"}'`,
      ),
    );
  };
  const providerSelect = h(
    'select',
    { name: 'provider' },
    providers.map((p) => h('option', { value: p.id }, `${p.name} (${p.id})`)),
  );
  const form = h(
    'form',
    {
      onsubmit: guarded('Creating the source', async (ev) => {
        ev.preventDefault();
        const v = formValues(ev.target);
        const body = { slug: v.slug, name: v.name || v.slug, provider: v.provider };
        if (v.secret) body.secret = v.secret;
        const created = await api('POST', '/sources', body);
        flash(`Source ${created.slug} created.`);
        await sourcesView(view);
      }),
    },
    h('label', {}, 'Slug', h('input', { name: 'slug', required: true, pattern: '[a-z0-9][a-z0-9\\-]*' })),
    h('label', {}, 'Name', h('input', { name: 'name' })),
    h('label', {}, 'Provider', providerSelect),
    h(
      'label',
      {},
      'Secret (as the provider shows it)',
      h('input', { name: 'secret', type: 'password', autocomplete: 'off' }),
    ),
    h('div', {}, h('button', { type: 'submit' }, 'Create source')),
  );
  view.replaceChildren(
    h('h1', {}, 'Sources'),
    table(
      ['slug', 'provider', 'verifier', 'state', 'ingest URL'],
      items.map((s) => ({
        value: s,
        cells: [
          s.slug,
          s.provider ?? 'custom',
          s.verifier?.type ?? '',
          status(s.enabled ? 'active' : 'disabled'),
          h('code', {}, s.ingestUrl),
        ],
      })),
      show,
    ),
    details,
    h('h2', {}, 'New source'),
    form,
  );
}
