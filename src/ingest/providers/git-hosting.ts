// Provider templates for source-code hosts: GitHub, GitLab and Bitbucket Cloud.
import { randomUUID } from 'node:crypto';
import { defineProvider, hmacOf, joinType, optionalBoolean, str } from './helpers.js';
import { headerOf } from '../inbound-request.js';

const JSON_CT = 'application/json';

export const github = defineProvider({
  id: 'github',
  name: 'GitHub',
  description:
    'Repository, organization and GitHub App webhooks, signed with HMAC-SHA256 (X-Hub-Signature-256).',
  docsUrl: 'https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries',
  requiredFields: ['secret'],
  optionalFields: ['legacySha1'],
  secretChosenBy: 'user',
  setupHints: [
    'Repository (or organization) → Settings → Webhooks → Add webhook; for an App: App settings → Webhook.',
    'Payload URL: this source’s ingest URL. Content type: application/json.',
    'Secret: a long random string; give the same string as this source’s secret.',
    'Set legacySha1: true only for GitHub Enterprise Server versions that send X-Hub-Signature (SHA-1) alone.',
  ],
  verifier: (options) =>
    optionalBoolean(options, 'legacySha1')
      ? { type: 'hmac', algorithm: 'sha1', encoding: 'hex', header: 'x-hub-signature', prefix: 'sha1=' }
      : {
          type: 'hmac',
          algorithm: 'sha256',
          encoding: 'hex',
          header: 'x-hub-signature-256',
          prefix: 'sha256=',
        },
  eventType: (req, body) => joinType(headerOf(req, 'x-github-event'), str(body, 'action')),
  subject: (_req, body) => str(body, 'repository.full_name') ?? str(body, 'organization.login'),
  idempotencyKeys: ['header.x-github-delivery'],
  sample: ({ secret, now }) => {
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      after: 'c0ffee0000000000000000000000000000000000',
      repository: { id: 1, full_name: 'octo-org/hello-world' },
      pusher: { name: 'octocat' },
      head_commit: { id: 'c0ffee0000000000000000000000000000000000', timestamp: new Date(now).toISOString() },
    });
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: {
        'content-type': JSON_CT,
        'x-github-event': 'push',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': `sha256=${hmacOf('sha256', secret, body, 'hex')}`,
      },
    };
  },
});

export const gitlab = defineProvider({
  id: 'gitlab',
  name: 'GitLab',
  description: 'Project, group and system hooks; GitLab sends the secret token as-is in X-Gitlab-Token.',
  docsUrl: 'https://docs.gitlab.com/user/project/integrations/webhooks/',
  requiredFields: ['secret'],
  optionalFields: ['signingToken'],
  secretChosenBy: 'user',
  setupHints: [
    'Project (or group) → Settings → Webhooks → Add new webhook.',
    'URL: this source’s ingest URL. Secret token: a long random string; give the same string as this source’s secret.',
    'GitLab compares nothing itself: the token is checked here in constant time. Use HTTPS.',
    'signingToken: true switches to GitLab’s Standard Webhooks signing token (webhook-signature), where enabled.',
  ],
  verifier: (options) =>
    optionalBoolean(options, 'signingToken')
      ? { type: 'standard_webhooks', headerPrefix: 'webhook' }
      : { type: 'api_key', in: 'header', name: 'x-gitlab-token' },
  eventType: (req, body) =>
    str(body, 'object_kind') !== undefined
      ? joinType(str(body, 'object_kind'), str(body, 'object_attributes.action'))
      : headerOf(req, 'x-gitlab-event'),
  subject: (_req, body) => str(body, 'project.path_with_namespace'),
  idempotencyKeys: ['header.idempotency-key', 'header.x-gitlab-event-uuid'],
  sample: ({ secret }) => {
    const body = JSON.stringify({
      object_kind: 'push',
      ref: 'refs/heads/main',
      checkout_sha: 'c0ffee0000000000000000000000000000000000',
      project: { id: 1, path_with_namespace: 'group/project' },
    });
    const id = randomUUID();
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: {
        'content-type': JSON_CT,
        'x-gitlab-event': 'Push Hook',
        'x-gitlab-token': secret,
        'x-gitlab-event-uuid': id,
        'idempotency-key': id,
      },
    };
  },
});

export const bitbucket = defineProvider({
  id: 'bitbucket',
  name: 'Bitbucket Cloud',
  description: 'Repository and workspace webhooks, signed with HMAC-SHA256 in X-Hub-Signature (sha256=…).',
  docsUrl: 'https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/',
  requiredFields: ['secret'],
  optionalFields: [],
  secretChosenBy: 'user',
  setupHints: [
    'Repository → Repository settings → Webhooks → Add webhook.',
    'URL: this source’s ingest URL. Secret: a long random string; give the same string as this source’s secret.',
    'Bitbucket signs only when a secret is set; unsigned deliveries are rejected here.',
  ],
  verifier: () => ({
    type: 'hmac',
    algorithm: 'sha256',
    encoding: 'hex',
    header: 'x-hub-signature',
    prefix: 'sha256=',
  }),
  eventType: (req) => headerOf(req, 'x-event-key'),
  subject: (_req, body) => str(body, 'repository.full_name'),
  idempotencyKeys: ['header.x-request-uuid'],
  sample: ({ secret }) => {
    const body = JSON.stringify({
      push: { changes: [{ new: { type: 'branch', name: 'main' } }] },
      repository: { full_name: 'workspace/repo', uuid: `{${randomUUID()}}` },
      actor: { display_name: 'Sample User' },
    });
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: {
        'content-type': JSON_CT,
        'x-event-key': 'repo:push',
        'x-request-uuid': randomUUID(),
        'x-hub-signature': `sha256=${hmacOf('sha256', secret, body, 'hex')}`,
      },
    };
  },
});
