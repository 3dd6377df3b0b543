// Other schemas of the same PostgreSQL database come and go (another deployment's migrations, other tenants, tests
// running in parallel). Checking and applying Eventhook's migrations must not depend on them: Kysely's own introspection
// lists the tables of every schema and fails with "schema … does not exist" when one is dropped meanwhile.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/adapters/postgres/index.js';
import type { Store } from '../../src/store/port.js';
import {
  freshPostgresSchema,
  PG_CONNECT_TIMEOUT_MS,
  POSTGRES_URL,
  postgresAvailable,
} from '../helpers/services.js';

const available = await postgresAvailable();

describe.skipIf(!available)('migrations on PostgreSQL while other schemas are made and dropped', () => {
  let schema: Awaited<ReturnType<typeof freshPostgresSchema>>;
  let store: Store;
  beforeAll(async () => {
    schema = await freshPostgresSchema();
    store = await openPostgresStore({ url: schema.url, connectionTimeoutMs: PG_CONNECT_TIMEOUT_MS });
  });
  afterAll(async () => {
    await store?.close();
    await schema?.drop();
  });

  it('reads the schema status and migrates, whatever happens to the other schemas', async () => {
    const churn = new pg.Client({ connectionString: POSTGRES_URL });
    await churn.connect();
    const name = `eh_churn_${process.pid}`;
    let stop = false;
    const churning = (async () => {
      while (!stop) {
        await churn.query(`create schema ${name}`);
        await churn.query(`create table ${name}.t (id serial primary key, a text, b text, c text)`);
        await churn.query(`drop schema ${name} cascade`);
      }
    })();
    try {
      for (let i = 0; i < 150; i++) {
        expect(await store.schema.status()).toEqual({ pending: [], unknown: [] });
        if (i % 10 === 0) expect(await store.schema.migrate()).toEqual([]);
      }
    } finally {
      stop = true;
      await churning;
      await churn.end();
    }
  });
});
