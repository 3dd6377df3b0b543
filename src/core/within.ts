// A time bound on waiting for a promise: the wait ends at the bound, the work itself goes on (it is not cancelled).

/**
 * Settles as `promise` does, or, when it has not after `ms`, with what `late()` returns (or throws): a value to go on
 * with (the last one, nothing), or the error that says what did not answer in time.
 */
export function within<T>(promise: Promise<T>, ms: number, late: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(late());
      } catch (err) {
        reject(err);
      }
    }, ms);
    // The bound alone keeps no process alive: the work waited for does, if anything still runs it.
    timer.unref();
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}
