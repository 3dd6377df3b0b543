// Answers that hold an event's data, or an input built from it, write its integers beyond 2^53 as they arrived: the
// schema's serializer would write the doubles they were parsed into (src/core/exact-integers.ts).
import type { FastifyReply } from 'fastify';
import { mergeExactIntegers, stringifyExact, type ExactIntegers } from '../core/index.js';

/** Makes this reply write the given integers exactly; nothing changes when none has any. */
export function keepExactIntegers(reply: FastifyReply, all: readonly (ExactIntegers | undefined)[]): void {
  const exact = mergeExactIntegers(all);
  if (exact) reply.serializer((payload: unknown) => stringifyExact(payload, exact));
}
