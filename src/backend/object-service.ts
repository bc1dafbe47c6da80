// The backend's own subjects for objects: persist, construct, call, get and set fields, state and update, and the
// backend itself (ping, flush, stop). Moves and versions have their own modules.
import { MethodNotFoundError, FieldNotFoundError, ProtocolError } from '../errors.js';
import { encodeOk, userCode } from '../messaging/envelope.js';
import {
  isTuple,
  type CallRequest,
  type ConstructRequest,
  type GetRequest,
  type PersistRequest,
  type SetRequest,
  type StateRequest,
  type UpdateRequest,
} from '../messaging/protocol.js';
import { DataClayObject } from '../object/dataclay-object.js';
import { defineField } from '../object/locality.js';
import { captureState, restoreState } from '../object/object-state.js';
import { classInfoByName } from '../object/registry.js';
import { STATE } from '../object/state.js';
import { sessionStorage, fromWire } from '../runtime/session.js';
import { decode } from '../serialization/codec.js';
import type { BackendStats } from '../metadata/types.js';
import type { BackendRuntime } from './backend-runtime.js';

type Op = (data: Uint8Array) => Promise<Uint8Array>;

export interface BackendControl {
  /** Stops the backend after the reply is sent. */
  stop(): void;
}

export function objectOps(rt: BackendRuntime, control: BackendControl): Record<string, Op> {
  /**
   * Encodes a result (objects it references that are new become persistent here), then puts what the request
   * changed on disk: only then is the reply, the acknowledgement, sent.
   */
  const reply = (value: unknown, target?: DataClayObject): Uint8Array | Promise<Uint8Array> => {
    const ctx = sessionStorage.getStore()!;
    const bytes = rt.encodeWithRefs((sink) => encodeOk(value, sink), rt.backendId);
    if (bytes instanceof Promise)
      return bytes.then(async (b) => {
        await rt.writes.commit(ctx, target);
        return b;
      });
    const committed = rt.writes.commit(ctx, target);
    return committed ? committed.then(() => bytes) : bytes;
  };
  const ownedField = async (id: string, field: string, read = false) => {
    const obj = await (read ? rt.readable(id) : rt.owned(id));
    const info = obj[STATE].info;
    if (!info.fieldNames.has(field)) throw new FieldNotFoundError(info.name, field);
    return obj;
  };

  return {
    async persist(data) {
      const req = decode<PersistRequest>(data);
      if (!isTuple(req, 2, '_a') || req[1].length === 0)
        throw new ProtocolError('persist: expected [session, records, alias?]');
      const [s, records, alias] = req;
      const infos = records.map(([, className]) => classInfoByName(className));
      const shells = new Map<string, DataClayObject>();
      // an instance this process already has (a proxy made by an earlier part of the same graph) becomes the object
      records.forEach(([id], i) =>
        shells.set(id, rt.identity.get(id) ?? DataClayObject.materialize(infos[i], id, true, rt.backendId)),
      );
      // references between objects of the batch resolve to the new shells, cycles included
      const resolve = (id: string, cls: string, hint: string | null) => shells.get(id) ?? rt.resolveRef(id, cls, hint);
      for (const [id, , state] of records) restoreState(shells.get(id)!, decode(state, resolve));
      await rt.register([...shells.values()], fromWire(s), alias);
      return encodeOk(undefined);
    },

    async call(data) {
      const req = decode<CallRequest>(data, rt.resolver);
      if (!isTuple(req, 4, '_ssa')) throw new ProtocolError('call: expected [session, id, method, args[]]');
      const [s, id, m, args] = req;
      const obj = await rt.readable(id);
      const info = obj[STATE].info;
      const meta = info.methods.get(m);
      if (!meta) throw new MethodNotFoundError(info.name, m);
      if (!meta.readonly && obj[STATE].replica) await rt.owned(id); // a replica only serves reads: WrongBackendError to the master
      const method = (obj as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[m];
      const ctx = fromWire(s);
      rt.heap.pin(id, ctx.chain);
      try {
        const start = meta.readonly ? rt.writes.readOnlyStart(obj) : undefined;
        return await sessionStorage.run(ctx, () =>
          userCode(() => method.apply(obj, args)).then((result) => {
            if (!start) return reply(result, obj);
            rt.writes.verifyReadOnly(obj, m, start);
            return reply(result);
          }),
        );
      } finally {
        rt.heap.unpin(id, ctx.chain);
      }
    },

    async get(data) {
      const req = decode<GetRequest>(data);
      if (!isTuple(req, 3, '_ss')) throw new ProtocolError('get: expected [session, id, field]');
      const [s, id, field] = req;
      const obj = await ownedField(id, field, true);
      return sessionStorage.run(fromWire(s), () => reply((obj as unknown as Record<string, unknown>)[field]));
    },

    async set(data) {
      const req = decode<SetRequest>(data, rt.resolver);
      if (!isTuple(req, 4, '_ss')) throw new ProtocolError('set: expected [session, id, field, value]');
      const [s, id, field, value] = req;
      const obj = await ownedField(id, field);
      defineField(obj, field, value);
      return sessionStorage.run(fromWire(s), () => reply(undefined, obj));
    },

    async state(data) {
      const req = decode<StateRequest>(data);
      if (!isTuple(req, 2, '_s')) throw new ProtocolError('state: expected [session, id]');
      const obj = await rt.owned(req[1]);
      return sessionStorage.run(fromWire(req[0]), () => reply(captureState(obj)));
    },

    async update(data) {
      const req = decode<UpdateRequest>(data, rt.resolver);
      if (!isTuple(req, 3, '_s')) throw new ProtocolError('update: expected [session, id, state]');
      const obj = await rt.owned(req[1]);
      restoreState(obj, req[2]);
      return sessionStorage.run(fromWire(req[0]), () => reply(undefined, obj));
    },

    /** Runs a class's constructor here, in the caller's context: the object is persistent here once built. */
    async construct(data) {
      const req = decode<ConstructRequest>(data, rt.resolver);
      if (!isTuple(req, 3, '_sa')) throw new ProtocolError('construct: expected [session, className, args[]]');
      const Ctor = classInfoByName(req[1]).ctor as unknown as new (...args: unknown[]) => DataClayObject;
      return sessionStorage.run(fromWire(req[0]), () =>
        userCode(async () => new Ctor(...(req[2] as unknown[]))).then((obj) => reply(obj)),
      );
    },

    async ping() {
      const stats: BackendStats = {
        id: rt.backendId,
        loaded: rt.heap.size,
        loadedBytes: rt.heap.bytes,
        stored: rt.objects.count,
        rss: process.memoryUsage.rss(),
        maxRss: process.resourceUsage().maxRSS * 1024,
        uptimeMs: Math.round(process.uptime() * 1000),
      };
      return encodeOk(stats);
    },

    async flush() {
      return encodeOk(await rt.writes.flushAll());
    },

    async stop() {
      setImmediate(() => control.stop());
      return encodeOk(undefined);
    },
  };
}

/** Routes `<prefix>.<op>` to its handler; an unknown op is an error reply like any other. */
export function dispatch(
  prefix: string,
  ops: Record<string, Op>,
): (data: Uint8Array, subject: string) => Promise<Uint8Array> {
  return async (data, subject) => {
    const op = subject.slice(prefix.length + 1);
    const handler = Object.hasOwn(ops, op) ? ops[op] : undefined;
    if (!handler) throw new ProtocolError(`unknown operation '${op}'`, { operation: op });
    return handler(data);
  };
}
