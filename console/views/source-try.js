// A source's "Try it": a request its verifier lets through. A provider's source gets `eventhook send`, which signs
// the provider's sample with the source's secret as the provider does (docs/cli.md). A curl request is shown as
// working only where no signature is needed: no verifier, or a secret sent as it is (in the URL, a header, basic
// auth). A custom source that checks a signature gets its curl request labelled with the signature it lacks: the
// console cannot sign (it never has the secret), and an unsigned example that is always refused misleads.
import { serverBase, session } from '../api.js';
import { copyButton, h } from '../dom.js';

/** Verifiers whose secret is a public key: a sample is signed with the private key of the pair. */
const PUBLIC_KEY = new Set(['ed25519', 'ecdsa']);

/** Signed with a private key: a public key's pair, or one of the keys of a key set (a JWKS the source checks). */
const signedWithPrivateKey = (v) => PUBLIC_KEY.has(v.type) || (v.type === 'jwt' && Boolean(v.jwksUrl));

/** `value` as one shell word: as it is when plain, else in single quotes. */
const sh = (value) => (/^[\w.,:/@%+=-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`);

/** The lines of a command, continued with backslashes. */
const lines = (...parts) => parts.filter(Boolean).join(' \\\n  ');

function sendCommand(s) {
  const { org } = session();
  const secret = signedWithPrivateKey(s.verifier) ? '"$(cat private-key.pem)"' : "'<source secret>'";
  return lines(
    `npx eventhook send ${sh(s.provider)}${s.slug === s.provider ? '' : ` --source ${sh(s.slug)}`}`,
    `--url ${sh(serverBase())}${org === 'default' ? '' : ` --org ${sh(org)}`}`,
    `--key '<API key>' --secret ${secret}`,
  );
}

/**
 * A curl request with the source's credential as a placeholder (`<token>`, `<key>`, `<password>`), when its
 * verifier takes one as it is; null when the verifier checks a signature (or a body field, which a sample cannot
 * carry in general).
 */
function plainCurl(s) {
  const v = s.verifier;
  let url = s.ingestUrl;
  const extra = [];
  switch (v.type) {
    case 'none':
      break;
    case 'token':
      url += v.in === 'path' ? '/<token>' : `?${encodeURIComponent(v.name ?? 'token')}=<token>`;
      break;
    case 'api_key':
      if (v.in === 'query') url += `?${encodeURIComponent(v.name)}=<key>`;
      else if ((v.in ?? 'header') === 'header')
        extra.push(`-H ${sh(`${v.name}: ${v.scheme ? `${v.scheme} ` : ''}<key>`)}`);
      else return null;
      break;
    case 'basic_auth':
      extra.push(`-u ${sh(`${v.username}:<password>`)}`);
      break;
    default:
      return null;
  }
  return curl(url, extra);
}

const curl = (url, extra) =>
  lines(
    `curl -X POST ${sh(url)}`,
    ...extra,
    `-H 'content-type: application/json'`,
    `-d '{"hello": "world"}'`,
  );

const PLACEHOLDERS = {
  none: '',
  token: ', with the source’s token for <token>',
  api_key: ', with the source’s key for <key>',
  basic_auth: ', with the source’s password for <password>',
};

const shown = (cls, command) =>
  h('div', { class: 'row try' }, h('pre', { class: cls }, command), copyButton(command));

/** The "Try it" part of a source's page; `provider` is its template from GET /providers (none for custom). */
export function tryIt(s, provider) {
  const v = s.verifier ?? { type: 'none' };
  const source = { ...s, verifier: v };
  const working = plainCurl(source);
  const curlPart = working
    ? [
        h(
          'p',
          { class: 'muted' },
          `${provider ? 'Or with curl' : 'Try it with curl'}${PLACEHOLDERS[v.type]}:`,
        ),
        shown('try-curl', working),
      ]
    : null;
  if (!provider) {
    if (working) return h('div', { class: 'try-it' }, curlPart);
    const header = typeof v.header === 'string' ? v.header : null;
    return h(
      'div',
      { class: 'try-it' },
      h(
        'p',
        { class: 'muted needs-signature' },
        `Try it with curl — this request needs a signature: without one it is refused (401). The source’s ${v.type} ` +
          `verifier checks ${header ? `header ${header}, ` : 'a signature '}made with its secret as the sender ` +
          'signs it (docs/providers.md). To see why a real request is refused, paste it into Check a request.',
      ),
      shown('try-curl', curl(s.ingestUrl, header ? [`-H ${sh(`${header}: <signature>`)}`] : [])),
    );
  }
  // Tokens checked against the provider's published keys: only the provider can make one. A key set of the user's
  // own (options.jwksUrl) is one `send` can sign for, with a private key of that set.
  if (v.type === 'jwt' && v.jwksUrl && !s.options?.jwksUrl)
    return h(
      'div',
      { class: 'try-it' },
      h(
        'p',
        { class: 'muted' },
        `Try it: not from here. ${provider.name} signs its requests with keys only it holds (checked against ` +
          `${v.jwksUrl}): send one from ${provider.name}, and if it is refused, paste it into Check a request. ` +
          'To try the source with eventhook send, set its options.jwksUrl to a key set of your own (docs/cli.md).',
      ),
    );
  const { org } = session();
  return h(
    'div',
    { class: 'try-it' },
    h(
      'p',
      { class: 'muted' },
      `Try it: the CLI posts ${provider.name}’s sample webhook, signed as ${provider.name} signs it ` +
        '(run it in the Eventhook folder; docs/cli.md):',
    ),
    shown('try-send', sendCommand(source)),
    h(
      'p',
      { class: 'muted hint' },
      `<API key>: an API key of org ${org} (or set EVENTHOOK_KEY and leave --key out). `,
      v.type === 'jwt' && v.jwksUrl
        ? `private-key.pem: the private key (PEM) of one of the keys of the key set at ${v.jwksUrl}.`
        : PUBLIC_KEY.has(v.type)
          ? `private-key.pem: the private key whose public key this source has — ${provider.name} keeps its own, so ` +
            'this works only while the source has the public key of a pair you made.'
          : '<source secret>: the secret this source was given, which the server never shows.',
    ),
    curlPart ??
      h(
        'p',
        { class: 'muted' },
        `A plain curl request is refused (401): it would need ${provider.name}’s signature.`,
      ),
  );
}
