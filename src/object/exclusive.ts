// Exclusive active methods: at most one call chain at a time runs an object's exclusive methods; the chain that
// holds the object may re-enter it (A.m → B.n → A.m completes instead of deadlocking).
import { newChain, sessionStorage } from './context.js';

interface Waiter {
  chain: string;
  wake: () => void;
}
interface Lock {
  holder: string;
  depth: number;
  waiters: Waiter[];
}

const locks = new WeakMap<object, Lock>();

async function acquire(obj: object, chain: string): Promise<void> {
  const lock = locks.get(obj);
  if (!lock) {
    locks.set(obj, { holder: chain, depth: 1, waiters: [] });
    return;
  }
  if (lock.holder === chain) {
    lock.depth++;
    return;
  }
  await new Promise<void>((wake) => lock.waiters.push({ chain, wake })); // woken holding the lock
}

function release(obj: object): void {
  const lock = locks.get(obj)!;
  if (--lock.depth > 0) return;
  const next = lock.waiters.shift();
  if (!next) {
    locks.delete(obj);
    return;
  }
  lock.holder = next.chain;
  lock.depth = 1;
  next.wake();
}

/** Runs `fn` holding `obj`'s exclusive lock for the current call chain (a new chain when there is none). */
export async function runExclusive<T>(obj: object, fn: () => Promise<T>): Promise<T> {
  const ctx = sessionStorage.getStore();
  const chain = ctx?.chain ?? newChain();
  const run = ctx?.chain ? fn : () => sessionStorage.run({ ...(ctx ?? { username: '', dataset: '' }), chain }, fn);
  await acquire(obj, chain);
  try {
    return await run();
  } finally {
    release(obj);
  }
}
