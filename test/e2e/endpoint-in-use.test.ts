// Deleting an endpoint that rules still deliver to is refused (409, naming the rules), as saving a rule with an
// endpoint that does not exist is: otherwise every matching event would become a dead action.
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
  });
}
