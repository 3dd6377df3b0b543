// Deleting an endpoint that rules still deliver to is refused (409, naming the rules), as saving a rule with an
// endpoint that does not exist is: otherwise every matching event would become a dead action. An endpoint that
// exists but is paused or disabled is no error: saving the rule says its deliveries will wait.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, startTestApp, type TestApp } from '../helpers/app.js';
import { BASE, createEndpoint, createRule } from '../helpers/outbound.js';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`deleting an endpoint in use — ${backend}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(backend);
    });
    afterAll(() => t?.close());

    it('is refused while a rule, enabled or not, delivers to it; allowed once none does', async () => {
      await createEndpoint(t, { slug: 'shipping-svc', url: 'https://shipping.example.com/hooks' });
      await createEndpoint(t, { slug: 'audit', url: 'https://audit.example.com/hooks' });
      await createRule(t, 'ship-paid', 'order.paid', [{ endpoint: 'audit' }, { endpoint: 'shipping-svc' }]);
      await createRule(t, 'ship-refunded', 'order.refunded', [{ endpoint: 'shipping-svc' }]);
      await createRule(t, 'gone-rule', 'order.lost', [{ endpoint: 'shipping-svc' }]);
      expect((await t.api.delete(`${BASE}/rules/gone-rule`)).status).toBe(204);
      expect((await t.api.patch(`${BASE}/rules/ship-refunded`, { enabled: false })).status).toBe(200);

      const refused = await t.api.delete(`${BASE}/endpoints/shipping-svc`);
      expect(refused.status).toBe(409);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body).toMatchObject({
        code: 'EH_ENDPOINT_IN_USE',
        detail:
          'Endpoint shipping-svc is a target of rule(s) ship-paid, ship-refunded; remove it from their targets or delete the rules first',
      });
      expect((await t.api.get(`${BASE}/endpoints/shipping-svc`)).status).toBe(200);

      const retargeted = await t.api.patch(`${BASE}/rules/ship-paid`, {
        targets: [{ type: 'webhook', endpoint: 'audit' }],
      });
      expect(retargeted.status, retargeted.text).toBe(200);
      expect((await t.api.delete(`${BASE}/endpoints/shipping-svc`)).body.detail).toBe(
        'Endpoint shipping-svc is a target of rule(s) ship-refunded; remove it from their targets or delete the rules first',
      );
      expect((await t.api.delete(`${BASE}/rules/ship-refunded`)).status).toBe(204);
      expect((await t.api.delete(`${BASE}/endpoints/shipping-svc`)).status).toBe(204);
      // An endpoint that does not exist is still a 404, not a conflict.
      expect((await t.api.delete(`${BASE}/endpoints/shipping-svc`)).body.code).toBe('EH_ENDPOINT_NOT_FOUND');
    });

    it('a rule saved while its endpoint is deleted: one of the two is refused, never both done', async () => {
      // Each round races a rule naming a fresh endpoint against that endpoint's deletion. Done both, the rule would
      // stand on a deleted endpoint and every matching event would become a dead action.
      for (let round = 0; round < 40; round++) {
        const slug = `racy-${round}`;
        await createEndpoint(t, { slug, url: 'https://racy.example.com/hooks' });
        const [rule, deleted] = await Promise.all([
          t.api.post(`${BASE}/rules`, {
            name: `racy-rule-${round}`,
            pattern: { type: ['order.raced'] },
            targets: [{ type: 'webhook', endpoint: slug }],
          }),
          t.api.delete(`${BASE}/endpoints/${slug}`),
        ]);
        const outcome = `round ${round}: rule ${rule.status} ${rule.text}, delete ${deleted.status} ${deleted.text}`;
        if (rule.status === 201) {
          expect(deleted.status, outcome).toBe(409);
          expect((await t.api.get(`${BASE}/endpoints/${slug}`)).status, outcome).toBe(200);
        } else {
          expect(rule.status, outcome).toBe(400);
          expect(rule.text, outcome).toContain(`endpoint ${slug} does not exist`);
          expect(deleted.status, outcome).toBe(204);
        }
      }
    });

    it('a rule saved with a paused or disabled endpoint as a target saves, and says its deliveries will wait', async () => {
      await createEndpoint(t, { slug: 'on-hold', url: 'https://hold.example.com/hooks', status: 'paused' });
      await createEndpoint(t, {
        slug: 'switched-off',
        url: 'https://off.example.com/hooks',
        status: 'disabled',
      });
      await createEndpoint(t, { slug: 'live', url: 'https://live.example.com/hooks' });
      const waits = 'its deliveries wait, using no attempt, until it is active again';
      const created = await t.api.post(`${BASE}/rules`, {
        name: 'to-held',
        pattern: { type: ['order.held'] },
        targets: [
          { type: 'webhook', endpoint: 'live' },
          { type: 'webhook', endpoint: 'on-hold' },
        ],
      });
      expect(created.status, created.text).toBe(201);
      expect(created.body.warnings).toEqual([`/targets/1/endpoint: endpoint on-hold is paused: ${waits}`]);
      // Saved all the same, and the rule as read has no warnings: they are the save's advice, not the rule's.
      const read = await t.api.get(`${BASE}/rules/to-held`);
      expect(read.body.targets).toHaveLength(2);
      expect(read.body).not.toHaveProperty('warnings');

      const updated = await t.api.patch(`${BASE}/rules/to-held`, {
        targets: [{ type: 'webhook', endpoint: 'switched-off' }],
      });
      expect(updated.status, updated.text).toBe(200);
      expect(updated.body.warnings).toEqual([
        `/targets/0/endpoint: endpoint switched-off is disabled (disabled by a user): ${waits}`,
      ]);
      // Once the endpoint is active, nothing to say.
      expect((await t.api.patch(`${BASE}/endpoints/switched-off`, { status: 'active' })).status).toBe(200);
      const quiet = await t.api.patch(`${BASE}/rules/to-held`, { description: 'ok now' });
      expect(quiet.status, quiet.text).toBe(200);
      expect(quiet.body).not.toHaveProperty('warnings');
    });
  });
}
