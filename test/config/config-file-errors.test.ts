// A setting refused from the YAML config file is named as it is written there (its camelCase key, in that file),
// not as the environment variable the operator never set; one set in the environment keeps its variable's name.
// And an apply file given to `serve` is told where its sections belong.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';

describe('config file errors', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const fileWith = (yaml: string): string => {
    const dir = mkdtempSync(join(tmpdir(), 'eh-config-file-'));
    dirs.push(dir);
    const file = join(dir, 'eventhook.yaml');
    writeFileSync(file, yaml);
    return file;
  };
  const load = (file: string, env: Record<string, string> = {}) =>
    loadConfig({ EVENTHOOK_DATA_DIR: '/tmp/eh-config-test', ...env }, { file });

  it('names the file key of a value refused from the file', () => {
    const file = fileWith('retentionDays: [1, 2]\n');
    expect(() => load(file)).toThrow(
      `Invalid configuration: retentionDays in ${file} must be an integer in 0..36500, got "1,2"`,
    );
    const nested = fileWith('server:\n  sweepInterval: 0\n');
    expect(() => load(nested)).toThrow(
      `Invalid configuration: sweepInterval in ${nested} must be from 10ms to 1h, got "0"`,
    );
    const proxies = fileWith('trustedProxies: [10.0.0.0/8, nonsense]\n');
    expect(() => load(proxies)).toThrow(
      `Invalid configuration: trustedProxies[1] in ${proxies}: "nonsense" is not an IP address or CIDR range`,
    );
  });

  it('names the environment variable when the environment set the value', () => {
    const file = fileWith('retentionDays: 3\n');
    expect(() => load(file, { EVENTHOOK_RETENTION_DAYS: 'x' })).toThrow(
      'Invalid configuration: EVENTHOOK_RETENTION_DAYS must be an integer in 0..36500, got "x"',
    );
  });

  it('says that apply sections belong with server: in a file given to serve', () => {
    const file = fileWith('port: 8080\nsources:\n  - slug: gh\n    provider: github\n');
    expect(() => load(file)).toThrow(
      `Invalid configuration: ${file}: "sources" is a section of an apply file (for \`eventhook apply\`), ` +
        'not a setting; a file holding both must put the server settings under `server:`',
    );
  });
});
