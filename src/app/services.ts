// Access, the configuration services (rules, grants, sources) and the read side of the event log.
import type { Logger } from 'pino';
import { AccessService } from '../access/access-service.js';
import {
  SUBJECTS,
  type Bus,
  type EndpointAnnouncement,
  type KeysRevokedAnnouncement,
  type SourceAnnouncement,
} from '../bus/port.js';
import type { Config } from '../config/config.js';
import type { AddressPolicy } from '../delivery/address-policy.js';
import type { Clock } from '../core/clock.js';
import type { SecretBox } from '../core/secret-box.js';
import { EventQueries } from '../events/event-queries.js';
import { GrantService } from '../grants/grant-service.js';
import { LiveSources } from '../ingest/live-sources.js';
import { SourceService } from '../ingest/source-service.js';
import { RuleCache } from '../routing/rule-cache.js';
import { RuleService } from '../routing/rule-service.js';
import type { Store } from '../store/port.js';
import type { SandboxLimits } from '../transform/index.js';
import type { Announce } from './bus.js';

export interface ServicesDeps {
  config: Config;
  store: Store;
  box: SecretBox;
  clock: Clock;
  logger: Logger;
  bus: Bus;
  announce: Announce;
  sandbox: SandboxLimits;
  addressPolicy: AddressPolicy;
}

export interface Services {
  access: AccessService;
  /** Set on the very first start when no operator token was configured. */
  generatedOperatorToken: string | undefined;
  ruleCache: RuleCache;
  rules: RuleService;
  grants: GrantService;
  liveSources: LiveSources;
  sources: SourceService;
  queries: EventQueries;
}

export async function buildServices(deps: ServicesDeps): Promise<Services> {
  const { config, store, box, clock, logger, bus, announce, sandbox, addressPolicy } = deps;
  const access = new AccessService(store, clock, config.adminToken, {
    orgRetired({ org, sources, endpoints }) {
      // Every process drops its copies of a deleted org's sources and endpoints at once (not after their TTL).
      for (const slug of sources)
        announce<SourceAnnouncement>(SUBJECTS.sourceChanged(org.slug, slug), { org: org.slug, slug });
      for (const slug of endpoints)
        announce<EndpointAnnouncement>(SUBJECTS.endpointChanged(org.slug, slug), {
          org: org.slug,
          slug,
          woken: 0,
        });
      logger.info({ org: org.slug }, 'org deleted; its data is being purged');
    },
    keysRevoked: (org, ids) => announce<KeysRevokedAnnouncement>(SUBJECTS.keysRevoked(org), { org, ids }),
  });
  const { generatedOperatorToken } = await access.bootstrap();
  const ruleCache = new RuleCache(store, clock, sandbox, (rule, part, err) =>
    part === 'unmatchable'
      ? logger.warn(
          { org: rule.org, rule: rule.id, name: rule.name, reason: (err as Error).message },
          'a stored rule has a pattern part that can never match; saving this pattern now would be refused',
        )
      : logger.error({ err, org: rule.org, rule: rule.id }, `a stored rule's ${part} does not compile`),
  );
  const rules = new RuleService(store, ruleCache, clock, sandbox);
  const grants = new GrantService(store, clock);
  const liveSources = new LiveSources(store, box, clock);
  const sources = new SourceService(
    store,
    box,
    clock,
    config.maxBodyLimitBytes,
    addressPolicy,
    (org, slug) => {
      liveSources.invalidate(org, slug);
      // Other processes serving ingest hear it on the bus; without it their copy would last up to a second.
      announce<SourceAnnouncement>(SUBJECTS.sourceChanged(org, slug), { org, slug });
    },
  );
  bus.subscribe<SourceAnnouncement>(SUBJECTS.allSources, ({ data }) =>
    liveSources.invalidate(data.org, data.slug),
  );
  const queries = new EventQueries(store);
  const resealed = await sources.sealPlainSecretOptions();
  if (resealed > 0) logger.info({ sources: resealed }, 'sealed secret source options kept in plain text');
  return { access, generatedOperatorToken, ruleCache, rules, grants, liveSources, sources, queries };
}
