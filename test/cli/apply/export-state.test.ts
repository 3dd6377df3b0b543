// What `eventhook export` writes, checked against what apply reads back: every string of the org's own survives
// apply's environment references unchanged, and only the export's own references are resolved.
import { describe, expect, it } from 'vitest';
import { exportState } from '../../../src/cli/apply/export-state.js';
import { interpolate, type MissingVariable } from '../../../src/cli/apply/interpolate.js';

const LOOK_ALIKES = [
  'plain text',
  '${TOKEN}',
  'a ${TOKEN} b ${OTHER:-x}',
  '$${TOKEN}',
  '$$${TOKEN}',
  '${lower.case} stays: ${event.type}',
  '$ {TOKEN} ${ TOKEN } ${1X}',
  '${TOKEN',
];

describe('exportState', () => {
  it("keeps the org's own strings through apply's interpolation, whatever references they look like", () => {
    for (const text of LOOK_ALIKES) {
      const { file } = exportState('acme', {
        sources: [],
        endpoints: [],
        rules: [{ name: 'r', description: text, pattern: { type: [text] }, filter: text, targets: [] }],
        grants: [],
      });
      const missing: MissingVariable[] = [];
      const read = interpolate(file, {}, missing) as { rules: Record<string, unknown>[] };
      expect(missing, text).toEqual([]);
      expect(read.rules[0], text).toMatchObject({
        description: text,
        pattern: { type: [text] },
        filter: text,
      });
    }
  });

  it('resolves only its own references, each named once even when names would collide', () => {
    const endpoint = (slug: string) => ({
      slug,
      url: `https://${slug}.example.com/`,
      secrets: [{ id: 'sec_1' }],
      status: 'active',
    });
    const { file, variables } = exportState('acme', {
      sources: [],
      // Two endpoints of an org never share a slug; a made-up clash still gets two names rather than one for both.
      endpoints: [endpoint('a-b'), { ...endpoint('a-b'), url: 'https://other.example.com/' }],
      rules: [],
      grants: [],
    });
    expect(variables.map((v) => v.name)).toEqual(['ENDPOINT_A_B_SECRET', 'ENDPOINT_A_B_SECRET_2']);
    const env = { ENDPOINT_A_B_SECRET: 'whsec_one', ENDPOINT_A_B_SECRET_2: 'whsec_two' };
    const read = interpolate(file, env) as { endpoints: { secrets: string[] }[] };
    expect(read.endpoints.map((e) => e.secrets)).toEqual([['whsec_one'], ['whsec_two']]);
  });
});
