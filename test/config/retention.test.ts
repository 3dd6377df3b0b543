// Retention settings: events and the audit log each have their own, in days, 0 keeping everything.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { CONFIG_KEYS } from '../../src/config/keys.js';

const ROOT = join(import.meta.dirname, '../..');

const load = (env: Record<string, string>, file?: string) =>
  loadConfig({ EVENTHOOK_DATA_DIR: '/tmp/eh-config-test', ...env }, file ? { file } : {});

describe('retention settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eh-retention-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('default to 30 days of events and an audit log kept forever', () => {
    expect(load({})).toMatchObject({ retentionDays: 30, auditRetentionDays: 0 });
  });

  it('take the audit log’s days apart from the events’, from the environment or the file', () => {
    expect(load({ EVENTHOOK_RETENTION_DAYS: '0', EVENTHOOK_AUDIT_RETENTION_DAYS: '400' })).toMatchObject({
      retentionDays: 0,
      auditRetentionDays: 400,
    });
    expect(load({ EVENTHOOK_AUDIT_RETENTION_DAYS: '36500' }).auditRetentionDays).toBe(36_500);
    const file = join(dir, 'eventhook.yaml');
    writeFileSync(file, 'server:\n  auditRetentionDays: 90\n');
    expect(load({}, file).auditRetentionDays).toBe(90);
    expect(load({ EVENTHOOK_AUDIT_RETENTION_DAYS: '7' }, file).auditRetentionDays).toBe(7);
  });

  it('refuse a value that is not a whole number of days in range, naming the key and the range', () => {
    for (const bad of ['-1', '1.5', '36501', '90d', 'forever']) {
      expect(() => load({ EVENTHOOK_AUDIT_RETENTION_DAYS: bad })).toThrow(
        `Invalid configuration: EVENTHOOK_AUDIT_RETENTION_DAYS must be an integer in 0..36500, got "${bad}"`,
      );
    }
  });
});

describe('retention schedule as documented', () => {
  // The prune runs a minute after a worker process starts, then hourly (src/app/chores.ts): a process restarted more
  // often than hourly still prunes. The docs must not say "hourly" alone.
  it('says a minute after start, then hourly, wherever the docs give it', () => {
    const docs = [
      CONFIG_KEYS.EVENTHOOK_RETENTION_DAYS.doc,
      CONFIG_KEYS.EVENTHOOK_AUDIT_RETENTION_DAYS.doc,
      readFileSync(join(ROOT, 'README.md'), 'utf8'),
      readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8'),
    ].join('\n');
    const sentences = docs.split(/(?<=[.|])\s/).filter((s) => /prune/i.test(s) && /hourly/.test(s));
    expect(sentences.length).toBeGreaterThan(0);
    for (const sentence of sentences) expect(sentence).toMatch(/a minute after each starts and then hourly/);
  });
});
