// Secret rotation in the console, for sources (whose secrets verify) and endpoints (whose secrets sign): the grace
// period, what a rotation did, and a generated secret shown the one time the API returns it.
import { copyButton, h, when } from './dom.js';

const DAY = 86_400;
const GRACES = [
  [0, 'no time: it stops at once'],
  [3600, '1 hour'],
  [DAY, '24 hours'],
  [7 * DAY, '7 days'],
  [30 * DAY, '30 days'],
];

const KINDS = { hmac: 'HMAC secret', ed25519: 'Ed25519 key' };

/** The grace period as the API takes it (graceSeconds); its default, 24 hours, is chosen. */
export function graceField(verbing) {
  return h(
    'label',
    {},
    `The previous secret keeps ${verbing} for`,
    h(
      'select',
      { name: 'graceSeconds' },
      GRACES.map(([seconds, label]) => h('option', { value: seconds, selected: seconds === DAY }, label)),
    ),
  );
}

/** A secret the API returns only once: it stays on the page until the user leaves it. */
export function secretOnce(label, secret) {
  return h('div', { class: 'row secret-once' }, label, h('code', {}, secret), copyButton(secret));
}

/**
 * What a rotation did, from the record it returned: the last of the previous secrets ends at the latest expiry. With
 * no grace the record no longer lists them (the API leaves out secrets that ended).
 */
export function rotationNotice(lead, record, graceSeconds, verbing) {
  const until = record.secrets
    .map((s) => s.expiresAt)
    .filter(Boolean)
    .sort()
    .at(-1);
  const previous =
    graceSeconds === 0
      ? ` The previous secret stopped ${verbing} now.`
      : until
        ? ` The previous secret keeps ${verbing} until ${when(until)}.`
        : '';
  return h('p', { class: 'rotated' }, `${lead}${previous}`);
}

/** The secrets' metadata (the API never returns their values): when each was made and until when it works. */
export function secretsList(secrets, verbs) {
  return h(
    'ul',
    { class: 'secrets' },
    secrets.map((s) =>
      h(
        'li',
        {},
        `${KINDS[s.kind] ?? 'Secret'} made ${when(s.createdAt)}: ${verbs} `,
        s.expiresAt ? `until ${when(s.expiresAt)}` : 'with no end set',
        s.publicKey ? [' · public key ', h('code', {}, s.publicKey)] : null,
      ),
    ),
  );
}
