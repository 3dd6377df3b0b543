// The flovyn engine adapter against a local server that follows Flovyn's REST contract (reference/flovyn.md §1).
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventhookError } from '../../src/core/errors.js';
import {
  FlovynEngine,
  flovynKey,
  promiseIdentifier,
} from '../../src/engine/adapters/flovyn/flovyn-engine.js';
import { isPermanent } from '../../src/targets/target-handler.js';
import { FakeFlovyn } from '../helpers/fake-flovyn.js';

const TOKEN = 'flovyn_sk_test_0123456789';

describe('Flovyn engine adapter', () => {
  let flovyn: FakeFlovyn;
  let engine: FlovynEngine;

  beforeAll(async () => {
    flovyn = await new FakeFlovyn(TOKEN, ['acme', 'beta-co']).start();
    engine = new FlovynEngine({
      url: flovyn.url,
      token: TOKEN,
      timeoutMs: 500,
      orgs: new Map([['beta', 'beta-co']]),
    });
  });
  afterAll(async () => {
    await engine?.close();
    await flovyn?.close();
  });

  const lastCall = () => flovyn.calls.at(-1)!;
  const failure = async (call: Promise<unknown>): Promise<EventhookError> => {
    const err = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EventhookError);
    return err as EventhookError;
  };

  it('starts a workflow with its key, input, queue and metadata; the same key names the same execution', async () => {
    const req = {
      org: 'acme',
      kind: 'order-placed',
      queue: 'orders',
      input: { orderId: 7, note: 'ä' },
      idempotencyKey: 'evt_1:rul_1:0',
      metadata: { team: 'shop' },
      causeEventId: 'evt_1',
      causeHopCount: 2,
    };
    const first = await engine.startWorkflow(req);
    expect(first.created).toBe(true);
    const call = lastCall();
    expect(call.path).toBe('/api/orgs/acme/workflow-executions');
    expect(call.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.body).toMatchObject({
      kind: 'order-placed',
      queue: 'orders',
      input: { orderId: 7, note: 'ä' },
      idempotencyKey: 'evt_1:rul_1:0',
      metadata: { team: 'shop', 'eventhook.eventId': 'evt_1', 'eventhook.hops': '2' },
    });
    // Flovyn's default key lifetime is a day; a later replay must still name the same run.
    expect(call.body.idempotencyKeyTTL).toBe('30d');
    expect(flovyn.workflows.get(first.id)).toMatchObject({ kind: 'order-placed', queue: 'orders' });

    const again = await engine.startWorkflow(req);
    expect(again).toEqual({ id: first.id, created: false });
    expect([...flovyn.workflows.values()].filter((w) => w.kind === 'order-placed')).toHaveLength(1);
  });

  it('continues the causing event’s trace on every call', async () => {
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const traceparent = `00-${trace}-00f067aa0ba902b7-01`;
    await engine.startWorkflow({
      org: 'acme',
      kind: 'k',
      input: {},
      idempotencyKey: 'traced-1',
      traceparent,
    });
    expect(lastCall().headers.traceparent).toMatch(
      new RegExp(`^00-${trace}-(?!00f067aa0ba902b7)[0-9a-f]{16}-01$`),
    );
    const p = flovyn.createPromise('traced');
    await engine.settlePromise({ org: 'acme', promise: 'key:traced', mode: 'resolve', traceparent });
    expect(p.status).toBe('RESOLVED');
    expect(lastCall().headers.traceparent).toMatch(new RegExp(`^00-${trace}-`));
    await engine.createTask({ org: 'acme', kind: 'k', input: {}, idempotencyKey: 'untraced' });
    expect(lastCall().headers.traceparent).toBeUndefined();
  });

  it('calls the Flovyn org an Eventhook org is mapped to, and leaves the queue to Flovyn when none is set', async () => {
    const r = await engine.startWorkflow({ org: 'beta', kind: 'k', input: null, idempotencyKey: 'beta-1' });
    expect(r.created).toBe(true);
    expect(lastCall().path).toBe('/api/orgs/beta-co/workflow-executions');
    expect(lastCall().body).not.toHaveProperty('queue');
    expect(flovyn.workflows.get(r.id)?.queue).toBe('default');
  });

  it('replaces a key longer than Flovyn takes by its digest, the same each time', async () => {
    const long = `evt_2:${'x'.repeat(400)}`;
    expect(flovynKey(long)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(flovynKey('short')).toBe('short');
    const first = await engine.startWorkflow({ org: 'acme', kind: 'k', input: {}, idempotencyKey: long });
    const second = await engine.startWorkflow({ org: 'acme', kind: 'k', input: {}, idempotencyKey: long });
    expect(first.created).toBe(true);
    expect(second).toEqual({ id: first.id, created: false });
  });

  it('measures a key in UTF-8 bytes, as Flovyn (Rust) does: one over 255 bytes goes as its digest', async () => {
    // 100 characters of 3 bytes each: 300 bytes, within 255 characters.
    const wide = '日'.repeat(100);
    expect(flovynKey(wide)).toBe(`sha256:${createHash('sha256').update(wide).digest('hex')}`);
    await engine.startWorkflow({ org: 'acme', kind: 'k', input: {}, idempotencyKey: wide });
    expect(lastCall().body).toMatchObject({ idempotencyKey: flovynKey(wide) });
    // At the limit in bytes, it goes as written.
    for (const fits of ['x'.repeat(255), 'é'.repeat(127), `${'é'.repeat(126)}xyz`])
      expect(flovynKey(fits)).toBe(fits);
    expect(flovynKey('é'.repeat(128))).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('creates a task; its key reused for another kind is a conflict no retry can fix', async () => {
    const task = await engine.createTask({
      org: 'acme',
      kind: 'send-email',
      maxRetries: 5,
      input: { to: 'a@example.com' },
      idempotencyKey: 'evt_3:rul_1:0',
    });
    expect(task.created).toBe(true);
    expect(lastCall().path).toBe('/api/orgs/acme/task-executions');
    expect(lastCall().body).toMatchObject({
      kind: 'send-email',
      maxRetries: 5,
      idempotencyKey: 'evt_3:rul_1:0',
    });
    expect(flovyn.tasks.get(task.id)).toMatchObject({ kind: 'send-email', maxRetries: 5 });

    const same = await engine.createTask({
      org: 'acme',
      kind: 'send-email',
      input: {},
      idempotencyKey: 'evt_3:rul_1:0',
    });
    expect(same).toEqual({ id: task.id, created: false });

    const err = await failure(
      engine.createTask({ org: 'acme', kind: 'other', input: {}, idempotencyKey: 'evt_3:rul_1:0' }),
    );
    expect(err.code).toBe('EH_ENGINE_CONFLICT');
    expect(err.message).toContain('409');
    expect(err.message).toContain('kind send-email');
    expect(isPermanent(err)).toBe(true);
  });

  it('settles a promise by key (colons and slashes kept) or by id; a repeat changes nothing', async () => {
    const byKey = flovyn.createPromise('stripe:pi_123/a b');
    const r = await engine.settlePromise({
      org: 'acme',
      promise: 'key:stripe:pi_123/a b',
      mode: 'resolve',
      value: { amount: 42 },
    });
    expect(r).toEqual({ promiseId: byKey.id, settled: true });
    expect(lastCall().path).toBe(
      `/api/orgs/acme/promises/key:${encodeURIComponent('stripe:pi_123/a b')}/resolve`,
    );
    expect(byKey).toMatchObject({ status: 'RESOLVED', value: { amount: 42 } });
    const repeat = await engine.settlePromise({
      org: 'acme',
      promise: 'key:stripe:pi_123/a b',
      mode: 'resolve',
    });
    expect(repeat).toEqual({ promiseId: byKey.id, settled: false });

    const byId = flovyn.createPromise();
    const bare = await engine.settlePromise({
      org: 'acme',
      promise: byId.id,
      mode: 'reject',
      error: 'card declined',
    });
    expect(bare.settled).toBe(true);
    expect(lastCall().path).toBe(`/api/orgs/acme/promises/id:${byId.id}/reject`);
    expect(byId).toMatchObject({ status: 'REJECTED', error: 'card declined' });
    expect(promiseIdentifier(`id:${byId.id}`)).toBe(`id:${byId.id}`);
  });

  it('an unknown promise is not found (worth retrying: it may not exist yet); a malformed id is a conflict', async () => {
    const missing = await failure(
      engine.settlePromise({ org: 'acme', promise: 'key:nobody', mode: 'resolve' }),
    );
    expect(missing.code).toBe('EH_ENGINE_PROMISE_NOT_FOUND');
    expect(missing.message).toBe('Promise key:nobody was not found: Flovyn answered 404: Promise not found');
    expect(missing.params.status).toBe(404);
    expect(isPermanent(missing)).toBe(false);
    // A 404 for another reason (the org) says so, rather than blaming the promise.
    const noOrg = await failure(engine.settlePromise({ org: 'ghost', promise: 'key:k', mode: 'reject' }));
    expect(noOrg.message).toBe(
      'Promise key:k was not found: Flovyn answered 404: Organization ghost not found',
    );
    expect(isPermanent(noOrg)).toBe(false);
    const malformed = await failure(
      engine.settlePromise({ org: 'acme', promise: 'not-a-uuid', mode: 'resolve' }),
    );
    expect(malformed.code).toBe('EH_ENGINE_CONFLICT');
    expect(malformed.message).toContain('invalid promise id not-a-uuid');
    flovyn.failNext(1, { status: 413, body: { error: 'input exceeds 1 MB' } });
    const tooLarge = await failure(
      engine.settlePromise({ org: 'acme', promise: 'key:big', mode: 'resolve' }),
    );
    expect(isPermanent(tooLarge)).toBe(true);
    expect(tooLarge.message).toBe('Flovyn answered 413: input exceeds 1 MB');
  });

  it('a refused token, an unknown org, overload and outages are transient; the token never shows in an error', async () => {
    const wrong = new FlovynEngine({ url: flovyn.url, token: 'flovyn_sk_wrong_secret', timeoutMs: 500 });
    try {
      const err = await failure(
        wrong.startWorkflow({ org: 'acme', kind: 'k', input: {}, idempotencyKey: 'a' }),
      );
      expect(err.code).toBe('EH_ENGINE_UPSTREAM');
      expect(err.message).toBe('The engine answered 401: Unauthorized');
      expect(JSON.stringify({ ...err, message: err.message })).not.toContain('wrong_secret');
      expect(isPermanent(err)).toBe(false);
    } finally {
      await wrong.close();
    }

    const noOrg = await failure(
      engine.startWorkflow({ org: 'ghost', kind: 'k', input: {}, idempotencyKey: 'b' }),
    );
    expect(noOrg.message).toBe('The engine answered 404: Organization ghost not found');
    expect(isPermanent(noOrg)).toBe(false);

    flovyn.failNext(1, {
      status: 429,
      headers: { 'retry-after': '7' },
      body: { error: 'CONCURRENT_QUOTA_EXCEEDED', message: 'too many running workflows' },
    });
    const quota = await failure(
      engine.startWorkflow({ org: 'acme', kind: 'k', input: {}, idempotencyKey: 'c' }),
    );
    expect(quota.message).toBe(
      'The engine answered 429: CONCURRENT_QUOTA_EXCEEDED: too many running workflows',
    );
    expect(quota.headers).toEqual({ 'retry-after': '7' });

    flovyn.failNext(1, { status: 503, body: 'upstream connect error' });
    const outage = await failure(
      engine.createTask({ org: 'acme', kind: 'k', input: {}, idempotencyKey: 'd' }),
    );
    expect(outage.code).toBe('EH_ENGINE_UPSTREAM');
    expect(outage.message).toBe('The engine answered 503: "upstream connect error"');
  });

  it('a call that outlasts the timeout fails as a timeout; an unreachable server as unreachable', async () => {
    flovyn.failNext(1, { status: 201, delayMs: 2_000, body: { workflowExecutionId: 'late' } });
    const started = Date.now();
    const slow = await failure(
      engine.startWorkflow({ org: 'acme', kind: 'k', input: {}, idempotencyKey: 'e' }),
    );
    expect(slow.code).toBe('EH_ENGINE_TIMEOUT');
    expect(slow.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1_900);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const gone = new FlovynEngine({ url: `http://127.0.0.1:${port}`, token: TOKEN, timeoutMs: 500 });
    try {
      const err = await failure(
        gone.startWorkflow({ org: 'acme', kind: 'k', input: {}, idempotencyKey: 'f' }),
      );
      expect(err.code).toBe('EH_ENGINE_UNREACHABLE');
      expect(err.message).toContain('ECONNREFUSED');
    } finally {
      await gone.close();
    }
  });

  it('an answer without the execution id is an upstream error, not a success', async () => {
    flovyn.failNext(1, { status: 201, body: { status: 'PENDING' } });
    const err = await failure(
      engine.startWorkflow({ org: 'acme', kind: 'k', input: {}, idempotencyKey: 'g' }),
    );
    expect(err.message).toBe('The engine answered 201: the answer has no workflowExecutionId');
  });

  it('takes the whole answer to a task whose input is as large as Flovyn allows (the answer echoes it)', async () => {
    // 1 MiB of JSON input at most: Flovyn takes it, and answers with it and the task's other fields.
    const input = 'x'.repeat(1024 * 1024 - 2);
    const r = await engine.createTask({
      org: 'acme',
      kind: 'big',
      input,
      idempotencyKey: 'flvrev-big-input',
    });
    expect(r.created).toBe(true);
    expect(flovyn.tasks.get(r.id)?.input).toBe(input);
  });

  it('refuses an input over Flovyn’s 1 MiB before calling it, for good, naming its size and the limit', async () => {
    const calls = flovyn.calls.length;
    // One byte over: 1 MiB of JSON string and one more character; 'é' counts 2 bytes, as Flovyn counts it.
    const over = { workflow: 'x'.repeat(1024 * 1024 - 1), task: 'é'.repeat(512 * 1024) };
    const workflow = await failure(
      engine.startWorkflow({
        org: 'acme',
        kind: 'huge',
        input: over.workflow,
        idempotencyKey: 'flvrev-huge-wf',
      }),
    );
    expect(workflow.code).toBe('EH_ENGINE_INPUT_TOO_LARGE');
    expect(workflow.message).toBe(
      'The workflow input is 1048577 bytes as JSON, over the engine’s limit of 1048576 bytes (1 MiB): ' +
        'give the target an input that keeps only what the workflow needs',
    );
    expect(isPermanent(workflow)).toBe(true);
    const task = await failure(
      engine.createTask({ org: 'acme', kind: 'huge', input: over.task, idempotencyKey: 'flvrev-huge-task' }),
    );
    expect(task.code).toBe('EH_ENGINE_INPUT_TOO_LARGE');
    expect(task.message).toContain('The task input is 1048578 bytes as JSON');
    expect(isPermanent(task)).toBe(true);
    // Nothing was sent: Flovyn would have refused it (413) after reading a megabyte.
    expect(flovyn.calls.length).toBe(calls);
  });

  it('a 200 that is not Flovyn’s answer to a settlement (a page, an empty object) settles nothing', async () => {
    const p = flovyn.createPromise('flvrev:not-settled');
    // A proxy or a web front end in front of the wrong URL, answering 200 to anything.
    flovyn.failNext(1, { status: 200, body: '<!doctype html><title>Flovyn</title>' });
    const page = await failure(engine.settlePromise({ org: 'acme', promise: `id:${p.id}`, mode: 'resolve' }));
    expect(page.code).toBe('EH_ENGINE_UPSTREAM');
    expect(page.message).toBe('The engine answered 200: the answer has no promiseId');
    expect(isPermanent(page)).toBe(false);
    flovyn.failNext(1, { status: 200, body: {} });
    const empty = await failure(
      engine.settlePromise({ org: 'acme', promise: 'key:flvrev:not-settled', mode: 'reject' }),
    );
    expect(empty.message).toBe('The engine answered 200: the answer has no promiseId');
    expect(p.status).toBe('PENDING');
    // Flovyn's own answer settles it.
    expect(await engine.settlePromise({ org: 'acme', promise: `id:${p.id}`, mode: 'resolve' })).toEqual({
      promiseId: p.id,
      settled: true,
    });
  });
});
