import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // expect.poll gives up after 1 s by default, which a loaded two-core CI runner can need for one page render.
    expect: { poll: { timeout: 10_000 } },
  },
});
