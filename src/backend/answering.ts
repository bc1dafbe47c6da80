// How a backend answers a request: the reply is encoded (new objects it references become persistent here), then
// what the request changed is put on disk; only then is the reply, the acknowledgement, sent.
import { encodeOk } from '../messaging/envelope.js';
import { committed } from '../observe/spans.js';
import type { Answering } from '../protocol/handlers.js';
import type { BackendRuntime } from './backend-runtime.js';
import { rollBack } from './rollback.js';

type Deps = Pick<BackendRuntime, 'backendId' | 'runtime' | 'writes' | 'heap' | 'rollback' | 'moves' | 'ownership'>;

export function backendAnswering(rt: Deps): Answering {
  return {
    resolver: rt.runtime.resolver,
    vetRefs: (data) => rt.ownership.vetRefs([data]),
    answer(value, ctx) {
      const bytes = rt.runtime.work.encodeWithRefs((sink) => encodeOk(value, sink), rt.backendId);
      if (bytes instanceof Promise)
        return bytes.then(async (b) => {
          await committed(() => rt.writes.commit(ctx));
          return b;
        });
      const writing = committed(() => rt.writes.commit(ctx));
      return writing ? writing.then(() => bytes) : bytes;
    },
    fail(ctx) {
      rollBack(rt.rollback, ctx);
    },
    finish(ctx) {
      if (ctx.pinned === undefined) return;
      rt.heap.unpin(ctx.pinned, ctx.chain);
      if (rt.heap.pinCount(ctx.pinned) === 0) rt.moves.overrun.delete(ctx.pinned);
    },
  };
}

/** Metadata replies carry no objects and change none. */
export function metadataAnswering(rt: Deps): Answering {
  return { resolver: rt.runtime.resolver, answer: (value) => encodeOk(value) };
}
