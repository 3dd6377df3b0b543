// Issue 6 §7: an ordered endpoint delivers FIFO — a message waits until the one before it succeeded or died — also
// when deliveries fail and retry; with an ordering key, each key is its own lane and one stuck lane holds no other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, eventually, type TestApp } from '../helpers/app.js';
import {
  createEndpoint,
  createRule,
  type Receiver,
  startOutbound,
  stopOutbound,
  waitForAction,
} from '../helpers/outbound.js';

interface Arrival {
  n: number;
  lane: string;
  status: number;
}

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`FIFO delivery — ${backend}`, () => {
    let t: TestApp;
    let receiver: Receiver;
    let send: (data: Record<string, unknown>) => Promise<string>;
    const log = new Map<string, Arrival[]>();
    /** Per path: answers for message n, consumed one per arrival (default 200). */
    const script = new Map<string, Map<number, number[]>>();

    beforeAll(async () => {
      ({ t, receiver, send } = await startOutbound(
        backend,
        (req, res) => {
          const body = JSON.parse(req.body.toString()) as { data: { n: number; lane?: string } };
          const { n, lane = '' } = body.data;
          const status = script.get(req.path)?.get(n)?.shift() ?? 200;
          const arrivals = log.get(req.path) ?? [];
          arrivals.push({ n, lane, status });
          log.set(req.path, arrivals);
          // A little latency, so later messages would overtake if ordering did not hold them.
          setTimeout(() => res.writeHead(status).end(), 5);
        },
        {
          env: { EVENTHOOK_BREAKER_THRESHOLD: '1000' },
        },
      ));
    });
    afterAll(() => stopOutbound(t, receiver));

    /** No message was sent before every earlier message of its lane had succeeded (or died, for those in `dead`). */
    function assertFifo(arrivals: Arrival[], dead: ReadonlySet<number> = new Set()) {
      const done = new Map<string, Set<number>>();
      for (const a of arrivals) {
        const finished = done.get(a.lane) ?? new Set<number>();
        const earlier = arrivals.filter((x) => x.lane === a.lane && x.n < a.n).map((x) => x.n);
        for (const m of earlier)
          expect(finished.has(m) || dead.has(m), `message ${a.n} went before ${m} finished`).toBe(true);
        if (a.status === 200) finished.add(a.n);
        done.set(a.lane, finished);
      }
    }

    it('delivers in order per endpoint while earlier messages fail and retry', async () => {
      script.set(
        '/fifo',
        new Map([
          [2, [503, 503]],
          [5, [500]],
        ]),
      );
      await createEndpoint(t, {
        slug: 'fifo',
        url: `${receiver.url}/fifo`,
        ordering: 'fifo',
        retry: { schedule: ['200ms'], maxAttempts: 5 },
      });
      await createRule(t, 'fifo', 'fifo.test', [{ endpoint: 'fifo' }]);
      const ids: string[] = [];
      for (let n = 1; n <= 8; n++) ids.push(await send({ type: 'fifo.test', n }));
      for (const id of ids) await waitForAction(t, id, (a) => a.status === 'succeeded', 20_000);
      const arrivals = log.get('/fifo')!;
      assertFifo(arrivals);
      expect(arrivals.filter((a) => a.status === 200).map((a) => a.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(arrivals).toHaveLength(11);
    });

    it('lets the next message go once the one before it is dead', async () => {
      script.set('/fifo-dead', new Map([[1, [500, 500]]]));
      await createEndpoint(t, {
        slug: 'fifo-dead',
        url: `${receiver.url}/fifo-dead`,
        ordering: 'fifo',
        retry: { schedule: ['100ms'], maxAttempts: 2 },
      });
      await createRule(t, 'fifo-dead', 'fifo-dead.test', [{ endpoint: 'fifo-dead' }]);
      const ids: string[] = [];
      for (let n = 1; n <= 3; n++) ids.push(await send({ type: 'fifo-dead.test', n }));
      await waitForAction(t, ids[0]!, (a) => a.status === 'dead');
      for (const id of ids.slice(1)) await waitForAction(t, id, (a) => a.status === 'succeeded', 20_000);
      const arrivals = log.get('/fifo-dead')!;
      assertFifo(arrivals, new Set([1]));
      expect(arrivals.map((a) => a.n)).toEqual([1, 1, 2, 3]);
    });

    it('keeps one lane per ordering key: a failing lane holds only its own messages', async () => {
      // Lane a's first message fails for a while (six attempts 300 ms apart: well past the 1 s a message waits when
      // the lane of the one ahead is not known yet, and short of the 5 s after which a message parked behind one in
      // flight looks again by itself, so lane b must move on wakes); lane b flows past it.
      script.set('/lanes', new Map([[1, [503, 503, 503, 503, 503, 503]]]));
      await createEndpoint(t, {
        slug: 'lanes',
        url: `${receiver.url}/lanes`,
        ordering: 'fifo',
        orderingKey: 'data.lane',
        retry: { schedule: ['300ms'], maxAttempts: 10 },
      });
      await createRule(t, 'lanes', 'lanes.test', [{ endpoint: 'lanes' }]);
      const sent: Array<[string, string]> = [];
      for (const [n, lane] of [
        [1, 'a'],
        [2, 'b'],
        [3, 'a'],
        [4, 'b'],
        [5, 'b'],
        [6, 'a'],
      ] as const) {
        sent.push([lane, await send({ type: 'lanes.test', n, lane })]);
      }
      for (const [, id] of sent) await waitForAction(t, id, (a) => a.status === 'succeeded', 20_000);
      const arrivals = log.get('/lanes')!;
      assertFifo(arrivals);
      const ok = arrivals.filter((a) => a.status === 200);
      expect(ok.filter((a) => a.lane === 'a').map((a) => a.n)).toEqual([1, 3, 6]);
      expect(ok.filter((a) => a.lane === 'b').map((a) => a.n)).toEqual([2, 4, 5]);
      // Lane b finished while lane a's head was still failing.
      const lastB = arrivals.findIndex((a) => a.n === 5 && a.status === 200);
      const firstA = arrivals.findIndex((a) => a.n === 1 && a.status === 200);
      expect(lastB).toBeLessThan(firstA);
    });

    it('without ordering, deliveries do not wait for each other', async () => {
      script.set('/unordered', new Map([[1, [503]]]));
      await createEndpoint(t, {
        slug: 'unordered',
        url: `${receiver.url}/unordered`,
        retry: { schedule: ['1s'] },
      });
      await createRule(t, 'unordered', 'unordered.test', [{ endpoint: 'unordered' }]);
      const first = await send({ type: 'unordered.test', n: 1 });
      const second = await send({ type: 'unordered.test', n: 2 });
      await waitForAction(t, second, (a) => a.status === 'succeeded');
      await eventually(async () => (await waitForAction(t, first, () => true)).status === 'succeeded');
      const arrivals = log.get('/unordered')!;
      expect(arrivals.findIndex((a) => a.n === 2)).toBeLessThan(
        arrivals.findIndex((a) => a.n === 1 && a.status === 200),
      );
    });
  });
}
