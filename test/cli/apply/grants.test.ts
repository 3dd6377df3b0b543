// Pairing the file's grants with the server's: a grant alike first, then the oldest left of the same org (to update);
// the rest of the file is created, the rest of the server no longer named.
import { describe, expect, it } from 'vitest';
import { grantIdentity, pairGrants } from '../../../src/cli/apply/grants.js';

const desired = (from: string, types: string[] | null) => ({
  identity: grantIdentity(from, types),
  body: { fromOrg: from, ...(types ? { eventTypes: types } : {}) },
});
const server = (ref: string, from: string, types: string[] | null) => ({
  ref,
  value: { id: ref, fromOrg: from, eventTypes: types },
});

describe('pairGrants', () => {
  it('pairs a grant alike first, whatever the order of its types, then the oldest left of the same org', () => {
    const files = [desired('billing', ['a.*']), desired('billing', ['b', 'c']), desired('shop', null)];
    const servers = [server('grt_1', 'billing', ['x']), server('grt_2', 'billing', ['c', 'b'])];
    const pairs = pairGrants(files, servers);
    expect([...pairs.keys()]).toEqual(files);
    expect([...pairs.values()].map((c) => c?.ref)).toEqual(['grt_1', 'grt_2', undefined]);
  });

  it('leaves a server grant unpaired when the file has no grant for its org, or one grant fewer', () => {
    const servers = [
      server('grt_1', 'billing', null),
      server('grt_2', 'billing', ['a']),
      server('grt_3', 'shop', null),
    ];
    const pairs = pairGrants([desired('billing', ['b'])], servers);
    expect([...pairs.values()].map((c) => c?.ref)).toEqual(['grt_1']);
    // Two alike on the server: the oldest is the file's.
    const alike = pairGrants([desired('shop', null)], [server('grt_4', 'shop', null), ...servers]);
    expect([...alike.values()].map((c) => c?.ref)).toEqual(['grt_4']);
  });
});
