// Endpoints: outbound webhook destinations, their configuration and the state delivery workers keep on them.
import type { Kysely } from 'kysely';
import type { JsonValue } from '../../core/envelope.js';
import { EventhookError } from '../../core/errors.js';
import type { EndpointId } from '../../core/ids.js';
import type { EndpointsRepo, StoreKind } from '../port.js';
import type { EndpointRecord, EndpointStatus } from '../records.js';
import type { Database } from '../schema.js';
import { endpointFromRow, endpointToRow, toJson } from './codec.js';
import { isUniqueViolation } from './errors.js';
import { saveAtVersion } from './versioned-save.js';

export class KyselyEndpointsRepo implements EndpointsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly kind: StoreKind,
  ) {}

  async insert(endpoint: EndpointRecord): Promise<void> {
    try {
      await this.db.insertInto('endpoints').values(endpointToRow(endpoint)).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new EventhookError('EH_ENDPOINT_EXISTS', { endpoint: endpoint.slug });
      throw err;
    }
  }

  async get(
    org: string,
    slug: string,
    opts: { settled?: boolean; exclusive?: boolean } = {},
  ): Promise<EndpointRecord | undefined> {
    const postgres = this.kind === 'postgres';
    const row = await this.db
      .selectFrom('endpoints')
      .selectAll()
      .where('org', '=', org)
      .where('slug', '=', slug)
      .where('deleted_at', 'is', null)
      // A row lock waits for the transaction that is changing the row, then reads its outcome; in share mode others
      // may take it too, and nobody may change the row while it is held.
      .$if(postgres && opts.exclusive === true, (q) => q.forUpdate())
      .$if(postgres && opts.settled === true && opts.exclusive !== true, (q) => q.forShare())
      .executeTakeFirst();
    return row && endpointFromRow(row);
  }

  async getById(id: EndpointId): Promise<EndpointRecord | undefined> {
    const row = await this.db.selectFrom('endpoints').selectAll().where('id', '=', id).executeTakeFirst();
    return row && endpointFromRow(row);
  }

  async list(org: string, opts: { includeDeleted?: boolean } = {}): Promise<EndpointRecord[]> {
    const rows = await this.db
      .selectFrom('endpoints')
      .selectAll()
      .where('org', '=', org)
      .$if(!opts.includeDeleted, (q) => q.where('deleted_at', 'is', null))
      .orderBy('id')
      .execute();
    return rows.map(endpointFromRow);
  }

  update(endpoint: EndpointRecord, opts: { basis: number; state: boolean }): Promise<boolean> {
    const {
      id: _id,
      org: _org,
      created_at: _created,
      deleted_at: _deleted,
      status,
      breaker,
      disabled_reason,
      ...config
    } = endpointToRow(endpoint);
    return saveAtVersion(
      this.db,
      'endpoints',
      endpoint.id,
      opts.state ? { ...config, status, breaker, disabled_reason } : config,
      opts.basis,
      () => new EventhookError('EH_ENDPOINT_EXISTS', { endpoint: endpoint.slug }),
    );
  }

  async softDelete(org: string, slug: string, now: number, basis?: number): Promise<boolean> {
    const result = await this.db
      .updateTable('endpoints')
      .set({ deleted_at: now, updated_at: now })
      .where('org', '=', org)
      .where('slug', '=', slug)
      .where('deleted_at', 'is', null)
      .$if(basis !== undefined, (q) => q.where('updated_at', '=', basis!))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async orderedOrgs(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('endpoints')
      .select('org')
      .distinct()
      .where('ordering', '=', 'fifo')
      .where('deleted_at', 'is', null)
      .orderBy('org')
      .execute();
    return rows.map((r) => r.org);
  }

  async setState(
    id: EndpointId,
    state: { breaker: JsonValue; status?: EndpointStatus; disabledReason?: string | null },
    now: number,
    basis?: number,
  ): Promise<boolean> {
    const breaker = state.breaker === null ? null : toJson(state.breaker);
    if (state.status === undefined) {
      const r = await this.db
        .updateTable('endpoints')
        .set({ breaker })
        .where('id', '=', id)
        .$if(basis !== undefined, (q) => q.where('updated_at', '=', basis!))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    }
    const r = await this.db
      .updateTable('endpoints')
      .set({ breaker, status: state.status, disabled_reason: state.disabledReason ?? null, updated_at: now })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .where('status', '<>', state.status)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
