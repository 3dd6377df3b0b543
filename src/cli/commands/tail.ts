// `eventhook tail`: prints events as they arrive. It follows the server's live stream (Server-Sent Events) and
// falls back to polling the event list every second when the server has no stream; both apply the same pattern.
import { Command, Option } from 'commander';
import { CliError } from '../cli-error.js';
import { problemError, ProblemError, type ApiClient } from '../client.js';
import { contextOf } from '../context.js';
import type { OutputFormat } from '../output.js';
import { readSse } from '../sse.js';
import { durationSeconds, positiveInt } from './parse.js';

interface TailOptions {
  type?: string[];
  source?: string;
  pattern?: string;
  actions?: boolean;
  count?: number;
  poll?: boolean;
  interval: number;
}

type Row = Record<string, unknown>;

export function tailCommand(): Command {
  return new Command('tail')
    .description(
      'Print events as they arrive (live stream, or polling when the server has none); Ctrl-C stops',
    )
    .option('--type <type...>', 'only events of these types')
    .option(
      '--source <source>',
      'only events from this source: a slug (webhook:<slug>) or an envelope source such as app:checkout',
    )
    .option('--pattern <json>', 'only events matching this EventBridge pattern (JSON)')
    .option('--actions', 'also print action updates (live stream only)')
    .option('-n, --count <n>', 'exit after this many events', positiveInt)
    .option('--poll', 'poll the event list instead of using the live stream')
    .addOption(
      new Option('--interval <duration>', 'how often to poll: 5s, 1m, … (a bare number is seconds)')
        .argParser(durationSeconds)
        .default(1, '1s'),
    )
    .addHelpText(
      'after',
      `\nOne line per event: time, status, source, type, id. With -o json, one JSON envelope per line (action updates as {"action": …}).\n\nExample:\n  eventhook tail --source github --type push pull_request.opened`,
    )
    .action(async (opts: TailOptions, cmd: Command) => {
      const ctx = contextOf(cmd);
      const pattern = buildPattern(opts);
      // A bare name is a source's slug; one no source has (often an application's name, app:<name>) would be
      // followed as webhook:<name> and print nothing for ever. The events filter refuses it with the server's hint.
      if (opts.source !== undefined && !opts.source.includes(':'))
        await ctx.client.get('/events', { source: opts.source, limit: 1 });
      const printer = new Printer(ctx.output, opts.count);
      if (!opts.poll && (await streamEvents(ctx.client, pattern, opts, printer))) return;
      if (opts.actions)
        process.stderr.write('eventhook: action updates need the live stream; showing events only\n');
      await pollEvents(ctx.client, pattern, opts.interval * 1000, printer);
    });
}

/** The pattern the options describe; undefined when nothing filters. */
export function buildPattern(opts: Pick<TailOptions, 'type' | 'source' | 'pattern'>): Row | undefined {
  let pattern: Row = {};
  if (opts.pattern !== undefined) {
    try {
      pattern = JSON.parse(opts.pattern) as Row;
    } catch (err) {
      throw new CliError(`--pattern is not JSON: ${(err as Error).message}`);
    }
    if (typeof pattern !== 'object' || pattern === null || Array.isArray(pattern))
      throw new CliError('--pattern must be a JSON object');
  }
  const add = (field: string, values: string[]) => {
    if (pattern[field] !== undefined)
      throw new CliError(`--${field} conflicts with the pattern's own "${field}"`);
    pattern = { ...pattern, [field]: values };
  };
  if (opts.type?.length) add('type', opts.type);
  if (opts.source !== undefined)
    add('source', [opts.source.includes(':') ? opts.source : `webhook:${opts.source}`]);
  return Object.keys(pattern).length > 0 ? pattern : undefined;
}

class Printer {
  private printed = 0;
  constructor(
    private readonly format: OutputFormat,
    private readonly count: number | undefined,
  ) {}

  get done(): boolean {
    return this.count !== undefined && this.printed >= this.count;
  }

  event(e: Row): void {
    if (this.done) return;
    this.printed++;
    process.stdout.write(
      this.format === 'json'
        ? `${JSON.stringify(e)}\n`
        : `${e.time}  ${String(e.status ?? '-').padEnd(8)}  ${e.source}  ${e.type}  ${e.id}\n`,
    );
  }

  action(a: Row): void {
    if (this.done) return;
    process.stdout.write(
      this.format === 'json'
        ? `${JSON.stringify({ action: a })}\n`
        : `  action ${a.id} ${a.status} ${a.targetType} rule=${a.ruleName} attempts=${a.attemptCount}${a.lastError ? ` error=${a.lastError}` : ''} event=${a.eventId}\n`,
    );
  }
}

/** Follows GET /stream, reconnecting with Last-Event-ID; false when the server has no stream. */
async function streamEvents(
  client: ApiClient,
  pattern: Row | undefined,
  opts: TailOptions,
  printer: Printer,
): Promise<boolean> {
  const path = client.orgPath('/stream');
  let lastId: string | undefined;
  let announced = false;
  while (!printer.done) {
    const abort = new AbortController();
    let res: Response;
    try {
      res = await client.open('GET', path, {
        query: { pattern: pattern && JSON.stringify(pattern), actions: opts.actions ? true : undefined },
        headers: { accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) },
        accept: [404],
        signal: abort.signal,
      });
    } catch (err) {
      if (!announced || err instanceof ProblemError) throw err;
      await sleep(1000); // the server went away: keep trying, as a tail should
      continue;
    }
    if (res.status === 404) {
      // A server without the stream answers that the route is not found; any other 404 (an org that does not
      // exist) is the failure every other command prints, detail and code.
      const err = await problemError('GET', path, res);
      if (err instanceof ProblemError && err.problem.code && err.problem.code !== 'EH_ROUTE_NOT_FOUND')
        throw err;
      return false;
    }
    if (!announced) process.stderr.write('eventhook: following the live stream (Ctrl-C stops)\n');
    announced = true;
    try {
      for await (const msg of readSse(res)) {
        const data = JSON.parse(msg.data) as Row;
        if (msg.event === 'action') printer.action(data);
        else {
          if (msg.id) lastId = msg.id;
          printer.event(data);
        }
        if (printer.done) break;
      }
    } catch {
      // the connection dropped: reconnect below
    } finally {
      abort.abort();
    }
    if (!printer.done) await sleep(500);
  }
  return true;
}

/** Polls GET /events (newest first) and prints what is newer than the newest already seen, oldest first. */
async function pollEvents(
  client: ApiClient,
  pattern: Row | undefined,
  intervalMs: number,
  printer: Printer,
): Promise<void> {
  const { Matcher, validatePattern } = await import('../../rules/index.js');
  if (pattern) validatePattern(pattern);
  // Compiled once: every poll tests the pattern against each new event.
  const matcher = pattern ? Matcher.build([{ id: 'tail', pattern }]) : undefined;
  process.stderr.write(`eventhook: polling for new events every ${intervalMs / 1000}s (Ctrl-C stops)\n`);
  const first = await client.get<{ items: Row[] }>('/events', { limit: 1 });
  let newest = (first.items[0]?.id as string | undefined) ?? '';
  while (!printer.done) {
    await sleep(intervalMs);
    const fresh: Row[] = [];
    let cursor: string | undefined;
    pages: do {
      const page = await client.get<{ items: Row[]; nextCursor?: string | null }>('/events', {
        limit: 200,
        cursor,
      });
      for (const e of page.items) {
        if ((e.id as string) <= newest) break pages;
        fresh.push(e);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    fresh.reverse();
    for (const e of fresh) {
      if (!matcher || matcher.match({ ...e, org: client.connection.org }).length > 0) printer.event(e);
    }
    if (fresh.length > 0) newest = fresh[fresh.length - 1]!.id as string;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
