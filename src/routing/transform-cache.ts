// Compiled input transforms, keyed by their spec: a rule's targets compile once, not once per event.
import {
  compileTransform,
  type CompiledTransform,
  type SandboxLimits,
  type TransformSpec,
} from '../transform/index.js';

const MAX_ENTRIES = 1000;

export class TransformCache {
  private readonly entries = new Map<string, CompiledTransform>();

  constructor(private readonly limits: SandboxLimits) {}

  get(spec: unknown): CompiledTransform {
    const key = spec === undefined ? '' : JSON.stringify(spec);
    let compiled = this.entries.get(key);
    if (compiled) {
      // Map order doubles as recency: re-inserting marks the entry most recently used.
      this.entries.delete(key);
      this.entries.set(key, compiled);
      return compiled;
    }
    compiled = compileTransform(spec as TransformSpec | undefined, '/input', this.limits);
    this.entries.set(key, compiled);
    if (this.entries.size > MAX_ENTRIES) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, CompiledTransform];
      this.entries.delete(oldestKey);
      oldest.dispose?.();
    }
    return compiled;
  }

  dispose(): void {
    for (const c of this.entries.values()) c.dispose?.();
    this.entries.clear();
  }
}
