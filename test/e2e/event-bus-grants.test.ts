// Cross-org event_bus targets (SPEC §7): the receiving org grants, the publishing org's actions are refused
// (dead at once, EH_GRANT_REQUIRED) until it does, a grant limited to event types admits only those, changing its
// types or deleting it takes effect at the next publication, each org sees only its own grants, and the hop count
// crosses orgs and stops loops.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventId } from '../../src/core/ids.js';
import {
  backendAvailable,
  BACKENDS,
  eventually,
  startTestApp,
  type ApiClient,
  type TestApp,
} from '../helpers/app.js';

const api = (org: string) => `/api/orgs/${org}/eventhook`;
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`event_bus into another org — ${backend}`, () => {
    let t: TestApp;
    let acme: ApiClient;
    let globex: ApiClient;

    /** Publishes one event into `org` and returns its id. */
    const publish = async (as: ApiClient, org: string, event: Record<string, unknown>) => {
      const res = await as.post(`${api(org)}/events`, event);
      expect(res.status, res.text).toBe(200);
      return res.body.eventId as string;
    };
    /** The event once routed and every action of it settled (succeeded or dead). */
    const settled = (as: ApiClient, org: string, id: string) =>
      eventually(
        async () => {
          const e = await as.get(`${api(org)}/events/${id}`);
          return e.status === 200 &&
            e.body.status !== 'pending' &&
            e.body.actions.every((a: { status: string }) => ['succeeded', 'dead'].includes(a.status))
            ? e.body
            : undefined;
        },
        15_000,
        `event ${id} of ${org} to settle`,
      );
    /** The one action of an acme event forwarded to globex. */
    const forward = async (type: string, data: Record<string, unknown> = {}) => {
      const id = await publish(acme, 'acme', { type, data: { forward: true, ...data } });
      const event = await settled(acme, 'acme', id);
      expect(event.actions).toHaveLength(1);
      return { id, action: event.actions[0] };
    };
    const globexTypes = async () =>
      ((await globex.get(`${api('globex')}/events?limit=200`)).body.items as { type: string }[]).map(
        (e) => e.type,
      );

    beforeAll(async () => {
      t = await startTestApp(backend);
      for (const slug of ['acme', 'globex'])
        expect((await t.api.post('/api/orgs', { slug })).status).toBe(201);
      const key = async (org: string) =>
        (await t.api.post(`/api/orgs/${org}/api-keys`, { name: 'admin', role: 'admin' })).body.key as string;
      acme = t.api.as(await key('acme'));
      globex = t.api.as(await key('globex'));
      // acme forwards what it marks `forward` to globex, keeping only the data.
      const rule = await acme.post(`${api('acme')}/rules`, {
        name: 'to-globex',
        pattern: { data: { forward: [true] } },
        targets: [{ type: 'event_bus', org: 'globex', input: { jmespath: 'data' } }],
      });
      expect(rule.status, rule.text).toBe(201);
      // globex's own rule reacts to what acme sends, proving it is routed by globex's rules.
      const seen = await globex.post(`${api('globex')}/rules`, {
        name: 'seen',
        pattern: { source: [{ prefix: 'org:acme' }], data: { forward: [true] } },
        targets: [{ type: 'event_bus', eventType: 'acme.seen', input: { constant: { seen: true } } }],
      });
      expect(seen.status, seen.text).toBe(201);
    });
    afterAll(async () => t?.close());

    it('refuses to save a rule whose event_bus target names an org that does not exist', async () => {
      const targets = [
        { type: 'event_bus', org: 'acme' },
        { type: 'event_bus', org: 'nowhere', eventType: 'x' },
      ];
      const res = await acme.post(`${api('acme')}/rules`, {
        name: 'lost',
        pattern: { type: ['x'] },
        targets,
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('EH_TARGET_INVALID');
      expect(res.body.detail).toBe('Invalid target at /targets/1/org: org nowhere does not exist');
      expect(res.body.errors).toEqual([{ path: '/targets/1/org', message: 'org nowhere does not exist' }]);
      const badSlug = await acme.post(`${api('acme')}/rules`, {
        name: 'lost',
        pattern: { type: ['x'] },
        targets: [{ type: 'event_bus', org: 'Not A Slug' }],
      });
      expect(badSlug.status).toBe(400);
      expect(JSON.stringify(badSlug.body.errors)).toContain('/targets/0/org');
      // Updating a rule to such a target is refused the same way, and the rule keeps its targets.
      const ok = await acme.post(`${api('acme')}/rules`, {
        name: 'own-org',
        enabled: false,
        pattern: { type: ['x'] },
        targets: [targets[0]],
      });
      expect(ok.status, ok.text).toBe(201);
      const patched = await acme.patch(`${api('acme')}/rules/${ok.body.id}`, { targets });
      expect(patched.status).toBe(400);
      expect(patched.body.errors[0].path).toBe('/targets/1/org');
      expect((await acme.get(`${api('acme')}/rules/${ok.body.id}`)).body.targets).toEqual([targets[0]]);
      expect((await acme.delete(`${api('acme')}/rules/${ok.body.id}`)).status).toBe(204);
    });

    it('without a grant the action is dead at its first attempt with EH_GRANT_REQUIRED, and globex gets nothing', async () => {
      const { action } = await forward('billing.paid', { n: 1 });
      expect(action.status).toBe('dead');
      expect(action.attemptCount).toBe(1);
      expect(action.lastError).toBe(
        'Org globex has no grant letting org acme publish billing.paid events into it',
      );
      expect(await globexTypes()).toEqual([]);
      // acme hears of it as of any dead action, so a rule can alert on a publication another org refused.
      const dead = await eventually(async () => {
        const r = await acme.get(`${api('acme')}/events?type=action.dead&limit=100`);
        return (r.body.items as { data: { actionId: string } }[]).find((e) => e.data.actionId === action.id);
      });
      expect(dead).toMatchObject({
        source: 'system:eventhook',
        subject: 'event_bus',
        data: { targetType: 'event_bus', reason: 'failed', attempts: 1, error: action.lastError },
      });
    });

    it('refuses grants that name no other existing org or bad event types', async () => {
      const cases: [Record<string, unknown>, string, string][] = [
        [{ fromOrg: 'nowhere' }, '/fromOrg', 'org nowhere does not exist'],
        [{ fromOrg: 'globex' }, '/fromOrg', 'an org needs no grant to publish into itself'],
        [{ fromOrg: 'acme', eventTypes: ['ok', 'bil*ing'] }, '/eventTypes/1', 'bil*ing is neither'],
      ];
      for (const [body, path, message] of cases) {
        const res = await globex.post(`${api('globex')}/grants`, body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.code).toBe('EH_GRANT_INVALID');
        expect(res.body.errors[0].path).toBe(path);
        expect(res.body.errors[0].message).toContain(message);
      }
      const empty = await globex.post(`${api('globex')}/grants`, { fromOrg: 'acme', eventTypes: [] });
      expect(empty.status).toBe(400);
      expect((await globex.get(`${api('globex')}/grants`)).body.items).toEqual([]);
    });

    it('once globex grants acme, the next event is published into globex and routed by its rules', async () => {
      const created = await globex.post(`${api('globex')}/grants`, {
        fromOrg: 'acme',
        description: 'acme may send anything',
      });
      expect(created.status, created.text).toBe(201);
      expect(created.body).toMatchObject({
        fromOrg: 'acme',
        eventTypes: null,
        description: 'acme may send anything',
      });
      expect(created.body.id).toMatch(/^grt_/);

      const id = await publish(acme, 'acme', {
        type: 'billing.paid',
        data: { forward: true, n: 2 },
        traceparent: TRACEPARENT,
      });
      const action = (await settled(acme, 'acme', id)).actions[0];
      expect(action.status, action.lastError).toBe('succeeded');
      expect(action.result.org).toBe('globex');
      const landed = await settled(globex, 'globex', action.result.eventId);
      expect(landed).toMatchObject({
        source: 'org:acme',
        type: 'billing.paid',
        data: { forward: true, n: 2 },
        status: 'routed',
        correlationId: id,
        traceparent: TRACEPARENT,
      });
      expect((await t.app.store.events.get('globex', landed.id as EventId))?.hopCount).toBe(1);
      // globex's rule `seen` fired on it and published its own event, one hop further.
      expect(landed.actions).toHaveLength(1);
      expect(landed.actions[0]).toMatchObject({ ruleName: 'seen', status: 'succeeded' });
      const seen = await globex.get(`${api('globex')}/events/${landed.actions[0].result.eventId}`);
      expect(seen.body).toMatchObject({ type: 'acme.seen', source: 'system:eventhook', correlationId: id });
      expect((await t.app.store.events.get('globex', seen.body.id as EventId))?.hopCount).toBe(2);
      // The event is globex's: acme cannot read it.
      expect((await acme.get(`${api('acme')}/events/${landed.id}`)).status).toBe(404);
      expect((await acme.get(`${api('globex')}/events/${landed.id}`)).status).toBe(404);
      // Retrying the dead action of the first event (before the grant) now publishes it too.
      const dead = (
        await acme.get(`${api('acme')}/actions?status=dead&targetType=event_bus`)
      ).body.items.find((a: { lastError: string }) => a.lastError?.includes('billing.paid'));
      expect((await acme.post(`${api('acme')}/actions/${dead.id}/retry`)).status).toBeLessThan(300);
      await eventually(async () => {
        const a = (await acme.get(`${api('acme')}/actions/${dead.id}`)).body;
        return a.status === 'succeeded' ? a : undefined;
      });
    });

    it('a grant limited to event types admits those and refuses the others', async () => {
      for (const g of (await globex.get(`${api('globex')}/grants`)).body.items)
        expect((await globex.delete(`${api('globex')}/grants/${g.id}`)).status).toBe(204);
      const limited = await globex.post(`${api('globex')}/grants`, {
        fromOrg: 'acme',
        eventTypes: ['billing.*', 'order.created'],
      });
      expect(limited.status, limited.text).toBe(201);
      expect(limited.body.eventTypes).toEqual(['billing.*', 'order.created']);
      for (const type of ['billing.refund.issued', 'order.created'])
        expect((await forward(type)).action.status, type).toBe('succeeded');
      for (const type of ['order.cancelled', 'billing']) {
        const { action } = await forward(type);
        expect(action.status, type).toBe('dead');
        expect(action.lastError).toBe(
          `Org globex has no grant letting org acme publish ${type} events into it`,
        );
      }
      // The type checked is the new event's: a target renaming it to a granted type publishes.
      const renamed = await acme.post(`${api('acme')}/rules`, {
        name: 'renamed',
        pattern: { data: { rename: [true] } },
        targets: [{ type: 'event_bus', org: 'globex', eventType: 'order.created' }],
      });
      expect(renamed.status, renamed.text).toBe(201);
      const secret = await publish(acme, 'acme', { type: 'secret.thing', data: { rename: true } });
      const action = (await settled(acme, 'acme', secret)).actions[0];
      expect(action.status, action.lastError).toBe('succeeded');
      expect((await globex.get(`${api('globex')}/events/${action.result.eventId}`)).body.type).toBe(
        'order.created',
      );
      expect((await acme.delete(`${api('acme')}/rules/renamed`)).status).toBe(204);
      const types = await globexTypes();
      expect(types).toContain('billing.refund.issued');
      expect(types).toContain('order.created');
      expect(types).not.toContain('order.cancelled');
      expect(types).not.toContain('billing');
    });

    it('each org sees and deletes only its own grants', async () => {
      const [grant] = (await globex.get(`${api('globex')}/grants`)).body.items;
      expect(grant).toBeDefined();
      expect((await acme.get(`${api('acme')}/grants`)).body.items).toEqual([]);
      for (const res of [
        await acme.get(`${api('globex')}/grants`),
        await acme.post(`${api('globex')}/grants`, { fromOrg: 'acme' }),
        await acme.delete(`${api('globex')}/grants/${grant.id}`),
      ]) {
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('EH_ORG_NOT_FOUND');
      }
      const byId = await acme.get(`${api('acme')}/grants/${grant.id}`);
      expect(byId.status).toBe(404);
      expect(byId.body.code).toBe('EH_GRANT_NOT_FOUND');
      expect((await acme.delete(`${api('acme')}/grants/${grant.id}`)).body.code).toBe('EH_GRANT_NOT_FOUND');
      expect((await globex.get(`${api('globex')}/grants/${grant.id}`)).body).toEqual(grant);
      // A member of globex may read its grants but not give one.
      const member = t.api.as(
        (await t.api.post('/api/orgs/globex/api-keys', { name: 'm', role: 'member' })).body.key,
      );
      expect((await member.get(`${api('globex')}/grants`)).status).toBe(200);
      expect((await member.post(`${api('globex')}/grants`, { fromOrg: 'acme' })).status).toBe(403);
    });

    it('changing a grant’s event types takes effect at the next publication; its org cannot be changed', async () => {
      const [grant] = (await globex.get(`${api('globex')}/grants`)).body.items;
      expect(grant.eventTypes).toEqual(['billing.*', 'order.created']);
      const patch = (body: unknown, as: ApiClient = globex, id = grant.id) =>
        as.patch(`${api('globex')}/grants/${id}`, body);
      const refusal = (type: string) =>
        `Org globex has no grant letting org acme publish ${type} events into it`;

      // Narrowed: order.created is refused as order.cancelled, which it never allowed, is.
      const narrowed = await patch({ eventTypes: ['billing.*'] });
      expect(narrowed.status, narrowed.text).toBe(200);
      expect(narrowed.body).toEqual({
        ...grant,
        eventTypes: ['billing.*'],
        updatedAt: narrowed.body.updatedAt,
      });
      expect(Date.parse(narrowed.body.updatedAt)).toBeGreaterThan(Date.parse(grant.updatedAt));
      expect(grant.updatedAt).toBe(grant.createdAt);
      for (const type of ['order.created', 'order.cancelled']) {
        const { action } = await forward(type);
        expect(action.status, type).toBe('dead');
        expect(action.lastError).toBe(refusal(type));
      }
      expect((await forward('billing.settled')).action.status).toBe('succeeded');

      // Widened to every type (null): what no version of it allowed goes through.
      const widened = await patch({ eventTypes: null });
      expect(widened.status, widened.text).toBe(200);
      expect(widened.body.eventTypes).toBeNull();
      for (const type of ['order.cancelled', 'order.created'])
        expect((await forward(type)).action.status, type).toBe('succeeded');

      // The description alone; the types stay.
      const described = await patch({ description: 'acme sends its orders and bills' });
      expect(described.status, described.text).toBe(200);
      expect(described.body).toMatchObject({
        eventTypes: null,
        description: 'acme sends its orders and bills',
      });
      expect((await globex.get(`${api('globex')}/grants/${grant.id}`)).body).toEqual(described.body);

      // Refused, changing nothing: the org it is from, even with other fields; bad types; nothing to change.
      for (const body of [{ fromOrg: 'acme' }, { fromOrg: 'initech', description: 'x' }]) {
        const res = await patch(body);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('EH_GRANT_INVALID');
        expect(res.body.errors).toEqual([
          {
            path: '/fromOrg',
            message:
              'cannot be changed: this grant lets org acme publish; to let another org publish, give it a grant ' +
              'of its own (and delete this one if need be)',
          },
        ]);
      }
      const cases: [unknown, string, string][] = [
        [{ eventTypes: ['ok', 'bil*ing'] }, '/eventTypes/1', 'bil*ing is neither'],
        [{ eventTypes: [] }, '/eventTypes', 'must NOT have fewer than 1 items'],
        [{ types: ['x'] }, '/types', 'is not a known field'],
      ];
      for (const [body, path, message] of cases) {
        const res = await patch(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.errors[0].path).toBe(path);
        expect(res.body.errors[0].message).toContain(message);
      }
      expect((await patch({})).status).toBe(400);
      expect((await globex.get(`${api('globex')}/grants/${grant.id}`)).body).toEqual(described.body);

      // Unknown here: no such grant, or another org's.
      for (const [as, org, id] of [
        [globex, 'globex', 'grt_01J0000000000000000000000Z'],
        [globex, 'globex', 'nope'],
        [acme, 'acme', grant.id],
      ] as const) {
        const res = await as.patch(`${api(org)}/grants/${id}`, { description: 'x' });
        expect(res.status, `${org} ${id}`).toBe(404);
        expect(res.body.code).toBe('EH_GRANT_NOT_FOUND');
      }
      expect((await patch({ description: 'x' }, acme)).body.code).toBe('EH_ORG_NOT_FOUND');

      // A member may read a grant but not change it; an admin may.
      const member = t.api.as(
        (await t.api.post('/api/orgs/globex/api-keys', { name: 'm2', role: 'member' })).body.key,
      );
      const forbidden = await patch({ eventTypes: ['x'] }, member);
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.detail).toBe('The member role may not change configuration');
      expect((await globex.get(`${api('globex')}/grants/${grant.id}`)).body).toEqual(described.body);

      // Back to what the next test expects of it.
      const restored = await patch({ eventTypes: ['billing.*', 'order.created'], description: '' });
      expect(restored.status, restored.text).toBe(200);
      expect(restored.body).toMatchObject({ eventTypes: ['billing.*', 'order.created'], description: '' });
    });

    it('deleting the grant stops the next publication', async () => {
      const [grant] = (await globex.get(`${api('globex')}/grants`)).body.items;
      expect((await forward('order.created')).action.status).toBe('succeeded');
      expect((await globex.delete(`${api('globex')}/grants/${grant.id}`)).status).toBe(204);
      const again = await globex.delete(`${api('globex')}/grants/${grant.id}`);
      expect(again.status).toBe(404);
      expect(again.body.code).toBe('EH_GRANT_NOT_FOUND');
      const before = (await globexTypes()).length;
      const { action } = await forward('order.created');
      expect(action.status).toBe('dead');
      expect(action.lastError).toContain('has no grant');
      expect((await globexTypes()).length).toBe(before);
    });

    it('the hop count crosses orgs: two orgs forwarding to each other stop at the hop limit', async () => {
      for (const [org, other, as] of [
        ['acme', 'globex', acme],
        ['globex', 'acme', globex],
      ] as const) {
        expect((await as.post(`${api(org)}/grants`, { fromOrg: other, eventTypes: ['ping'] })).status).toBe(
          201,
        );
        const rule = await as.post(`${api(org)}/rules`, {
          name: 'ping-back',
          pattern: { type: ['ping'] },
          targets: [{ type: 'event_bus', org: other }],
        });
        expect(rule.status, rule.text).toBe(201);
      }
      const first = await publish(acme, 'acme', { type: 'ping' });
      // Hops 0, 2, 4, 6, 8 land in acme and 1, 3, 5, 7 in globex; the action of hop 8 would make hop 9.
      const pings = (org: string, as: ApiClient) =>
        eventually(async () => {
          const items = (await as.get(`${api(org)}/events?type=ping&limit=200`)).body.items as {
            id: string;
            status: string;
          }[];
          return items.length === (org === 'acme' ? 5 : 4) && items.every((e) => e.status !== 'pending')
            ? items
            : undefined;
        }, 20_000);
      const acmePings = await pings('acme', acme);
      await pings('globex', globex);
      // ids are time-ordered: the newest ping is the last hop.
      const last = acmePings.reduce((a, b) => (b.id > a.id ? b : a));
      expect((await t.app.store.events.get('acme', last.id as EventId))?.hopCount).toBe(8);
      const stopped = await settled(acme, 'acme', last.id);
      expect(stopped.actions[0].status).toBe('dead');
      expect(stopped.actions[0].lastError).toBe(
        'Invalid target at event_bus: hop limit 8 reached (routing loop?)',
      );
      expect((await t.app.store.events.get('acme', first as EventId))?.hopCount).toBe(0);
    });
  });
}
