// Sample events taken from AWS's EventBridge and event-ruler documentation, used as the real corpus of the
// conformance tables.

/** The EC2 state-change event of "Amazon EventBridge event patterns". */
export const EC2_STATE_CHANGE = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

/** The Auto Scaling event of "Matching null values and empty strings". */
export const AUTOSCALING_LAUNCH = {
  version: '0',
  id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
  'detail-type': 'EC2 Instance Launch Successful',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2015-11-11T21:31:47Z',
  region: 'us-east-1',
  resources: [],
  detail: { eventVersion: '', responseElements: null },
};

/** The (truncated) Macie alert of "Example events and event patterns". */
export const MACIE_ALERT = {
  version: '0',
  id: '3e355723-fca9-4de3-9fd7-154c289d6b59',
  'detail-type': 'Macie Alert',
  source: 'aws.macie',
  account: '123456789012',
  time: '2017-04-24T22:28:49Z',
  region: 'us-east-1',
  resources: [
    'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id/alert/alert_id',
    'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id',
  ],
  detail: {
    'notification-type': 'ALERT_CREATED',
    name: 'Scanning bucket policies',
    tags: ['Custom_Alert', 'Insider'],
    'risk-score': 80,
    trigger: {
      'rule-arn': 'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id',
      'alert-type': 'basic',
      risk: 8,
    },
  },
};

/** The example event of event-ruler's README ("Ruler by Example"). */
export const RULER_EXAMPLE = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
};

/** An Eventhook envelope (SPEC §2) for a GitHub webhook. */
export const GITHUB_PUSH = {
  specversion: '1.0',
  id: 'evt_01J9Z8Q4W6M3T2V5X7Y9A1B3C5',
  org: 'acme',
  source: 'webhook:github',
  type: 'push',
  subject: 'acme/api',
  time: '2025-01-02T03:04:05Z',
  data: {
    ref: 'refs/heads/main',
    repository: { full_name: 'acme/api', private: true, stargazers_count: 42 },
    commits: [
      { id: 'a1', message: 'fix: typo', author: { name: 'Ann' }, added: ['README.md'] },
      { id: 'b2', message: 'feat: api', author: { name: 'Bob' }, added: ['src/api.ts', 'src/lib/x.ts'] },
    ],
    pusher: { name: 'ann', email: null },
  },
  headers: { 'x-github-event': 'push', 'user-agent': 'GitHub-Hookshot/abc' },
};
