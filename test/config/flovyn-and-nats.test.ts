// The settings of the NATS bus, the flovyn engine and Flovyn's lifecycle events: what each needs, refused with the
// key named.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';

const load = (env: Record<string, string>) =>
  loadConfig({ EVENTHOOK_DATA_DIR: '/tmp/eh-config-test', ...env });
const refusal = (env: Record<string, string>) => {
  try {
    load(env);
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
};

describe('Flovyn settings', () => {
  it('the local engine needs none of them', () => {
    const config = load({});
    expect(config.engine).toEqual({ kind: 'local' });
    expect(config.flovynEvents).toBeUndefined();
  });

  it('reads the server, token, org map and timeout; the base may carry Flovyn’s /api/orgs', () => {
    const config = load({
      EVENTHOOK_ENGINE: 'flovyn',
      EVENTHOOK_FLOVYN_URL: 'https://flovyn.example.com/api/orgs/',
      EVENTHOOK_FLOVYN_TOKEN: 'flovyn_sk_x',
      EVENTHOOK_FLOVYN_ORGS: 'default=acme, shop = acme-shop',
      EVENTHOOK_FLOVYN_TIMEOUT: '3s',
    });
    expect(config.engine).toMatchObject({
      kind: 'flovyn',
      url: 'https://flovyn.example.com',
      token: 'flovyn_sk_x',
      timeoutMs: 3000,
    });
    expect(config.engine.kind === 'flovyn' && [...config.engine.orgs]).toEqual([
      ['default', 'acme'],
      ['shop', 'acme-shop'],
    ]);
    expect(config.flovynEvents).toBeUndefined();
  });

  it('refuses the flovyn engine without a server URL or a token', () => {
    expect(refusal({ EVENTHOOK_ENGINE: 'flovyn', EVENTHOOK_FLOVYN_TOKEN: 't' })).toBe(
      'Invalid configuration: EVENTHOOK_FLOVYN_URL must be the http(s) URL of the Flovyn server',
    );
    expect(
      refusal({ EVENTHOOK_ENGINE: 'flovyn', EVENTHOOK_FLOVYN_URL: 'ftp://x', EVENTHOOK_FLOVYN_TOKEN: 't' }),
    ).toContain('EVENTHOOK_FLOVYN_URL must be');
    expect(refusal({ EVENTHOOK_ENGINE: 'flovyn', EVENTHOOK_FLOVYN_URL: 'http://f' })).toBe(
      'Invalid configuration: EVENTHOOK_FLOVYN_TOKEN must be set (or EVENTHOOK_FLOVYN_TOKEN_FILE)',
    );
    expect(refusal({ EVENTHOOK_ENGINE: 'temporal' })).toContain('EVENTHOOK_ENGINE');
  });

  it('takes a server URL with whitespace around it (a secret file, a YAML block); refuses one no request could use', () => {
    const flovyn = { EVENTHOOK_ENGINE: 'flovyn', EVENTHOOK_FLOVYN_TOKEN: 't' };
    for (const url of ['http://flovyn:8000 ', ' http://flovyn:8000\n', 'http://flovyn:8000/api/orgs/ \n'])
      expect(load({ ...flovyn, EVENTHOOK_FLOVYN_URL: url }).engine).toMatchObject({
        url: 'http://flovyn:8000',
      });
    for (const url of ['http://flo vyn:8000', 'http://flovyn:8000 /x', 'http://flovyn:99999'])
      expect(refusal({ ...flovyn, EVENTHOOK_FLOVYN_URL: url })).toBe(
        `Invalid configuration: EVENTHOOK_FLOVYN_URL must be the http(s) URL of the Flovyn server, got "${url}"`,
      );
  });

  it('takes a token with the line break a secret file leaves; refuses one no HTTP header can carry, never showing it', () => {
    const flovyn = { EVENTHOOK_ENGINE: 'flovyn', EVENTHOOK_FLOVYN_URL: 'http://f' };
    // As `kubectl create secret --from-file` or a YAML block scalar gives it: sent as it was, it fails every call.
    expect(load({ ...flovyn, EVENTHOOK_FLOVYN_TOKEN: ' flovyn_sk_from_file\n' }).engine).toMatchObject({
      token: 'flovyn_sk_from_file',
    });
    expect(refusal({ ...flovyn, EVENTHOOK_FLOVYN_TOKEN: ' \n' })).toBe(
      'Invalid configuration: EVENTHOOK_FLOVYN_TOKEN must be set (or EVENTHOOK_FLOVYN_TOKEN_FILE)',
    );
    for (const token of ['flovyn_sk_one\nflovyn_sk_two', 'flovyn_sk a', 'flovyn_sk_\u0007'])
      expect(refusal({ ...flovyn, EVENTHOOK_FLOVYN_TOKEN: token })).toBe(
        'Invalid configuration: EVENTHOOK_FLOVYN_TOKEN must be one line of visible characters (no spaces or line breaks inside)',
      );
  });

  it('reads the token from EVENTHOOK_FLOVYN_TOKEN_FILE (a mounted secret); refuses it beside the token, unreadable or empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eh-flovyn-token-'));
    try {
      const flovyn = { EVENTHOOK_ENGINE: 'flovyn', EVENTHOOK_FLOVYN_URL: 'http://f' };
      writeFileSync(join(dir, 'token'), 'flovyn_sk_mounted\n');
      expect(
        loadConfig({ EVENTHOOK_DATA_DIR: dir, ...flovyn, EVENTHOOK_FLOVYN_TOKEN_FILE: 'token' }, { cwd: dir })
          .engine,
      ).toMatchObject({ token: 'flovyn_sk_mounted', tokenFile: join(dir, 'token') });
      expect(
        refusal({ ...flovyn, EVENTHOOK_FLOVYN_TOKEN: 't', EVENTHOOK_FLOVYN_TOKEN_FILE: join(dir, 'token') }),
      ).toBe(
        'Invalid configuration: EVENTHOOK_FLOVYN_TOKEN_FILE must not be set with EVENTHOOK_FLOVYN_TOKEN: give the token one way',
      );
      expect(refusal({ ...flovyn, EVENTHOOK_FLOVYN_TOKEN_FILE: join(dir, 'missing') })).toBe(
        `Invalid configuration: EVENTHOOK_FLOVYN_TOKEN_FILE cannot be read (ENOENT): ${join(dir, 'missing')}`,
      );
      writeFileSync(join(dir, 'empty'), ' \n');
      expect(refusal({ ...flovyn, EVENTHOOK_FLOVYN_TOKEN_FILE: join(dir, 'empty') })).toBe(
        `Invalid configuration: EVENTHOOK_FLOVYN_TOKEN_FILE names an empty file: ${join(dir, 'empty')}`,
      );
      writeFileSync(join(dir, 'two'), 'flovyn_sk_one\nflovyn_sk_two\n');
      expect(refusal({ ...flovyn, EVENTHOOK_FLOVYN_TOKEN_FILE: join(dir, 'two') })).toBe(
        `Invalid configuration: EVENTHOOK_FLOVYN_TOKEN_FILE must hold one line of visible characters (no spaces or line breaks inside): ${join(dir, 'two')}`,
      );
      expect(refusal(flovyn)).toBe(
        'Invalid configuration: EVENTHOOK_FLOVYN_TOKEN must be set (or EVENTHOOK_FLOVYN_TOKEN_FILE)',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a timeout out of range, naming the range and the value', () => {
    const flovyn = {
      EVENTHOOK_ENGINE: 'flovyn',
      EVENTHOOK_FLOVYN_URL: 'http://f',
      EVENTHOOK_FLOVYN_TOKEN: 't',
    };
    expect(refusal({ ...flovyn, EVENTHOOK_FLOVYN_TIMEOUT: '3m' })).toBe(
      'Invalid configuration: EVENTHOOK_FLOVYN_TIMEOUT must be from 100ms to 120s, got "3m"',
    );
    expect(refusal({ EVENTHOOK_DELIVERY_TIMEOUT: '50ms' })).toBe(
      'Invalid configuration: EVENTHOOK_DELIVERY_TIMEOUT must be from 100ms to 120s, got "50ms"',
    );
  });

  it('lifecycle events need both the NATS server and the orgs, each pair whole', () => {
    expect(refusal({ EVENTHOOK_FLOVYN_NATS_URL: 'nats://127.0.0.1:4222' })).toBe(
      'Invalid configuration: EVENTHOOK_FLOVYN_EVENT_ORGS must name the orgs whose lifecycle events are consumed',
    );
    expect(refusal({ EVENTHOOK_FLOVYN_EVENT_ORGS: 'abc=default' })).toBe(
      'Invalid configuration: EVENTHOOK_FLOVYN_NATS_URL must be set to consume lifecycle events',
    );
    expect(
      refusal({ EVENTHOOK_FLOVYN_NATS_URL: 'nats://n', EVENTHOOK_FLOVYN_EVENT_ORGS: 'abc=default,broken' }),
    ).toBe('Invalid configuration: EVENTHOOK_FLOVYN_EVENT_ORGS entry "broken" is not <name>=<name>');
    expect(
      refusal({ EVENTHOOK_FLOVYN_NATS_URL: 'nats://n', EVENTHOOK_FLOVYN_EVENT_ORGS: 'abc=a,abc=b' }),
    ).toBe('Invalid configuration: EVENTHOOK_FLOVYN_EVENT_ORGS names abc twice');
    // The id is one token of Flovyn's subjects: a dotted one would be read as another org (every event skipped), a
    // wildcard would subscribe to every org's events.
    for (const id of ['acme.prod', '*', '>', 'a b'])
      expect(
        refusal({ EVENTHOOK_FLOVYN_NATS_URL: 'nats://n', EVENTHOOK_FLOVYN_EVENT_ORGS: `${id}=default` }),
      ).toBe(
        `Invalid configuration: EVENTHOOK_FLOVYN_EVENT_ORGS Flovyn org id "${id}" must be one NATS subject token (no dots, spaces, * or >)`,
      );
    // With the local engine, Flovyn's events can still be consumed (a Flovyn server running other workflows).
    const config = load({
      EVENTHOOK_FLOVYN_NATS_URL: 'nats://n',
      EVENTHOOK_FLOVYN_EVENT_ORGS: 'abc=default',
    });
    expect(config.engine).toEqual({ kind: 'local' });
    expect(config.flovynEvents?.eventOrgs.get('abc')).toBe('default');
    // The deployment's NATS prefix names its queue group: each of its processes takes a share.
    expect(config.flovynEvents?.queueGroup).toBe('eventhook');
    expect(
      load({
        EVENTHOOK_FLOVYN_NATS_URL: 'nats://n',
        EVENTHOOK_FLOVYN_EVENT_ORGS: 'abc=default',
        EVENTHOOK_NATS_PREFIX: 'prod',
      }).flovynEvents?.queueGroup,
    ).toBe('prod');
  });
});

describe('NATS bus settings', () => {
  it('the memory bus is the default; the nats bus needs a server and takes a prefix', () => {
    expect(load({}).bus).toEqual({ kind: 'memory' });
    expect(load({ EVENTHOOK_BUS: 'nats', EVENTHOOK_NATS_URL: 'nats://n:4222' }).bus).toEqual({
      kind: 'nats',
      url: 'nats://n:4222',
      prefix: 'eventhook',
    });
    expect(
      load({ EVENTHOOK_BUS: 'nats', EVENTHOOK_NATS_URL: 'nats://n', EVENTHOOK_NATS_PREFIX: 'prod.eu-1' }).bus,
    ).toMatchObject({ prefix: 'prod.eu-1' });
    expect(refusal({ EVENTHOOK_BUS: 'nats' })).toBe(
      'Invalid configuration: EVENTHOOK_NATS_URL must be set with EVENTHOOK_BUS=nats',
    );
    for (const prefix of ['a b', 'a.>', 'a..b', 'x.*'])
      expect(
        refusal({ EVENTHOOK_BUS: 'nats', EVENTHOOK_NATS_URL: 'nats://n', EVENTHOOK_NATS_PREFIX: prefix }),
      ).toContain('EVENTHOOK_NATS_PREFIX must be NATS subject tokens');
    expect(refusal({ EVENTHOOK_BUS: 'kafka' })).toContain('EVENTHOOK_BUS');
  });
});

describe('JetStream event log settings', () => {
  it('is off by default; on, it takes the NATS server and prefix, and a replica count', () => {
    expect(load({}).jetstream).toBeUndefined();
    expect(load({ EVENTHOOK_JETSTREAM: 'on', EVENTHOOK_NATS_URL: 'nats://n:4222' }).jetstream).toEqual({
      url: 'nats://n:4222',
      prefix: 'eventhook',
      replicas: 1,
    });
    expect(
      load({
        EVENTHOOK_JETSTREAM: 'on',
        EVENTHOOK_NATS_URL: 'nats://n',
        EVENTHOOK_NATS_PREFIX: 'prod.eu-1',
        EVENTHOOK_JETSTREAM_REPLICAS: '3',
      }).jetstream,
    ).toEqual({ url: 'nats://n', prefix: 'prod.eu-1', replicas: 3 });
    expect(refusal({ EVENTHOOK_JETSTREAM: 'on' })).toBe(
      'Invalid configuration: EVENTHOOK_NATS_URL must be set with EVENTHOOK_JETSTREAM=on',
    );
    expect(refusal({ EVENTHOOK_JETSTREAM: 'yes', EVENTHOOK_NATS_URL: 'nats://n' })).toContain(
      'EVENTHOOK_JETSTREAM',
    );
    expect(
      refusal({
        EVENTHOOK_JETSTREAM: 'on',
        EVENTHOOK_NATS_URL: 'nats://n',
        EVENTHOOK_JETSTREAM_REPLICAS: '7',
      }),
    ).toContain('EVENTHOOK_JETSTREAM_REPLICAS');
  });
});

describe('JetStream intake settings', () => {
  it('is off by default; on, it takes the NATS server and prefix, and how long a taken message may go unacknowledged', () => {
    expect(load({}).jetstreamIntake).toBeUndefined();
    expect(
      load({ EVENTHOOK_JETSTREAM_INTAKE: 'on', EVENTHOOK_NATS_URL: 'nats://n' }).jetstreamIntake,
    ).toEqual({
      url: 'nats://n',
      prefix: 'eventhook',
      ackWaitMs: 30_000,
    });
    expect(
      load({
        EVENTHOOK_JETSTREAM_INTAKE: 'on',
        EVENTHOOK_NATS_URL: 'nats://n',
        EVENTHOOK_JETSTREAM_ACK_WAIT: '2m',
      }).jetstreamIntake?.ackWaitMs,
    ).toBe(120_000);
    expect(refusal({ EVENTHOOK_JETSTREAM_INTAKE: 'on' })).toBe(
      'Invalid configuration: EVENTHOOK_NATS_URL must be set with EVENTHOOK_JETSTREAM_INTAKE=on',
    );
    for (const wait of ['500ms', '2h'])
      expect(
        refusal({
          EVENTHOOK_JETSTREAM_INTAKE: 'on',
          EVENTHOOK_NATS_URL: 'nats://n',
          EVENTHOOK_JETSTREAM_ACK_WAIT: wait,
        }),
      ).toBe(`Invalid configuration: EVENTHOOK_JETSTREAM_ACK_WAIT must be from 1s to 1h, got "${wait}"`);
  });
});

describe('durable Flovyn lifecycle events', () => {
  it('are off unless asked for, and need the lifecycle events themselves', () => {
    const base = { EVENTHOOK_FLOVYN_NATS_URL: 'nats://n', EVENTHOOK_FLOVYN_EVENT_ORGS: 'abc=default' };
    expect(load(base).flovynEvents?.durable).toBe(false);
    expect(load({ ...base, EVENTHOOK_FLOVYN_EVENTS_DURABLE: 'on' }).flovynEvents?.durable).toBe(true);
    expect(refusal({ ...base, EVENTHOOK_FLOVYN_EVENTS_DURABLE: 'yes' })).toContain(
      'EVENTHOOK_FLOVYN_EVENTS_DURABLE',
    );
    expect(refusal({ EVENTHOOK_FLOVYN_EVENTS_DURABLE: 'on' })).toBe(
      'Invalid configuration: EVENTHOOK_FLOVYN_NATS_URL must be set to keep lifecycle events durably',
    );
  });
});
