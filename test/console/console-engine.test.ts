// The console's Engine page in a real browser against a real server: the workflows, tasks and promises a rule
// started, listed newest first, filtered by status and kind and paged; one opened in full, cancelled after asking
// (by a member key too), its workflow.cancelled found through the link to its lifecycle events; a finished one
// offers no cancel, and one that finished behind the page's back shows the API's refusal. A promise opens from the
// lists (a member key too): its workflow, its error or value, its lifecycle events. With Flovyn as the engine, the
// page says the local engine is off instead of failing.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, OPERATOR_TOKEN, type TestApp } from '../helpers/app.js';
import { browserAvailable, startConsole, type ConsoleHarness } from '../helpers/console.js';
import { FakeFlovyn } from '../helpers/fake-flovyn.js';
import { createRule } from '../helpers/outbound.js';

const base = '/api/orgs/default/eventhook';

interface Execution {
  id: string;
  status: string;
  workerId: string | null;
  error: string | null;
  input: { id: string; data: { orderId: string } };
}

describe.skipIf(!browserAvailable())('web console: the local engine', () => {
  let c: ConsoleHarness;
  let t: TestApp;
  let page: Page;
  /** The checkout workflow of each order, by order id. */
  const checkout: Record<string, Execution> = {};

  const list = async (plural: string, query = '') =>
    (await t.api.get(`${base}/engine/${plural}?limit=200${query}`)).body.items as Execution[];
  const get = async (plural: string, id: string) => (await t.api.get(`${base}/engine/${plural}/${id}`)).body;
  const claim = async (plural: string, kind: string) => {
    const res = await t.api.post(`${base}/engine/${plural}/claim`, { workerId: 'worker-1', kinds: [kind] });
    expect(res.status, res.text).toBe(200);
    return res.body as Execution;
  };
  const complete = async (plural: string, id: string, output: unknown) => {
    const res = await t.api.post(`${base}/engine/${plural}/${id}/complete`, { workerId: 'worker-1', output });
    expect(res.status, res.text).toBe(200);
  };
  const rowIds = () => page.locator('tbody tr.link td:last-child code').allTextContents();
  const rows = () => page.locator('tbody tr.link');

  beforeAll(async () => {
    c = await startConsole();
    ({ t, page } = c);
    await createRule(t, 'orders', 'order.placed', [
      { type: 'workflow', kind: 'checkout' },
      { type: 'task', kind: 'ship' },
    ]);
    for (const orderId of ['o-1', 'o-2', 'o-3'])
      await t.api.post(`${base}/events`, { type: 'order.placed', data: { orderId } });
    await eventually(
      async () => (await list('workflows')).length === 3 && (await list('tasks')).length === 3,
    );
    // o-1's checkout completed, o-2's running (worker-1 holds it), o-3's pending: claims take the oldest first.
    await complete('workflows', (await claim('workflows', 'checkout')).id, { charged: 'o-1' });
    await claim('workflows', 'checkout');
    for (const w of await list('workflows')) checkout[w.input.data.orderId] = w;
    expect(Object.values(checkout).map((w) => [w.input.data.orderId, w.status])).toEqual([
      ['o-3', 'pending'],
      ['o-2', 'running'],
      ['o-1', 'completed'],
    ]);
    await c.signIn();
  }, 60_000);
  afterAll(async () => c?.close());

  it('lists workflows newest first, filtered by status and kind; tasks and promises beside them', async () => {
    await page.getByRole('link', { name: 'Engine' }).click();
    await page.getByRole('heading', { name: 'Engine' }).waitFor();
    await expect.poll(rowIds).toEqual(['o-3', 'o-2', 'o-1'].map((o) => checkout[o]!.id));
    const running = page.locator('tr', { hasText: checkout['o-2']!.id });
    expect(await running.textContent()).toContain('checkoutrunningdefaultworker-1');

    // The filters go in the address, so the list can be linked to and Back returns to it.
    await page.selectOption('select[name=status]', 'completed');
    await page.click('text=Filter');
    await expect.poll(rowIds).toEqual([checkout['o-1']!.id]);
    expect(page.url()).toContain('#/engine/workflows?status=completed');
    await page.selectOption('select[name=status]', 'pending');
    await page.click('text=Filter');
    await expect.poll(rowIds).toEqual([checkout['o-3']!.id]);
    await page.selectOption('select[name=status]', '');
    await page.fill('input[name=kind]', 'refund');
    await page.click('text=Filter');
    await page.getByRole('cell', { name: 'Nothing yet.' }).waitFor();
    await page.goBack();
    await expect.poll(rowIds).toEqual([checkout['o-3']!.id]);
    expect(await page.inputValue('select[name=status]')).toBe('pending');

    // Tasks: how many times each ran, of how many it may.
    await page.getByRole('link', { name: 'Tasks', exact: true }).click();
    await expect.poll(() => rows().count()).toBe(3);
    expect(await page.locator('thead').textContent()).toContain('executions');
    expect(await rows().first().textContent()).toContain('shippending');
    expect(await rows().first().textContent()).toContain('0 of 4');

    // Promises, each linked to its workflow.
    const made = await t.api.post(`${base}/engine/promises`, {
      key: 'payment:o-2',
      workflowId: checkout['o-2']!.id,
    });
    expect(made.status, made.text).toBe(201);
    await page.getByRole('link', { name: 'Promises', exact: true }).click();
    await page.getByRole('cell', { name: 'payment:o-2' }).waitFor();
    await page.getByRole('link', { name: checkout['o-2']!.id }).click();
    await page.getByRole('heading', { name: 'Workflow checkout running' }).waitFor();
    await page.getByRole('cell', { name: 'payment:o-2' }).waitFor();
  });

  it('pages back through older tasks with the API’s cursor', async () => {
    await createRule(t, 'bulk', 'bulk.item', [{ type: 'task', kind: 'bulk' }]);
    for (let i = 0; i < 55; i++) await t.api.post(`${base}/events`, { type: 'bulk.item', data: { i } });
    await eventually(async () => (await list('tasks', '&kind=bulk')).length === 55, 20_000);
    await c.open('/engine/tasks?kind=bulk');
    await expect.poll(() => rows().count()).toBe(50);
    await page.click('text=Older tasks');
    await expect.poll(() => rows().count()).toBe(55);
    expect(await page.isHidden('text=Older tasks')).toBe(true);
    expect(await rowIds()).toEqual((await list('tasks', '&kind=bulk')).map((x) => x.id));
  });

  it('shows a running workflow in full, cancels it after asking, and links its workflow.cancelled', async () => {
    const id = checkout['o-2']!.id;
    await c.open(`/engine/workflows/${id}`);
    await page.getByRole('heading', { name: 'Workflow checkout running' }).waitFor();
    const facts = (await page.textContent('main dl'))!;
    expect(facts).toContain('workerworker-1');
    expect(facts).toMatch(/idempotency key\S+:\S+:0/);
    expect(facts).toContain(`correlation id${(await get('workflows', id)).correlationId}`);
    expect(await page.textContent('main')).toContain('"orderId": "o-2"');

    await page.fill('input[name=reason]', 'the customer called it off');
    const questions: string[] = [];
    page.once('dialog', (d) => {
      questions.push(d.message());
      void d.dismiss();
    });
    await page.getByRole('button', { name: 'Cancel workflow' }).click();
    await expect.poll(() => questions.length).toBe(1);
    expect(questions[0]).toContain(`Cancel workflow ${id}?`);
    expect((await get('workflows', id)).status).toBe('running');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Cancel workflow' }).click();
    await page.getByRole('heading', { name: 'Workflow checkout cancelled' }).waitFor();
    await page.getByText(`Workflow ${id} is cancelled.`).waitFor();
    expect(await page.textContent('pre.error')).toBe('the customer called it off');
    expect(await page.getByRole('button', { name: 'Cancel workflow' }).count()).toBe(0);
    expect(await get('workflows', id)).toMatchObject({
      status: 'cancelled',
      error: 'the customer called it off',
      workerId: null,
    });

    // Its lifecycle events, found by the event log's free text (their subject is its id), the new one included.
    await page.click('a.lifecycle');
    await page.waitForURL(`**/#/events?q=${id}`);
    expect(await page.inputValue('input[name=q]')).toBe(id);
    const types = page.locator('tbody tr.link td:nth-child(3)');
    await expect
      .poll(() => types.allTextContents())
      .toEqual(['workflow.cancelled', 'workflow.started', 'workflow.created']);
    expect(new Set(await page.locator('tbody tr.link td:nth-child(4)').allTextContents())).toEqual(
      new Set([id]),
    );
  });

  it('offers no cancel for a finished workflow, and shows the refusal when one finished behind the page', async () => {
    await c.open(`/engine/workflows/${checkout['o-1']!.id}`);
    await page.getByRole('heading', { name: 'Workflow checkout completed' }).waitFor();
    expect(await page.textContent('main')).toContain('"charged": "o-1"');
    expect(await page.getByRole('button', { name: 'Cancel workflow' }).count()).toBe(0);

    const id = checkout['o-3']!.id;
    await c.open(`/engine/workflows/${id}`);
    await page.getByRole('heading', { name: 'Workflow checkout pending' }).waitFor();
    const claimed = await claim('workflows', 'checkout');
    expect(claimed.id).toBe(id);
    await complete('workflows', id, { charged: 'o-3' });
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Cancel workflow' }).click();
    await page
      .getByRole('alert')
      .getByText(
        `Not cancelled: Workflow ${id} is already completed: only a pending or running one can be cancelled`,
      )
      .waitFor();
    await page.getByRole('heading', { name: 'Workflow checkout completed' }).waitFor();
    expect(await page.getByRole('button', { name: 'Cancel workflow' }).count()).toBe(0);
    expect((await get('workflows', id)).status).toBe('completed');
  });

  it('follows one execution’s lifecycle events live in the event log, and no other event', async () => {
    const placed = await t.api.post(`${base}/events`, { type: 'order.placed', data: { orderId: 'o-4' } });
    const eventId = placed.body.eventId as string;
    const workflow = await eventually(async () =>
      (await list('workflows', '&status=pending')).find((w) => w.input.id === eventId),
    );
    await c.open(`/engine/workflows/${workflow.id}`);
    await page.click('a.lifecycle');
    await page.getByText('live', { exact: true }).waitFor();
    const types = page.locator('tbody tr.link td:nth-child(3)');
    await expect.poll(() => types.allTextContents()).toEqual(['workflow.created']);
    // The unrelated event's frame comes before the workflow's, so once those show, it has been passed over.
    await t.api.post(`${base}/events`, { type: 'noise', subject: 'other', data: {} });
    await complete('workflows', (await claim('workflows', 'checkout')).id, { charged: 'o-4' });
    await expect
      .poll(() => types.allTextContents())
      .toEqual(['workflow.completed', 'workflow.started', 'workflow.created']);
  });

  it('opens a promise from the list: its facts, its workflow, its error or value, its lifecycle events', async () => {
    // payment:o-2 was rejected with its workflow, cancelled above.
    const rejected = (await list('promises')).find(
      (p) => (p as unknown as { key: string }).key === 'payment:o-2',
    )!;
    const workflowId = checkout['o-2']!.id;
    await c.open('/engine/promises');
    await page.getByRole('cell', { name: 'payment:o-2' }).click();
    await page.getByRole('heading', { name: 'Promise payment:o-2 rejected' }).waitFor();
    expect(page.url()).toContain(`#/engine/promises/${rejected.id}`);
    const facts = (await page.textContent('main dl'))!;
    expect(facts).toContain(`id${rejected.id}key`);
    expect(facts).toContain(`workflow${workflowId}status`);
    expect(await page.textContent('pre.error')).toBe(
      `Workflow ${workflowId} was cancelled: the customer called it off`,
    );
    await page.click('main dl a.workflow');
    await page.getByRole('heading', { name: 'Workflow checkout cancelled' }).waitFor();
    // The workflow's own promises open the same way.
    await page.getByRole('cell', { name: 'payment:o-2' }).click();
    await page.getByRole('heading', { name: 'Promise payment:o-2 rejected' }).waitFor();
    await page.click('a.lifecycle');
    await page.waitForURL(`**/#/events?q=${rejected.id}`);
    await expect
      .poll(() => page.locator('tbody tr.link td:nth-child(3)').allTextContents())
      .toEqual(['promise.rejected', 'promise.created']);

    // One a rule resolved, with no workflow: its value.
    await createRule(t, 'refunds', 'refund.paid', [
      { type: 'promise', mode: 'resolve', promise: "join('', ['key:refund:', data.refund])", value: 'data' },
    ]);
    const made = await t.api.post(`${base}/engine/promises`, { key: 'refund:r-1' });
    expect(made.status, made.text).toBe(201);
    await t.api.post(`${base}/events`, { type: 'refund.paid', data: { refund: 'r-1', amount: 5 } });
    await eventually(
      async () => (await get('promises', made.body.id)).status === 'resolved' || undefined,
      10_000,
    );
    await c.open('/engine/promises?status=resolved');
    await page.getByRole('cell', { name: made.body.id }).click();
    await page.getByRole('heading', { name: 'Promise refund:r-1 resolved' }).waitFor();
    expect(await page.textContent('main dl')).toContain('workflow—status');
    expect(await page.textContent('main pre')).toContain('"amount": 5');
    await page.getByRole('link', { name: 'All promises' }).click();
    await page.getByRole('heading', { name: 'Engine' }).waitFor();
  });

  it('fits a phone’s width: the lists scroll in their own box, never the page', async () => {
    const viewport = page.viewportSize()!;
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      for (const hash of [
        '/engine',
        '/engine/tasks',
        '/engine/promises',
        `/engine/workflows/${checkout['o-2']!.id}`,
        `/engine/promises/${(await list('promises'))[0]!.id}`,
      ]) {
        await c.open(hash);
        // A promise's page has no table: its facts and its value are what must fit.
        await page
          .locator(hash.startsWith('/engine/promises/') ? 'main dl' : 'main table')
          .first()
          .waitFor();
        expect(await page.evaluate('document.documentElement.scrollWidth'), hash).toBe(390);
      }
      await c.open('/engine/tasks');
      await page.locator('tbody tr.link').first().waitFor();
      const box = page.locator('.table-wrap').first();
      expect(await box.evaluate((el) => el.scrollWidth > el.clientWidth && el.clientWidth <= 390)).toBe(true);
    } finally {
      await page.setViewportSize(viewport);
    }
  });

  it('lets a member key cancel a pending task; its task.cancelled is in the event log', async () => {
    const member = await t.api.post('/api/orgs/default/api-keys', { name: 'ops', role: 'member' });
    expect(member.status, member.text).toBe(201);
    await page.getByRole('link', { name: 'sign out' }).click();
    await page.fill('input[name=token]', member.body.key);
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    const task = (await list('tasks', '&kind=ship&status=pending'))[0]!;
    await c.open(`/engine/tasks/${task.id}`);
    await page.getByRole('heading', { name: 'Task ship pending' }).waitFor();
    expect(await page.textContent('main dl')).toContain('executions0 of at most 4');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Cancel task' }).click();
    await page.getByRole('heading', { name: 'Task ship cancelled' }).waitFor();
    expect(await get('tasks', task.id)).toMatchObject({ status: 'cancelled', error: 'no reason given' });
    await page.click('a.lifecycle');
    await page.getByRole('cell', { name: 'task.cancelled' }).waitFor();

    // A member opens a promise from the list, as it lists them.
    await c.open('/engine/promises');
    await page.getByRole('cell', { name: 'refund:r-1' }).click();
    await page.getByRole('heading', { name: 'Promise refund:r-1 resolved' }).waitFor();

    await page.getByRole('link', { name: 'sign out' }).click();
    await page.fill('input[name=token]', OPERATOR_TOKEN);
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    // The one failure the page met is the refused cancellation (409) of the workflow that had finished.
    const failures = c.pageErrors();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('status of 409');
  });
});

describe.skipIf(!browserAvailable())('web console: the Flovyn engine', () => {
  let c: ConsoleHarness;
  let flovyn: FakeFlovyn;

  beforeAll(async () => {
    flovyn = await new FakeFlovyn('flovyn_sk_console_token', ['default']).start();
    c = await startConsole({ env: flovyn.engineEnv() });
    await c.signIn();
  }, 60_000);
  afterAll(async () => {
    await c?.close();
    await flovyn?.close();
  });

  it('says the local engine is off, where the executions would be listed or shown', async () => {
    const { page, t } = c;
    expect((await t.api.get(`${base}/engine/workflows`)).body.code).toBe('EH_LOCAL_ENGINE_OFF');
    for (const hash of [
      '/engine',
      '/engine/tasks?status=failed',
      '/engine/workflows/wf_elsewhere',
      '/engine/promises/prm_elsewhere',
    ]) {
      await c.open(hash);
      await page.locator('.engine-off').getByText('The local engine is off').waitFor();
      expect(await page.locator('main .error').count(), hash).toBe(0);
      expect(await page.textContent('main'), hash).not.toContain('Could not load');
    }
  });
});
