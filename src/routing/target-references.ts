// What a rule's targets name outside the rule (an endpoint, another org) must exist: checked when a rule is saved
// and when it is tested, the same way, so the tester never passes what saving would refuse. An endpoint that exists
// but does not deliver (paused, disabled) is said, not refused.
import type { StoreRepos } from '../store/port.js';
import type { EndpointRecord } from '../store/records.js';
import type { Target } from '../targets/target-schema.js';
import { targetError } from '../targets/validate-targets.js';
import { webhookEndpointOf } from '../targets/webhook-endpoint.js';

/**
 * Throws EH_TARGET_INVALID at `/targets/<i>/endpoint` or `/targets/<i>/org` for the first name that does not exist.
 * A rule's save calls it in the transaction that writes the rule with `settled`: the endpoints it finds then stay
 * until the rule is committed, and an endpoint's deletion under way is waited for (see EndpointService.delete). The
 * tester, which saves nothing, reads without locking.
 */
export async function checkTargetReferences(
  store: StoreRepos,
  org: string,
  targets: readonly Target[],
  check: { endpoints: boolean; settled?: boolean } = { endpoints: true },
): Promise<void> {
  const read = { settled: check.settled === true };
  for (const [i, t] of targets.entries()) {
    // A webhook target names an endpoint of the org: a typo would otherwise send every matching event to the
    // dead-letter queue. Deleting the endpoint is refused while a rule names it, for the same reason.
    const endpoint = webhookEndpointOf(t);
    if (endpoint !== undefined && check.endpoints && !(await store.endpoints.get(org, endpoint, read)))
      throw targetError([{ path: `/targets/${i}/endpoint`, message: `endpoint ${endpoint} does not exist` }]);
    // An event_bus target into another org names one that exists; whether that org granted this one is checked
    // when the action runs, so a grant given (or taken back) later applies without saving the rule again.
    if (t.type !== 'event_bus' || t.org === undefined || t.org === org) continue;
    if (await store.orgs.get(t.org)) continue;
    throw targetError([{ path: `/targets/${i}/org`, message: `org ${t.org} does not exist` }]);
  }
}

/**
 * A warning for each webhook target whose endpoint is paused or disabled: its actions wait there, using no attempt,
 * until the endpoint is active again. Not refused: an operator may pause an endpoint for maintenance, or wire a rule
 * before enabling its endpoint. Formatted as the rule tester's warnings are, the pointer first.
 */
export async function endpointStateWarnings(
  store: StoreRepos,
  org: string,
  targets: readonly unknown[],
): Promise<string[]> {
  const warnings: string[] = [];
  for (const [i, t] of targets.entries()) {
    const slug = webhookEndpointOf(t);
    if (slug === undefined) continue;
    const endpoint = await store.endpoints.get(org, slug);
    if (endpoint && endpoint.status !== 'active')
      warnings.push(`/targets/${i}/endpoint: endpoint ${slug} is ${stateOf(endpoint)}`);
  }
  return warnings;
}

function stateOf(endpoint: EndpointRecord): string {
  const waits = 'its deliveries wait, using no attempt, until it is active again';
  if (endpoint.status === 'paused') return `paused: ${waits}`;
  const why = endpoint.disabledReason ? ` (${endpoint.disabledReason})` : '';
  return `disabled${why}: ${waits}`;
}
