// The retention chore: events and the audit log are pruned each by its own setting, either of which may be 0 (kept
// forever), and what went is logged. The store is a real SQLite one; the adapters' part is the retention suite's.
import { ulid } from 'ulid';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startChores } from '../../src/app/chores.js';
import { auditEntry } from '../../src/audit/audit-entry.js';
import { loadConfig } from '../../src/config/config.js';
import { ManualClock } from '../../src/core/clock.js';
import { newId, type AuditEntryId, type EventId } from '../../src/core/ids.js';
import { Metrics } from '../../src/observability/metrics.js';
import type { Store } from '../../src/store/port.js';
import type { AuditEntryRecord } from '../../src/store/records.js';
import { capturedLogger, type CapturedLogger } from '../helpers/logs.js';
import { pendingEvent } from '../helpers/records.js';
import { sqliteFactory } from '../helpers/stores.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 6, 1);

// Made at chosen times, as by another process: newId never goes back in time within one process.
const auditEntryAt = (at: number): AuditEntryRecord => ({
  ...auditEntry(
    'rule',
    { org: 'acme', id: newId('rule'), name: 'orders' },
    { action: 'created', actor: { kind: 'operator' }, at },
  ),
  id: `aud_${ulid(at)}` as AuditEntryId,
});

describe('the retention chore', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let log: CapturedLogger;
  const oldEntry = auditEntryAt(NOW - 40 * DAY);
  const recentEntry = auditEntryAt(NOW - 10 * DAY);
  const oldEventId = `evt_${ulid(NOW - 40 * DAY)}` as EventId;

  beforeEach(async () => {
    ({ store, cleanup } = await sqliteFactory.open());
    await store.orgs.create({ slug: 'acme', name: 'Acme' }, NOW - 100 * DAY);
    for (const e of [oldEntry, recentEntry]) await store.auditLog.insert(e);
    await store.events.insert(pendingEvent('acme', NOW - 40 * DAY, { id: oldEventId }));
    log = capturedLogger();
  });
  afterEach(async () => cleanup?.());

  /** Starts the chores with these settings and lets their first prune, a minute after the start, run to its end. */
  async function firstPrune(env: Record<string, string>): Promise<void> {
    const config = loadConfig({ EVENTHOOK_DATA_DIR: '/tmp/eh-chores-test', ...env });
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'] });
    try {
      const chores = startChores({
        config,
        store,
        clock: new ManualClock(NOW),
        logger: log.logger,
        metrics: new Metrics(),
        localEngine: undefined,
        presence: undefined,
        ingesters: undefined,
        runsWorkers: true,
      });
      vi.advanceTimersByTime(60_000);
      chores.stop();
      // The prune has started; it finishes on real timers (its pauses between batches, the driver's).
      vi.useRealTimers();
      await chores.settled();
    } finally {
      vi.useRealTimers();
    }
  }

  const auditIds = async () => (await store.auditLog.list('acme', {}, { limit: 10 })).items.map((e) => e.id);

  it('prunes the audit log by its own retention while events are kept forever', async () => {
    await firstPrune({ EVENTHOOK_RETENTION_DAYS: '0', EVENTHOOK_AUDIT_RETENTION_DAYS: '30' });
    expect(await auditIds()).toEqual([recentEntry.id]);
    expect(await store.events.get('acme', oldEventId)).toBeDefined();
    expect(log.lines.filter((l) => l.msg.startsWith('pruned'))).toMatchObject([
      { msg: 'pruned audit log entries', pruned: 1 },
    ]);
  });

  it('keeps the audit log by default while events are pruned', async () => {
    await firstPrune({ EVENTHOOK_RETENTION_DAYS: '30' });
    expect(await store.events.get('acme', oldEventId)).toBeUndefined();
    expect(await auditIds()).toEqual([recentEntry.id, oldEntry.id]);
    expect(log.logged('pruned old events')).toBe(true);
    expect(log.logged('pruned audit log entries')).toBe(false);
  });
});
