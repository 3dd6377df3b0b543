// A few DOM helpers. Text always goes in as text (textContent), never as markup: every value shown comes from
// webhooks and events, which anyone on the internet can write.

/** h('td', { class: 'x', onclick }, 'text', child) → element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  el.append(...nodes(children));
  return el;
}

/**
 * Replaces `el`'s children, as h makes them: a part a page may not have (null, undefined, false) is left out, where
 * replaceChildren would write it as the text "null".
 */
export function fill(el, ...children) {
  el.replaceChildren(...nodes(children));
}

function nodes(children) {
  return children
    .flat()
    .filter((child) => child !== undefined && child !== null && child !== false)
    .map((child) => (child instanceof Node ? child : document.createTextNode(String(child))));
}

/**
 * A table with a header row; `onRow` makes rows clickable (and, once focused, opened with Enter or Space), a row's
 * `attrs` are its own (a class, an id). A link or button in a clickable row does its own thing only (a promise's
 * row opens the promise, its workflow link the workflow). It comes in a box of its own that scrolls sideways when the table is wider than the page (a phone), so
 * the page never does.
 */
export function table(columns, rows, onRow) {
  return h('div', { class: 'table-wrap' }, tableOf(columns, rows, onRow));
}

function tableOf(columns, rows, onRow) {
  return h(
    'table',
    {},
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((c) => h('th', {}, c)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.length === 0
        ? h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, 'Nothing yet.'))
        : rows.map(({ cells, value, attrs = {} }) =>
            h(
              'tr',
              onRow
                ? {
                    ...attrs,
                    class: 'link',
                    tabindex: 0,
                    onclick: (ev) => ev.target.closest('a, button') || onRow(value),
                    // A row takes the focus (Tab), so a keyboard opens it as a click would, as a button does.
                    onkeydown: (ev) => {
                      if (ev.target !== ev.currentTarget || (ev.key !== 'Enter' && ev.key !== ' ')) return;
                      ev.preventDefault();
                      onRow(value);
                    },
                  }
                : attrs,
              cells.map((c) => h('td', {}, c)),
            ),
          ),
    ),
  );
}

export const json = (value) => h('pre', {}, JSON.stringify(value, null, 2));
export const status = (s) => h('span', { class: `status ${s}` }, s);
export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

/**
 * A span of seconds as people say it, in the largest unit that leaves at least two of it: 86400 → "24 h",
 * 604800 → "7 d", 5400 → "90 min", 45 → "45 s" (to a tenth where it does not divide: 12600 → "3.5 h").
 */
export function duration(seconds) {
  const [unit, name] = [
    [86_400, 'd'],
    [3600, 'h'],
    [60, 'min'],
  ].find(([size]) => seconds >= 2 * size) ?? [1, 's'];
  return `${Number((seconds / unit).toFixed(1))} ${name}`;
}

export function copyButton(text) {
  return h(
    'button',
    {
      class: 'quiet',
      type: 'button',
      onclick: async () => {
        // The Clipboard API exists only in a secure context (https, localhost): a console served over plain http
        // on another host copies through a selection instead, and says so when neither worked.
        const copied =
          (await navigator.clipboard?.writeText(text).then(
            () => true,
            () => false,
          )) || copyBySelection(text);
        flash(copied ? 'Copied.' : 'Could not copy: select the text and copy it yourself.');
      },
    },
    'Copy',
  );
}

function copyBySelection(text) {
  // Selecting takes the focus: it goes back to the Copy button, where a keyboard user left it.
  const back = document.activeElement;
  const area = h('textarea', { readonly: true }, text);
  // Set through the CSSOM: the page's policy refuses style attributes.
  Object.assign(area.style, { position: 'fixed', opacity: '0' });
  document.body.append(area);
  area.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    area.remove();
    back?.focus();
  }
}

let flashTimer;
/** A short message at the top of the page. */
export function flash(message) {
  const el = document.getElementById('flash');
  el.textContent = message;
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => (el.textContent = ''), 6000);
}

/** Takes the message down before its time, once what it said no longer holds (a refused key, signing in again). */
export function clearFlash() {
  clearTimeout(flashTimer);
  document.getElementById('flash').textContent = '';
}

/** The message of a guarded action's failure, by the form or button it came from. */
const problems = new WeakMap();

/**
 * An event handler whose failure is shown to the user instead of lost (e.g. a read-only key retrying). A failed
 * form's or button's message stays beside it (at the form's end, after the button) until it is tried again, where
 * the user is looking even far down a phone's page; a failure with no form or button to show it by is flashed. The
 * button is known by the click event as first argument: a handler that needs more (the record a row's button acts on)
 * is called with the event first, `(ev) => remove(ev, record)`, or its failure has nowhere to go but the banner.
 */
export function guarded(what, fn) {
  return async (...args) => {
    const origin = args[0] instanceof Event ? args[0].currentTarget : null;
    problems.get(origin)?.remove();
    try {
      await fn(...args);
    } catch (err) {
      const message = `${what} failed: ${err.message}`;
      if (!(origin instanceof HTMLElement) || !origin.isConnected) return flash(message);
      const problem = h('p', { class: 'error problem', role: 'alert' }, message);
      problems.set(origin, problem);
      if (origin instanceof HTMLFormElement) origin.append(problem);
      else origin.after(problem);
      problem.scrollIntoView({ block: 'nearest' });
    }
  };
}

/** Field values of a form, by name. */
export function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}

/** A secondary button that acts on the page (not a form's submit). */
export function quietButton(label, onclick) {
  return h('button', { type: 'button', class: 'quiet', onclick }, label);
}

/** Closes the form it is in, unsaved. */
export function cancelButton() {
  return quietButton('Cancel', (ev) => ev.target.closest('form').remove());
}

/**
 * The entries of `after` that differ from `before`: an edit form sends only what the user changed, so a setting it
 * does not show (or shows rounded) is never overwritten by its echo.
 */
export function changes(before, after) {
  return Object.fromEntries(
    Object.entries(after).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(before[k])),
  );
}

/** A number field's value; empty is null, which in a PATCH removes the setting. */
export const numberOrNull = (text) => (text.trim() === '' ? null : Number(text));
