// Where matchers put what they find. Hot paths reuse a Bag (a push-only buffer reset by a counter) because
// truncating a JavaScript array with `length = …` is a slow runtime call that can also free its backing store.

/** Anything with push: a plain array, or a Bag. */
export interface Sink<T> {
  push(item: T): unknown;
}

export class Bag<T> implements Sink<T> {
  items: T[] = [];
  size = 0;

  push(item: T): void {
    this.items[this.size++] = item;
  }
}
