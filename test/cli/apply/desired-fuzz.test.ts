// `eventhook apply` files, mangled: a valid file with values replaced by random YAML, keys dropped or added, `${VAR}`
// references broken, or its text cut and garbled. Reading such a file either gives a desired state or fails with a
// CliError (which the CLI prints as file:line, path and message), never with another exception, which would reach
// the user as a stack trace. FUZZ_SEED=n draws another sequence (seeds 1–30 passed).
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { desiredState } from '../../../src/cli/apply/desired.js';
import { parseText } from '../../../src/cli/apply/load-file.js';
import { CliError } from '../../../src/cli/cli-error.js';
import { mangler, seededRandom } from '../../helpers/random.js';

const VALID = {
  org: 'acme',
  sources: [
    { slug: 'gh', provider: 'github', secret: '${GH_SECRET}', idempotencyKeys: ['header.x-github-delivery'] },
    { slug: 'c', verifier: { type: 'hmac', header: 'X-Sig', secret: 'abc' }, rateLimit: { perSecond: 5 } },
  ],
  rules: [
    {
      name: 'r',
      pattern: { type: ['push'], data: { n: [{ numeric: ['>', 1] }] } },
      targets: [
        { type: 'workflow', config: { kind: 'k' }, retry: { maxAttempts: 3 } },
        { type: 'webhook', endpoint: 'e' },
      ],
    },
  ],
  endpoints: [
    {
      slug: 'e',
      url: 'https://x.example/hooks',
      secret: 'whsec_abc',
      auth: { type: 'basic', username: 'u', password: '${PASSWORD}' },
      retry: { schedule: ['5s', '1m'] },
    },
  ],
  grants: [
    { from: 'billing', types: ['order.*', 'invoice.paid'], description: 'refunds' },
    { fromOrg: 'shop' },
  ],
};

describe('apply files, mangled', () => {
  it('read into a desired state or fail with a CliError, never another exception', async () => {
    const next = seededRandom(Number(process.env.FUZZ_SEED || 4));
    const int = (n: number) => Math.floor(next() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
    const scalar = () =>
      pick<unknown>([
        null,
        true,
        0,
        -1,
        1.5,
        'x',
        '',
        '${MISSING}',
        '${',
        '$${GH_SECRET}',
        '*',
        '[',
        '%',
        'é',
      ]);
    const value = (depth: number): unknown =>
      depth <= 0
        ? scalar()
        : pick([
            () =>
              Object.fromEntries(
                Array.from({ length: int(3) }, () => [
                  pick(['type', 'slug', 'name', 'config', 'secret', 'from', 'types', 'x']),
                  value(depth - 1),
                ]),
              ),
            () => Array.from({ length: int(3) }, () => value(depth - 1)),
            () => scalar(),
          ])();
    const mangle = mangler(next, {
      replace: 0.25,
      maxDepth: 4,
      value,
      newKey: () => pick(['server', 'extra', 'sources', 'rules', 'grants']),
    });
    const garble = (text: string) =>
      pick([
        () => text.slice(0, int(text.length)),
        () => {
          const at = int(text.length);
          return (
            text.slice(0, at) +
            pick([':', '- ', '\t', '{', '"', '&a', '*a', '!!binary', '\n  ']) +
            text.slice(at)
          );
        },
        () => text,
      ])();

    const env = { GH_SECRET: 'gh', PASSWORD: 'pw' };
    const unexpected: string[] = [];
    let read = 0;
    let refused = 0;
    for (let i = 0; i < 400; i++) {
      const text = garble(stringify(mangle(VALID)));
      try {
        await desiredState(parseText(text, 'eh.yaml'), env);
        read++;
      } catch (err) {
        if (err instanceof CliError) refused++;
        else
          unexpected.push(
            `${(err as Error).stack?.split('\n').slice(0, 3).join(' | ')}\n--- file:\n${text.slice(0, 600)}`,
          );
      }
    }
    expect(unexpected).toEqual([]);
    expect(read).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(10);
  });
});
