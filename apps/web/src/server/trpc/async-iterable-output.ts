// Output validation for subscriptions: tRPC 11 validates a subscription's return value, which is an
// async iterable, so each yielded value is checked here as it goes out (tRPC docs, "output validation").
import { z } from 'zod';

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** A zod schema for a subscription's output: an async iterable whose every item matches `item`. */
export function asyncIterableOf<T extends z.ZodType>(item: T) {
  return z.custom<AsyncIterable<z.input<T>>>(isAsyncIterable, { error: 'Expected an async iterable' }).transform(async function* (iterable): AsyncGenerator<z.output<T>> {
    const iterator = iterable[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield await item.parseAsync(next.value);
      }
    } finally {
      await iterator.return?.();
    }
  });
}
