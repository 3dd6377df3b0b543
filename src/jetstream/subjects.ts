// Where events go in the JetStream event log. NATS subjects are tokens joined by dots, so an event type's dots become
// tokens (`order.created` under `….events.acme.order.created`), and consumers filter with `*` and `>` as usual. The
// log lives under `{prefix}.log.`, apart from the NATS bus's doorbell subjects (`{prefix}.bus.events.…`,
// `….bus.actions.…`), which must never be stored, and which the bus keeps to (it never hears the log or the intake).

/** The stream's name: the deployment's NATS prefix, upper case, dots as underscores (`eventhook` → `EVENTHOOK`). */
export function streamName(prefix: string): string {
  return prefix.replace(/\./g, '_').toUpperCase();
}

/** Everything the stream captures. */
export function logSubjects(prefix: string): string {
  return `${prefix}.log.>`;
}

/** Every routed event: `{prefix}.log.events.{org}.{type}`. */
export function eventSubject(prefix: string, org: string, type: string): string {
  return `${prefix}.log.events.${tokens(org)}.${tokens(type)}`;
}

/** A `delivery.dead` event once more, on the dead-letter subject: `{prefix}.log.dlq.{org}.{endpoint}`. */
export function deadLetterSubject(prefix: string, org: string, endpoint: string): string {
  return `${prefix}.log.dlq.${tokens(org)}.${tokens(endpoint)}`;
}

/**
 * An `action.dead` event (a workflow, task, promise or event_bus action that died) once more, on the dead-letter
 * subjects beside the endpoints': `{prefix}.log.dlq.{org}._action.{targetType}`. Endpoint slugs never hold `_`, so
 * the token cannot be an endpoint's, and `{prefix}.log.dlq.{org}.>` takes every dead letter of an org.
 */
export function deadActionSubject(prefix: string, org: string, targetType: string): string {
  return `${prefix}.log.dlq.${tokens(org)}._action.${tokens(targetType)}`;
}

/**
 * A name as subject tokens: split at dots, with what NATS gives a meaning to or forbids in a token (whitespace, `*`,
 * `>`) replaced by `_`, and an empty token (a leading, trailing or doubled dot) written `_`.
 */
export function tokens(name: string): string {
  return name
    .split('.')
    .map((t) => t.replace(/[\s*>]/g, '_') || '_')
    .join('.');
}

/** The intake's work-queue stream: the log's name with `_IN`. */
export function intakeStreamName(prefix: string): string {
  return `${streamName(prefix)}_IN`;
}

/** What applications publish to: `{prefix}.in.{org}`, with any further tokens theirs (e.g. for NATS permissions). */
export function intakeSubjects(prefix: string): string {
  return `${prefix}.in.>`;
}

/** The org an intake subject names: its token after `{prefix}.in.`. */
export function intakeOrg(prefix: string, subject: string): string | undefined {
  const rest = subject.startsWith(`${prefix}.in.`) ? subject.slice(prefix.length + 4) : '';
  return rest.split('.')[0] || undefined;
}

/** A message the intake refused, kept with the reason: `{prefix}.log.rejected.{org}`. */
export function rejectedSubject(prefix: string, org: string | undefined): string {
  return `${prefix}.log.rejected.${tokens(org ?? '_')}`;
}
