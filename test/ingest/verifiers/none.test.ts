// The none verifier accepts everything (sources protected some other way).
import { describe, expect, it } from 'vitest';
import { createVerifier } from '../../../src/ingest/verifiers/index.js';
import { inbound } from '../fixtures.js';

describe('none verifier', () => {
  it('accepts anything', async () => {
    expect(await createVerifier({ type: 'none' }).verify(inbound({}), { now: 0, secrets: [] })).toEqual({
      ok: true,
    });
  });
});
