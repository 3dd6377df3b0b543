// The web console (SPEC §10): a hash-routed page over the public API. Each view renders into <main>; leaving a view
// aborts what it started (the live stream).
import { ApiError, session, signIn, signOut } from './api.js';
import { clearFlash, flash, formValues, h } from './dom.js';
import { deadLettersView } from './views/dead-letters.js';
import { endpointsView } from './views/endpoints.js';
import { engineView } from './views/engine.js';
import { executionView } from './views/execution.js';
import { eventsView, eventView } from './views/events.js';
import { grantsView } from './views/grants.js';
import { promiseView } from './views/promise.js';
import { rulesView } from './views/rules.js';
import { sourcesView } from './views/sources.js';

const ROUTES = [
  [/^#\/events\/([^/]+)(?:\/actions\/([^/]+))?$/, eventView],
  [/^#\/events(?:\?q=([^&]*))?$/, eventsView],
  [/^#\/sources$/, sourcesView],
  [/^#\/rules$/, rulesView],
  [/^#\/endpoints$/, endpointsView],
  [/^#\/engine\/(workflows|tasks)\/([^/?]+)$/, executionView],
  [/^#\/engine\/promises\/([^/?]+)$/, promiseView],
  [/^#\/engine(?:\/(workflows|tasks|promises))?(?:\?.*)?$/, engineView],
  [/^#\/dead-letters(?:\/([^/]+))?$/, deadLettersView],
  [/^#\/grants$/, grantsView],
];

let current = new AbortController();

function signInView(view) {
  view.replaceChildren(
    h('h1', {}, 'Sign in'),
    h(
      'form',
      {
        onsubmit: (ev) => {
          ev.preventDefault();
          const v = formValues(ev.target);
          // Whatever the banner said was about the key before this one ("That key was refused"): this key is
          // tried now, and a refusal of it puts the banner back.
          clearFlash();
          signIn(v.token.trim(), v.org.trim() || 'default');
          location.hash = '#/events';
          void route();
        },
      },
      h(
        'p',
        { class: 'muted' },
        'An API key of the org (or the operator token). It is kept in this tab only.',
      ),
      h(
        'label',
        {},
        'API key',
        h('input', { name: 'token', type: 'password', required: true, autocomplete: 'off' }),
      ),
      h('label', {}, 'Org', h('input', { name: 'org', value: 'default' })),
      h('div', {}, h('button', { type: 'submit' }, 'Sign in')),
    ),
  );
}

async function route() {
  current.abort();
  current = new AbortController();
  const view = document.getElementById('view');
  const who = document.getElementById('who');
  const s = session();
  if (!s) {
    who.replaceChildren();
    return signInView(view);
  }
  who.replaceChildren(
    `org ${s.org} · `,
    h(
      'a',
      {
        href: '#/events',
        onclick: (ev) => {
          ev.preventDefault();
          signOut();
          void route();
        },
      },
      'sign out',
    ),
  );
  const hash = location.hash || '#/events';
  for (const a of document.querySelectorAll('nav a'))
    a.classList.toggle('active', hash.startsWith(a.getAttribute('href')));
  const match = ROUTES.map(([re, fn]) => [re.exec(hash), fn]).find(([m]) => m);
  if (!match) {
    location.hash = '#/events';
    return;
  }
  const [m, render] = match;
  // Each visit renders into a mount of its own: a slow page finishing after the user moved on writes into a mount
  // that is no longer on the page, never over the page now shown.
  const { signal } = current;
  const mount = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  view.replaceChildren(mount);
  try {
    await render(mount, signal, ...m.slice(1).map((p) => p && decodeURIComponent(p)));
  } catch (err) {
    if (signal.aborted) return;
    if (err instanceof ApiError && err.status === 401) {
      signOut();
      flash('That key was refused. Sign in again.');
      return route();
    }
    mount.replaceChildren(h('p', { class: 'error' }, `Could not load this page: ${err.message}`));
  }
}

window.addEventListener('hashchange', () => void route());
void route();
