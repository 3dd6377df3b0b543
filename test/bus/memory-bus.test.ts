import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../src/bus/adapters/memory/index.js';
import { subjectMatches } from '../../src/bus/port.js';

describe('subject patterns', () => {
  it.each([
    ['events.>', 'events.acme.evt_1', true],
    ['events.>', 'events', false],
    ['events.*.evt_1', 'events.acme.evt_1', true],
    ['events.*', 'events.acme.evt_1', false],
    ['events.acme.*', 'events.other.evt_1', false],
    ['actions.acme.act_1', 'actions.acme.act_1', true],
  ])('%s vs %s → %s', (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });
});

describe('MemoryBus', () => {
  it('delivers to matching subscribers only, after the publisher returns', async () => {
    const bus = new MemoryBus();
    const got: string[] = [];
    bus.subscribe('events.acme.*', (m) => void got.push(`a:${m.subject}`));
    const sub = bus.subscribe('events.>', (m) => void got.push(`all:${m.subject}`));
    const published = bus.publish('events.acme.e1', {});
    expect(got).toEqual([]); // handlers never run inside publish()
    await published;
    await new Promise((r) => setTimeout(r, 0));
    expect(got.sort()).toEqual(['a:events.acme.e1', 'all:events.acme.e1']);
    sub.unsubscribe();
    await bus.publish('events.other.e2', {});
    await new Promise((r) => setTimeout(r, 0));
    expect(got).toHaveLength(2);
  });

  it('reports a failing subscriber without affecting others', async () => {
    const errors: unknown[] = [];
    const bus = new MemoryBus((err) => errors.push(err));
    let delivered = 0;
    bus.subscribe('x', () => {
      throw new Error('boom');
    });
    bus.subscribe('x', async () => {
      throw new Error('async boom');
    });
    bus.subscribe('x', () => void delivered++);
    await bus.publish('x', 1);
    await new Promise((r) => setTimeout(r, 0));
    expect(delivered).toBe(1);
    expect(errors.map((e) => (e as Error).message).sort()).toEqual(['async boom', 'boom']);
  });
});
