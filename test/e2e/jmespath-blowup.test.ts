// A JMESPath input whose value shares structure (`[@, @]` holds one array twice) doubles what it stands for as JSON
// text with each pipe: a member's rule test of `data | [@,@] | …` answered 400 MB at 26 pipes and held the server for
// minutes at 40. Such an input is refused as a failed transform, at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { BASE, ORG } from '../helpers/ingest.js';

describe('JMESPath inputs that blow up', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(async () => {
    await t?.close();
  });

  it("a member's rule test gets the transform's failure, not a huge answer", async () => {
    const key = await t.api.post(`/api/orgs/${ORG}/api-keys`, { name: 'reader', role: 'member' });
    expect(key.status).toBe(201);
    const member = t.api.as(key.body.key);
    // 2^24 copies of "y": 64 MiB of JSON, from a 200-character expression.
    const res = await member.post(`${BASE}/rules/test`, {
      pattern: { source: ['app:x'] },
      targets: [{ type: 'task', kind: 'x', input: { jmespath: 'data' + ' | [@,@]'.repeat(24) } }],
      event: { source: 'app:x', type: 't', data: 'y' },
    });
    expect(res.status).toBe(200);
    expect(res.text.length).toBeLessThan(10_000);
    expect(res.body.targets[0].error).toMatch(/more than 16777216 characters of JSON/);
  }, 60_000);
});
