// An endpoint --prune deletes must have no rule left delivering to it once the plan has run: the server refuses to
// delete an endpoint a rule names, and apply would stop half-way. Said before anything is sent, so --dry-run says it.
import { webhookEndpointOf } from '../../targets/webhook-endpoint.js';
import { CliError } from '../cli-error.js';
import type { DesiredState } from './desired.js';
import type { Change } from './plan.js';

type Obj = Record<string, unknown>;

/** The rules on the server, by name (fetched only when the plan deletes an endpoint). */
type ServerRules = () => Promise<ReadonlyMap<string, Obj>>;

export async function checkPrunedEndpoints(
  desired: DesiredState,
  changes: readonly Change[],
  serverRules: ServerRules,
): Promise<void> {
  const pruned = new Set(
    changes.filter((c) => c.action === 'delete' && c.kind === 'endpoints').map((c) => c.key),
  );
  if (pruned.size === 0) return;
  const deletedRules = new Set(
    changes.filter((c) => c.action === 'delete' && c.kind === 'rules').map((c) => c.key),
  );
  const inFile = new Map(desired.items.filter((i) => i.kind === 'rules').map((i) => [i.identity, i]));
  const lines: string[] = [];
  for (const [name, rule] of await serverRules()) {
    if (deletedRules.has(name) || inFile.has(name)) continue;
    for (const slug of webhookEndpoints(rule.targets))
      if (pruned.has(slug))
        lines.push(
          `rule ${name} (on the server, not in the file) delivers to endpoint ${slug}, which --prune would delete; keep the endpoint in the file, or change or delete the rule`,
        );
  }
  // A rule of the file ends with the file's targets, whether it is created, updated or unchanged.
  for (const item of inFile.values()) {
    webhookEndpoints(item.body.targets).forEach((slug, i) => {
      if (pruned.has(slug))
        lines.push(
          `${item.locate(`/targets/${i}/endpoint`)}: endpoint ${slug} is not in the file, and --prune would delete it`,
        );
    });
  }
  if (lines.length > 0) throw new CliError(lines[0]!, lines.slice(1));
}

/** The endpoint of each webhook target, '' for other targets (so indexes stay the targets'). */
function webhookEndpoints(targets: unknown): string[] {
  if (!Array.isArray(targets)) return [];
  return targets.map((t) => webhookEndpointOf(t) ?? '');
}
