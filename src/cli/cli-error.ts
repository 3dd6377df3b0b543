// The error the CLI shows: one line saying what failed, then optional detail lines (e.g. field errors), and a
// non-zero exit code. Server answers become CliErrors in client.ts; bad input files in apply/.
import type { Command } from 'commander';
import { CONFIG_KEYS } from '../config/keys.js';

export class CliError extends Error {
  constructor(
    message: string,
    /** Printed under the message, one per line (field errors, hints). */
    readonly details: readonly string[] = [],
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }

  /** The same error with `prefix` in front of its message (e.g. the apply item that failed). */
  withPrefix(prefix: string): CliError {
    return new CliError(`${prefix}${this.message}`, this.details, this.exitCode);
  }
}

/** EventhookError; MasterKeyMismatch (serve with another EVENTHOOK_MASTER_KEY than the store's). */
const ONE_LINE_ERRORS = new Set(['EventhookError', 'MasterKeyMismatch']);

/** What `eventhook` writes to stderr before exiting with the error's code. */
export function formatError(err: unknown): string {
  if (err instanceof CliError)
    return [`eventhook: ${err.message}`, ...err.details.map((d) => `  ${d}`)].join('\n');
  // Errors that say precisely what is wrong with the deployment: their message, not the stack of where it was found.
  if (err instanceof Error && ONE_LINE_ERRORS.has(err.name)) return `eventhook: ${err.message}`;
  return `eventhook: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
}

/** `eventhook replay`, `eventhook orgs delete`: how --help is asked for a command. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * A combination of arguments a command refuses (commander checks each on its own), in the same form as commander's
 * usage errors: what is wrong, then where to read how it is used.
 */
export function usageError(cmd: Command, text: string): CliError {
  return new CliError(`${text}; see ${commandPath(cmd)} --help`);
}

/**
 * A usage error (unknown command or option, missing argument, invalid option value) in the CLI's one-line form, from
 * commander's message (`error: …`): `eventhook: <what is wrong>; see eventhook <command> --help`. An option's invalid
 * value reads `--limit must be at most 200 (got 500)`: the option by its long name, then its parser's reason.
 */
export function usageLine(commanderMessage: string, commandPath: string): string {
  let text = commanderMessage
    .trim()
    .replace(/^error: /, '')
    .replace(/\.$/, '')
    // commander's guess at a misspelt option or command, on the same line.
    .replace(/\s*\n\(Did you mean (.*)\?\)$/s, ' (did you mean $1?)');
  const setting = settingGivenAsOption(text, commandPath);
  if (setting) text = setting;
  const invalid =
    /^option '(?:-\w, )?(-[-\w]+)[^']*' (?:argument '(.*)'|value '(.*)' from env '(\w+)') is invalid\. (.*)$/s.exec(
      text,
    );
  if (invalid) {
    const [, flag, given, fromEnv, env, reason] = invalid;
    const choices = /^Allowed choices are (.*?)\.?$/s.exec(reason!);
    const why = choices ? `must be one of ${choices[1]}` : reason!;
    text = env ? `${flag} (from ${env}) ${why} (got ${fromEnv})` : `${flag} ${why} (got ${given})`;
  }
  return `eventhook: ${text}; see ${commandPath} --help`;
}

/** The commands that read the server's settings (the environment, --config). */
export const SERVER_COMMANDS: ReadonlySet<string> = new Set(['serve', 'migrate', 'backup', 'rekey']);

/**
 * `serve --port 9000`: settings are no options of the server commands. The unknown option is pointed to its variable
 * and file key instead of commander's guess (`--port` is no typo of the client's `--org`).
 */
function settingGivenAsOption(text: string, commandPath: string): string | undefined {
  const m = /^unknown option '--([a-z0-9-]+)(?:=[^']*)?'/.exec(text);
  if (!m || !SERVER_COMMANDS.has(commandPath.split(' ').at(-1)!)) return undefined;
  const camel = m[1]!.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const entry = Object.entries(CONFIG_KEYS).find(([, k]) => k.file.toLowerCase() === camel.toLowerCase());
  if (!entry) return undefined;
  const [variable, { file }] = entry;
  return `unknown option '--${m[1]}': settings are read from the environment, so set ${variable} (or ${file}: in the --config file)`;
}
