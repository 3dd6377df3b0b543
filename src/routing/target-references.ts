// What a rule's targets name outside the rule (an endpoint, another org) must exist: checked when a rule is saved
// and when it is tested, the same way, so the tester never passes what saving would refuse.
import type { Store } from '../store/port.js';
import type { Target } from '../targets/target-schema.js';
import { targetError } from '../targets/validate-targets.js';
import { webhookEndpointOf } from '../targets/webhook-endpoint.js';

/** Throws EH_TARGET_INVALID at `/targets/<i>/endpoint` or `/targets/<i>/org` for the first name that does not exist. */
export async function checkTargetReferences(
  store: Store,
  org: string,
  targets: readonly Target[],
  check = { endpoints: true },
): Promise<void> {
  for (const [i, t] of targets.entries()) {
    // A webhook target names an endpoint of the org: a typo would otherwise send every matching event to the
    // dead-letter queue. Deleting the endpoint is refused while a rule names it, for the same reason.
    const endpoint = webhookEndpointOf(t);
    if (endpoint !== undefined && check.endpoints && !(await store.endpoints.get(org, endpoint)))
      throw targetError([{ path: `/targets/${i}/endpoint`, message: `endpoint ${endpoint} does not exist` }]);
    // An event_bus target into another org names one that exists; whether that org granted this one is checked
    // when the action runs, so a grant given (or taken back) later applies without saving the rule again.
    if (t.type !== 'event_bus' || t.org === undefined || t.org === org) continue;
    if (await store.orgs.get(t.org)) continue;
    throw targetError([{ path: `/targets/${i}/org`, message: `org ${t.org} does not exist` }]);
  }
}
