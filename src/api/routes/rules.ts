// Rules: create, list, get, update, delete (soft).
import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox';
import type { JsonValue } from '../../core/envelope.js';
import { patternWarnings, type RuleService } from '../../routing/rule-service.js';
import type { RuleTester } from '../../routing/rule-tester.js';
import type { RuleRecord } from '../../store/records.js';
import { TargetIn } from '../../targets/target-schema.js';
import { Pattern, RuleTestIn, RuleTestOut } from './rule-test-schemas.js';
import {
  AUTH_PROBLEMS,
  DeletableListQuery,
  PageOf,
  pageOfList,
  iso,
  isoOrNull,
  Timestamp,
} from '../schemas.js';
import { actorOf } from '../auth.js';
import { expectedVersion, IfMatchHeaders } from '../versioning.js';

const RuleFields = {
  name: Type.String({ minLength: 1, maxLength: 255 }),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  enabled: Type.Optional(Type.Boolean()),
  pattern: Pattern,
  filter: Type.Optional(
    Type.Union([Type.String({ minLength: 1, maxLength: 100_000 }), Type.Null()], {
      description: 'JavaScript: function filter(event) { return … }',
    }),
  ),
  targets: Type.Array(TargetIn, { minItems: 1, maxItems: 10 }),
};
export const RuleIn = Type.Object(RuleFields, { additionalProperties: false });
export const RulePatch = Type.Partial(Type.Object(RuleFields), {
  additionalProperties: false,
  minProperties: 1,
});
export const RuleOut = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  enabled: Type.Boolean(),
  pattern: Type.Unknown(),
  filter: Type.Union([Type.String(), Type.Null()]),
  targets: Type.Array(Type.Unknown()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deletedAt: Type.Union([Timestamp, Type.Null()]),
});
/**
 * A rule as answered, with what its author should know though it saved: a save's answer also says which of its
 * endpoints make deliveries wait (advice at that moment); a read only what is the rule's own (patternWarnings).
 */
export const RuleSavedOut = Type.Object({
  ...RuleOut.properties,
  warnings: Type.Optional(
    Type.Array(Type.String(), {
      description:
        'Present when any: what the rule will not do yet though it saved, e.g. "/targets/0/endpoint: endpoint orders is paused: its deliveries wait, using no attempt, until it is active again".',
    }),
  ),
});

const Params = Type.Object({ org: Type.String() });
const RuleParams = Type.Object({
  org: Type.String(),
  rule: Type.String({ description: 'Rule id (rule_…) or name.' }),
});
const tags = ['rules'];

export function ruleOut(r: RuleRecord): Static<typeof RuleOut> {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    enabled: r.enabled,
    pattern: r.pattern,
    filter: r.filter,
    targets: r.targets,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
    deletedAt: isoOrNull(r.deletedAt),
  };
}

/** A rule as read: with the part of its pattern that can never match, if it has one. */
function asRead(r: RuleRecord): Static<typeof RuleSavedOut> {
  const warnings = patternWarnings(r);
  return { ...ruleOut(r), ...(warnings.length > 0 ? { warnings } : {}) };
}

export const ruleRoutes: FastifyPluginAsyncTypebox<{ rules: RuleService; tester: RuleTester }> = async (
  app,
  { rules, tester },
) => {
  const saved = async (r: RuleRecord): Promise<Static<typeof RuleSavedOut>> => {
    const warnings = await rules.warnings(r);
    return { ...ruleOut(r), ...(warnings.length > 0 ? { warnings } : {}) };
  };
  const base = '/api/orgs/:org/eventhook/rules';
  app.post(
    `${base}/test`,
    {
      config: { permission: 'read' },
      schema: {
        tags,
        summary:
          'Test a draft rule against a sample event, or backtest it over stored events: what routing would do with each, and what each target would receive',
        params: Params,
        body: RuleTestIn,
        response: { 200: RuleTestOut, 400: Type.Ref('Problem'), 429: Type.Ref('Problem'), ...AUTH_PROBLEMS },
      },
    },
    async (req) => {
      const { since, until, ...rest } = req.body;
      return tester.test(req.params.org, {
        ...rest,
        ...(since !== undefined ? { since: Date.parse(since) } : {}),
        ...(until !== undefined ? { until: Date.parse(until) } : {}),
      });
    },
  );
  app.post(
    base,
    {
      config: { permission: 'write', versioned: true },
      schema: {
        tags,
        summary: 'Create a rule',
        params: Params,
        body: RuleIn,
        response: {
          201: RuleSavedOut,
          400: Type.Ref('Problem'),
          409: Type.Ref('Problem'),
          ...AUTH_PROBLEMS,
        },
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(
          await saved(
            await rules.create(
              req.params.org,
              req.body as typeof req.body & { pattern: JsonValue; targets: JsonValue[] },
              actorOf(req),
            ),
          ),
        ),
  );
  app.get(
    base,
    {
      config: { permission: 'read' },
      schema: {
        tags,
        summary: 'List rules',
        params: Params,
        querystring: DeletableListQuery,
        response: { 200: PageOf(RuleSavedOut), ...AUTH_PROBLEMS },
      },
    },
    async (req) => {
      const all = await rules.list(req.params.org, { includeDeleted: req.query.includeDeleted });
      return pageOfList(all, (r) => r.id, req.query, asRead, { kind: 'rule', org: req.params.org });
    },
  );
  app.get(
    `${base}/:rule`,
    {
      config: { permission: 'read', versioned: true },
      schema: {
        tags,
        summary: 'Get a rule',
        params: RuleParams,
        response: { 200: RuleSavedOut, ...AUTH_PROBLEMS },
      },
    },
    async (req) => asRead(await rules.get(req.params.org, req.params.rule, { includeDeleted: true })),
  );
  app.patch(
    `${base}/:rule`,
    {
      config: { permission: 'write', versioned: true },
      schema: {
        tags,
        summary: 'Update a rule (partial)',
        params: RuleParams,
        headers: IfMatchHeaders,
        body: RulePatch,
        response: {
          200: RuleSavedOut,
          400: Type.Ref('Problem'),
          409: Type.Ref('Problem'),
          412: Type.Ref('Problem'),
          ...AUTH_PROBLEMS,
        },
      },
    },
    async (req) =>
      saved(
        await rules.update(
          req.params.org,
          req.params.rule,
          req.body as Partial<{ pattern: JsonValue; targets: JsonValue[] }>,
          actorOf(req),
          expectedVersion(req),
        ),
      ),
  );
  app.delete(
    `${base}/:rule`,
    {
      config: { permission: 'write' },
      schema: {
        tags,
        summary: 'Delete a rule (its history stays readable)',
        params: RuleParams,
        headers: IfMatchHeaders,
        response: { 204: Type.Null(), 400: Type.Ref('Problem'), 412: Type.Ref('Problem'), ...AUTH_PROBLEMS },
      },
    },
    async (req, reply) => {
      await rules.delete(req.params.org, req.params.rule, actorOf(req), expectedVersion(req));
      return reply.code(204).send(null);
    },
  );
};
