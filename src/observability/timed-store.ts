import type { Store } from '../domain/ports.js';

/** Called after each store call with the method's name and how long it took. */
export type QueryListener = (query: string, ms: number) => void;

// Schema changes and shutdown are not queries of the running service.
const UNTIMED = new Set(['constructor', 'migrate', 'close']);

/**
 * The store, every call timed under its method name (`findSessionByTokenHash`,
 * `createSession`, ...), whichever engine is behind it. It is a view over
 * the store: its own methods time and delegate, everything else (`engine`,
 * the PostgreSQL `pool`) reads through, and a method added to the port later
 * is timed without a change here. Each call runs on the store itself, so a
 * method calling another is timed once. Values never reach the listener.
 */
export function timeStore(store: Store, listener: QueryListener): Store {
  const timed = Object.create(store) as Store;
  for (const name of methodNames(store)) {
    const method = (store as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!;
    const value = UNTIMED.has(name) ? method.bind(store) : timedMethod(name, method.bind(store), listener);
    Object.defineProperty(timed, name, { value });
  }
  return timed;
}

function timedMethod(name: string, call: (...args: unknown[]) => unknown, listener: QueryListener) {
  return async (...args: unknown[]): Promise<unknown> => {
    const start = performance.now();
    try {
      return await call(...args);
    } finally {
      listener(name, performance.now() - start);
    }
  };
}

/** Methods of the object and along its prototype chain; accessors are skipped, so none is invoked here. */
function methodNames(object: object): string[] {
  const names = new Set<string>();
  for (let level = object; level && level !== Object.prototype; level = Object.getPrototypeOf(level)) {
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(level))) {
      if (typeof descriptor.value === 'function') names.add(name);
    }
  }
  return [...names];
}
