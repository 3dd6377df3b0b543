// Two deployments on one Flovyn NATS server whose prefixes differ only where the durable consumer's name used to
// blur them (`a.b` and `a_b`, `eventhook` and `Eventhook`): each must get its own consumer, so every lifecycle event
// reaches both, rather than one consumer shared and each event taken by one of them. The default prefix keeps its
// consumer name (EVENTHOOK), so a deployment that upgrades carries on where it was.
import { randomUUID } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOk, eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { natsServerInstalled, PrivateNats } from '../helpers/nats-server.js';
import { flovynConsumerName } from '../../src/engine/adapters/flovyn/lifecycle-consumer.js';

const natsBinary = natsServerInstalled();
const base = '/api/orgs/default/eventhook';

describe('the durable consumer name of a deployment', () => {
  it('keeps the old name where no other prefix could share it, and tells every prefix apart', () => {
    expect(flovynConsumerName('eventhook')).toBe('EVENTHOOK');
    expect(flovynConsumerName('acme.prod')).toBe('ACME_PROD');
    expect(flovynConsumerName('team-1.eh')).toBe('TEAM-1_EH');
    const prefixes = ['a.b', 'a_b', 'A_B', 'A.b', 'eventhook', 'Eventhook', 'EVENTHOOK', 'a_b.c', 'a.b_c'];
    const names = prefixes.map(flovynConsumerName);
    expect(new Set(names).size).toBe(prefixes.length);
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});

describe.skipIf(!natsBinary)('deployments with prefixes a.b and a_b on one Flovyn NATS', () => {
  let nats: PrivateNats;
  const flovynOrg = randomUUID();
  beforeAll(async () => {
    nats = await PrivateNats.onFreePort({ jetstream: true });
    await nats.start();
  });
  afterAll(async () => nats?.dispose());

  it('each takes every event through a consumer of its own', async () => {
    const apps: TestApp[] = [];
    try {
      for (const prefix of ['a.b', 'a_b'])
        apps.push(
          await startTestApp('sqlite', {
            env: {
              EVENTHOOK_NATS_PREFIX: prefix,
              EVENTHOOK_FLOVYN_NATS_URL: nats.url,
              EVENTHOOK_FLOVYN_EVENT_ORGS: `${flovynOrg}=default`,
              EVENTHOOK_FLOVYN_EVENTS_DURABLE: 'on',
            },
          }),
        );
      for (const t of apps) await checkOk(t.url, 'flovynEvents');
      const client = await connect({ servers: nats.url });
      try {
        const consumers = [];
        for await (const c of (await jetstreamManager(client)).consumers.list('FLOVYN_EVENTS'))
          consumers.push(c.name);
        expect(consumers.sort()).toEqual([flovynConsumerName('a.b'), flovynConsumerName('a_b')].sort());
        for (let i = 0; i < 10; i++)
          client.publish(
            `flovyn.events.${flovynOrg}.workflow.started`,
            JSON.stringify({
              id: `started-${i}`,
              event_type: 'WORKFLOW_STARTED',
              workflow_execution_id: `wf-${i}`,
            }),
          );
        await client.flush();
      } finally {
        await client.close();
      }
      for (const t of apps)
        await eventually(
          async () =>
            ((await t.api.get(`${base}/events?type=workflow.started`)).body.items as unknown[]).length ===
              10 || undefined,
          10_000,
          'all ten events in each deployment',
        );
    } finally {
      for (const t of apps) await t.close();
    }
  });
});
