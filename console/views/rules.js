// Rules: an EventBridge pattern and targets. The editor tests a pattern against recent events before saving.
import { api } from '../api.js';
import { flash, formValues, h, json, table } from '../dom.js';

const EXAMPLE_PATTERN = '{\n  "source": ["webhook:github"],\n  "type": ["push"]\n}';
const EXAMPLE_TARGETS = '[\n  { "type": "workflow", "kind": "on-push" }\n]';

export async function rulesView(view) {
  const { items } = await api('GET', '/rules');
  const result = h('div', { class: 'test-result' });
  const parse = (text, what) => {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new Error(`${what} is not JSON: ${err.message}`);
    }
  };
  const form = h(
    'form',
    {
      onsubmit: async (ev) => {
        ev.preventDefault();
        const v = formValues(ev.target);
        try {
          const rule = await api('POST', '/rules', {
            name: v.name,
            pattern: parse(v.pattern, 'The pattern'),
            targets: parse(v.targets, 'The targets'),
          });
          flash(`Rule ${rule.name} saved.`);
          await rulesView(view);
        } catch (err) {
          flash(`Not saved: ${err.message}`);
        }
      },
    },
    h('label', {}, 'Name', h('input', { name: 'name', required: true })),
    h('label', {}, 'Pattern (EventBridge)', h('textarea', { name: 'pattern', rows: 6 }, EXAMPLE_PATTERN)),
    h('label', {}, 'Targets', h('textarea', { name: 'targets', rows: 5 }, EXAMPLE_TARGETS)),
    h(
      'div',
      { class: 'row' },
      h(
        'button',
        {
          type: 'button',
          class: 'quiet',
          onclick: async () => {
            try {
              const pattern = parse(form.elements.pattern.value, 'The pattern');
              const since = new Date(Date.now() - 7 * 86_400_000).toISOString();
              const r = await api('POST', '/rules/test', { pattern, since, limit: 1000 });
              result.replaceChildren(
                h(
                  'p',
                  {},
                  `${r.matched} of the last ${r.scanned} events (7 days) match${r.truncated ? '; older ones not scanned' : ''}.`,
                ),
                r.sample?.length
                  ? table(
                      ['type', 'source', 'subject'],
                      r.sample.map((e) => ({ cells: [e.type, e.source, e.subject ?? ''] })),
                    )
                  : null,
              );
            } catch (err) {
              result.replaceChildren(h('p', { class: 'error' }, err.message));
            }
          },
        },
        'Test against recent events',
      ),
      h('button', { type: 'submit' }, 'Save rule'),
    ),
    result,
  );
  view.replaceChildren(
    h('h1', {}, 'Rules'),
    table(
      ['name', 'pattern', 'targets', 'enabled'],
      items.map((r) => ({
        value: r,
        cells: [r.name, json(r.pattern), json(r.targets), r.enabled ? 'yes' : 'no'],
      })),
    ),
    h('h2', {}, 'New rule'),
    form,
  );
}
