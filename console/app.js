// The web console (SPEC §10): a hash-routed page over the public API. Each view renders into <main>; leaving a view
// aborts what it started (the live stream).
import { can, loadAccess, roleWithoutConsole, whoText } from './access.js';
import { ApiError, session, signIn, signOut } from './api.js';
import { clearFlash, flash, formValues, h } from './dom.js';
import { apiKeysView } from './views/api-keys.js';
import { auditLogView } from './views/audit-log.js';
import { deadLettersView } from './views/dead-letters.js';
import { endpointsView } from './views/endpoints.js';
import { engineView } from './views/engine.js';
import { executionView } from './views/execution.js';
import { eventsView, eventView } from './views/events.js';
import { grantsView } from './views/grants.js';
import { orgsView } from './views/orgs.js';
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
  [/^#\/audit-log(?:\?.*)?$/, auditLogView],
  [/^#\/api-keys$/, apiKeysView],
  [/^#\/orgs(?:\?deleted=true)?$/, orgsView],
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

/** The header's line: the org, who is signed in (once known) and the way out. */
function whoLine(s) {
  const who = whoText();
  return [
    `org ${s.org} · ${who ? `${who} · ` : ''}`,
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
  ];
}

/**
 * The menu without the links the signed-in key's role may not use (`data-permission` in index.html), as pages leave
 * out their buttons; signed out, or until the API said who the key is, without them all.
 */
function navLinks() {
  for (const a of document.querySelectorAll('nav a[data-permission]')) a.hidden = !can(a.dataset.permission);
}

/** What a publisher or worker key sees: its role may not read the org, so every page would be refused. */
function noConsoleView(view, role) {
  view.replaceChildren(
    h('h1', {}, 'This key cannot use the console'),
    h(
      'p',
      { class: 'error' },
      `This is a ${role} key: the ${role} role may not read this org, so the console has nothing to show it. ` +
        'Sign in with an admin or member key of the org, or the operator token.',
    ),
  );
}

async function route() {
  current.abort();
  current = new AbortController();
  const view = document.getElementById('view');
  const who = document.getElementById('who');
  const nav = document.querySelector('nav');
  const s = session();
  if (!s) {
    who.replaceChildren();
    nav.hidden = false;
    navLinks();
    return signInView(view);
  }
  who.replaceChildren(...whoLine(s));
  navLinks();
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
  // aria-busy until the page has rendered (or failed to): assistive technology waits for it, and so can a test.
  const mount = h('div', { 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading…'));
  view.replaceChildren(mount);
  try {
    // Asked once per sign-in; every page then asks access.js what to show.
    await loadAccess().catch((err) => {
      // The org typed at sign-in does not exist, or is not the key's (the API does not say which): every page
      // would say so, and the way to another org is the sign-in form.
      if (err instanceof ApiError && err.problem?.code === 'EH_ORG_NOT_FOUND') err.wrongOrg = true;
      throw err;
    });
    if (signal.aborted) return;
    who.replaceChildren(...whoLine(s));
    navLinks();
    const role = roleWithoutConsole();
    nav.hidden = role !== undefined;
    if (role) return noConsoleView(mount, role);
    await render(mount, signal, ...m.slice(1).map((p) => p && decodeURIComponent(p)));
  } catch (err) {
    if (signal.aborted) return;
    if (err instanceof ApiError && err.status === 401) {
      signOut();
      flash('That key was refused. Sign in again.');
      return route();
    }
    if (err.wrongOrg) {
      signOut();
      flash(
        `This key has no org ${s.org}: the org does not exist, or the key is another org's. Sign in again.`,
      );
      return route();
    }
    mount.replaceChildren(h('p', { class: 'error' }, `Could not load this page: ${err.message}`));
  } finally {
    if (!signal.aborted) mount.removeAttribute('aria-busy');
  }
}

window.addEventListener('hashchange', () => void route());
void route();
