// Rules: an EventBridge pattern and targets. The editor tests a pattern against the last week's events before
// saving; a rule can be loaded into it to change, switched off and on, or deleted. A key that may not change rules
// (a member) keeps the tester: a pattern tried against recent events, nothing saved, and a saved rule's pattern
// put into it with one click. A rule's History is the audit log's.
import { can, ifCan } from '../access.js';
import { api } from '../api.js';
import { fill, flash, formValues, guarded, h, json, table } from '../dom.js';
import { historyLink } from './audit-log.js';

const EXAMPLE_PATTERN = '{\n  "source": ["webhook:github"],\n  "type": ["push"]\n}';
const EXAMPLE_TARGETS = '[\n  { "type": "workflow", "kind": "on-push" }\n]';
const pretty = (value) => JSON.stringify(value, null, 2);

function parse(text, what) {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} is not JSON: ${err.message}`);
  }
}

export async function rulesView(view) {
  const { items } = await api('GET', '/rules');
  const result = h('div', { class: 'test-result' });
  /** The rule being changed, or null while the form makes a new one. */
  let editing = null;
  const newHeading = can('write') ? 'New rule' : 'Test a pattern';
  const heading = h('h2', {}, newHeading);
  const reload = async (message) => {
    flash(message);
    await rulesView(view);
  };
  /** Backtests the pattern in the form over the last week's events, showing the count and a sample. */
  const testPattern = async () => {
    try {
      const pattern = parse(form.elements.pattern.value, 'The pattern');
      const since = new Date(Date.now() - 7 * 86_400_000).toISOString();
      const r = await api('POST', '/rules/test', { pattern, since, limit: 1000 });
      const summary = `${r.matched} of the last ${r.scanned} events (7 days) match`;
      fill(
        result,
        h('p', {}, `${summary}${r.truncated ? '; older ones not scanned' : ''}.`),
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
  };

  const form = h(
    'form',
    {
      onsubmit: guarded('Saving the rule', async (ev) => {
        ev.preventDefault();
        const v = formValues(ev.target);
        const body = {
          name: v.name,
          pattern: parse(v.pattern, 'The pattern'),
          targets: parse(v.targets, 'The targets'),
        };
        const rule = editing
          ? await api('PATCH', `/rules/${encodeURIComponent(editing.id)}`, body, {
              version: editing.updatedAt,
            })
          : await api('POST', '/rules', body);
        await reload(`Rule ${rule.name} saved.`);
      }),
    },
    ifCan('write', h('label', {}, 'Name', h('input', { name: 'name', required: true }))),
    h('label', {}, 'Pattern (EventBridge)', h('textarea', { name: 'pattern', rows: 6 }, EXAMPLE_PATTERN)),
    ifCan('write', h('label', {}, 'Targets', h('textarea', { name: 'targets', rows: 5 }, EXAMPLE_TARGETS))),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'button', class: 'quiet', onclick: testPattern }, 'Test against recent events'),
      ifCan('write', h('button', { type: 'submit' }, 'Save rule')),
    ),
    result,
  );

  const edit = (rule) => {
    editing = rule;
    heading.textContent = `Change rule ${rule.name}`;
    form.elements.name.value = rule.name;
    form.elements.pattern.value = pretty(rule.pattern);
    form.elements.targets.value = pretty(rule.targets);
    result.replaceChildren();
    form.scrollIntoView();
  };
  /** A saved rule's pattern in the tester, ready to run: what a key that may only read would copy by hand. */
  const tryPattern = (rule) => {
    // Another rule's pattern in the form of the rule being changed would be saved over that rule: the form makes a
    // new rule again, its name left empty (required), so Save cannot copy the rule under its old name either.
    if (editing && editing.id !== rule.id) {
      editing = null;
      heading.textContent = newHeading;
      form.elements.name.value = '';
    }
    form.elements.pattern.value = pretty(rule.pattern);
    result.replaceChildren();
    form.scrollIntoView();
    form.elements.pattern.focus();
  };
  // Test pattern needs only `read`, as the rules list and POST /rules/test do: every key that sees the row gets it.
  const buttons = (rule) =>
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'button', class: 'quiet', onclick: () => tryPattern(rule) }, 'Test pattern'),
      ...ifCan('write', changeButtons(rule)),
      historyLink('rule', rule.id),
    );
  const changeButtons = (rule) => [
    h('button', { type: 'button', class: 'quiet', onclick: () => edit(rule) }, 'Edit'),
    h(
      'button',
      {
        type: 'button',
        class: 'quiet',
        onclick: guarded('Switching the rule', async () => {
          await api(
            'PATCH',
            `/rules/${encodeURIComponent(rule.id)}`,
            { enabled: !rule.enabled },
            { version: rule.updatedAt },
          );
          await reload(`Rule ${rule.name} ${rule.enabled ? 'switched off' : 'switched on'}.`);
        }),
      },
      rule.enabled ? 'Switch off' : 'Switch on',
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'quiet',
        onclick: guarded('Deleting the rule', async () => {
          if (!confirm(`Delete rule ${rule.name}?`)) return;
          await api('DELETE', `/rules/${encodeURIComponent(rule.id)}`, undefined, {
            version: rule.updatedAt,
          });
          await reload(`Rule ${rule.name} deleted.`);
        }),
      },
      'Delete',
    ),
  ];

  view.replaceChildren(
    h('h1', {}, 'Rules'),
    table(
      ['name', 'pattern', 'targets', 'enabled', ''],
      items.map((r) => ({
        value: r,
        cells: [r.name, patternCell(r), json(r.targets), r.enabled ? 'yes' : 'no', buttons(r)],
      })),
    ),
    heading,
    form,
  );
}

/** A rule's pattern, with the part that can never match of one saved before Eventhook checked it (its warnings). */
function patternCell(rule) {
  if (!rule.warnings?.length) return json(rule.pattern);
  return h(
    'div',
    {},
    json(rule.pattern),
    ...rule.warnings.map((w) => h('p', { class: 'error', role: 'note' }, w)),
  );
}
