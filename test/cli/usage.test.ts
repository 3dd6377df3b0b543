// Usage errors as a user meets them: a typo in a command, an option or its value is one line on stderr, in the form
// every other failure has (`eventhook: …`), naming the help to read, and exit status 1. No server is needed.
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

describe('eventhook usage errors', { timeout: 120_000 }, () => {
  it('are one line naming the help to read, not the whole help text', async () => {
    const cases: [string[], string][] = [
      [['list', 'bogus'], "eventhook: unknown command 'bogus'; see eventhook list --help"],
      [
        ['list', 'events', '--bogus'],
        "eventhook: unknown option '--bogus'; see eventhook list events --help",
      ],
      [['send'], "eventhook: missing required argument 'provider'; see eventhook send --help"],
      [
        ['list', 'events', '--status', 'nope'],
        'eventhook: --status must be one of pending, routed, unrouted, failed, rejected (got nope); see eventhook list events --help',
      ],
      [
        ['-o', 'yaml', 'list', 'rules'],
        'eventhook: --output must be one of json, table (got yaml); see eventhook --help',
      ],
      [
        ['tail', '--interval', '5x'],
        'eventhook: --interval must be a duration such as 30s, 5m, 24h or 7d (got 5x); see eventhook tail --help',
      ],
      // Values the server would refuse are refused here, by the option's name rather than the API's field.
      [
        ['list', 'events', '--limit', '500'],
        'eventhook: --limit must be at most 200 (got 500); see eventhook list events --help',
      ],
      [
        ['list', 'actions', '--limit', 'ten'],
        'eventhook: --limit must be a positive integer (got ten); see eventhook list actions --help',
      ],
      [
        ['replay', '--all', '--limit', '20000'],
        'eventhook: --limit must be at most 10000 (got 20000); see eventhook replay --help',
      ],
      [
        ['list', 'events', '--since', 'yesterday'],
        'eventhook: --since must be an RFC 3339 time such as 2025-01-31T09:00:00Z (got yesterday); see eventhook list events --help',
      ],
      // commander's guess stays on the line, not on a second one.
      [
        ['list', 'events', '--limt', '5'],
        "eventhook: unknown option '--limt' (did you mean --limit?); see eventhook list events --help",
      ],
      // A setting given to a server command as an option is pointed to its variable, not to a client option
      // (--port is no typo of --org).
      [
        ['serve', '--port', '9000'],
        "eventhook: unknown option '--port': settings are read from the environment, so set PORT (or port: in the --config file); see eventhook serve --help",
      ],
      [
        ['migrate', '--database-url', 'postgres://db/eh'],
        "eventhook: unknown option '--database-url': settings are read from the environment, so set EVENTHOOK_DATABASE_URL (or databaseUrl: in the --config file); see eventhook migrate --help",
      ],
    ];
    // No server: what the server would answer is not asked.
    const results = await Promise.all(
      cases.map(([args]) => runCli(args, { EVENTHOOK_URL: 'http://127.0.0.1:9' })),
    );
    results.forEach((r, i) => {
      const [args, line] = cases[i]!;
      expect({ args, ...r }).toEqual({ args, code: 1, stdout: '', stderr: `${line}\n` });
    });
  });

  it("shows the client's options (--url, --key, --org, -o) in a client command's help and not in a server command's", async () => {
    const commands = ['serve', 'migrate', 'backup', 'rekey', 'list', 'send'];
    const helps = await Promise.all(commands.map((c) => runCli([c, '--help'], {})));
    const shown = Object.fromEntries(
      commands.map((c, i) => [
        c,
        ['--url', '--key', '--org', '--output'].filter((o) => helps[i]!.stdout.includes(o)),
      ]),
    );
    expect(shown).toEqual({
      serve: [],
      migrate: [],
      backup: [],
      rekey: [],
      list: ['--url', '--key', '--org', '--output'],
      send: ['--url', '--key', '--org', '--output'],
    });
    expect(helps[0]!.stdout).toContain('--role <role>');
  });
});
