// The backend's own subjects: persist a batch, call an active method, get or set a field.
import { DataClayError, MethodNotFoundError, FieldNotFoundError, ProtocolError } from '../errors.js';
import { encodeOk } from '../messaging/envelope.js';
import type { CallRequest, GetRequest, PersistRequest, SetRequest } from '../messaging/protocol.js';
import { DataClayObject } from '../object/dataclay-object.js';
import { defineField, writeFields } from '../object/locality.js';
import { classInfoByName } from '../object/registry.js';
import { STATE } from '../object/state.js';
import { sessionStorage, fromWire } from '../runtime/session.js';
import { decode } from '../serialization/codec.js';
import type { BackendRuntime } from './backend-runtime.js';

type Op = (data: Uint8Array) => Promise<Uint8Array>;

export function objectOps(rt: BackendRuntime): Record<string, Op> {
  /** Encodes a result; objects created here that it references become persistent here first. */
  const reply = (value: unknown) => rt.encodeWithRefs((sink) => encodeOk(value, sink), rt.backendId);

  return {
    async persist(data) {
      const req = decode<PersistRequest>(data);
      if (!Array.isArray(req?.records) || req.records.length === 0) throw new ProtocolError('persist: no records');
      const session = fromWire(req.s);
      const infos = req.records.map((r) => classInfoByName(r.className));
      const shells = new Map<string, DataClayObject>();
      req.records.forEach((r, i) => shells.set(r.id, DataClayObject.materialize(infos[i], r.id, true, rt.backendId)));
      // references between objects of the batch resolve to the new shells, cycles included
      const resolve = (id: string, cls: string, hint: string | null) => shells.get(id) ?? rt.resolveRef(id, cls, hint);
      for (const r of req.records) writeFields(shells.get(r.id)!, decode<Record<string, unknown>>(r.state, resolve));
      await rt.register([...shells.values()], session, req.alias);
      return encodeOk(undefined);
    },

    async call(data) {
      const req = decode<CallRequest>(data, rt.resolver);
      if (typeof req?.m !== 'string' || !Array.isArray(req.a)) throw new ProtocolError('call: expected { id, m, a: [] }');
      const obj = await rt.owned(req.id);
      const info = obj[STATE].info;
      if (!info.methods.has(req.m)) throw new MethodNotFoundError(info.name, req.m);
      const method = (obj as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[req.m];
      return sessionStorage.run(fromWire(req.s), async () => reply(await method.apply(obj, req.a)));
    },

    async get(data) {
      const req = decode<GetRequest>(data);
      const obj = await rt.owned(req.id);
      const info = obj[STATE].info;
      if (!info.fieldNames.has(req.f)) throw new FieldNotFoundError(info.name, req.f);
      return sessionStorage.run(fromWire(req.s), () => reply((obj as unknown as Record<string, unknown>)[req.f]));
    },

    async set(data) {
      const req = decode<SetRequest>(data, rt.resolver);
      const obj = await rt.owned(req.id);
      const info = obj[STATE].info;
      if (!info.fieldNames.has(req.f)) throw new FieldNotFoundError(info.name, req.f);
      defineField(obj, req.f, req.v);
      return encodeOk(undefined);
    },

    async ping() {
      return encodeOk({ id: rt.backendId, objects: rt.heap.size });
    },
  };
}

/** Routes `<prefix>.<op>` to its handler; an unknown op is an error reply like any other. */
export function dispatch(prefix: string, ops: Record<string, Op>): (data: Uint8Array, subject: string) => Promise<Uint8Array> {
  return async (data, subject) => {
    const op = subject.slice(prefix.length + 1);
    const handler = Object.hasOwn(ops, op) ? ops[op] : undefined;
    if (!handler) throw new DataClayError(`unknown operation '${op}'`, { subject });
    return handler(data);
  };
}
