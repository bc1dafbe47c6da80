// The backend's handlers for objects: persist (one graph, or several in one request), construct, call, get and set
// fields, state and update. Moves, versions and the backend itself have their own modules.
import {
  AlreadyPersistentError,
  BackendDrainingError,
  FieldNotFoundError,
  MethodNotFoundError,
  ProtocolError,
} from '../errors.js';
import { toWireError, userCode } from '../messaging/envelope.js';
import { checkArguments, checkConstructorArguments, checkFieldValue } from '../protocol/arguments.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { arrived, blank } from '../object/lifecycle.js';
import { defineField } from '../object/locality.js';
import { captureState, restoreState } from '../object/object-state.js';
import { named } from '../observe/spans.js';
import { classInfoByName } from '../object/registry.js';
import { STATE } from '../object/state.js';
import type { BackendOps } from '../protocol/backend-ops.js';
import type { Handlers } from '../protocol/handlers.js';
import { decode } from '../serialization/codec.js';
import type { WireRecord } from '../serialization/graph.js';
import type { RequestContext } from '../object/context.js';
import type { BackendRuntime } from './backend-runtime.js';

type Deps = Pick<BackendRuntime, 'backendId' | 'identity' | 'heap' | 'ownership' | 'registrar' | 'writes' | 'status'>;

type ObjectOp = 'persist' | 'persistEach' | 'call' | 'get' | 'set' | 'state' | 'update' | 'construct';

export function objectHandlers(rt: Deps): Pick<Handlers<BackendOps>, ObjectOp> {
  /** The request runs on this object until its reply (finish unpins it): moves and rollbacks see it running. */
  const pinFor = (ctx: RequestContext, id: string) => {
    rt.heap.pin(id, ctx.chain);
    ctx.pinned = id;
  };
  const ownedField = async (id: string, field: string, read = false) => {
    const obj = await (read ? rt.ownership.readable(id) : rt.ownership.owned(id));
    const info = obj[STATE].info;
    if (!info.fieldNames.has(field)) throw new FieldNotFoundError(info.name, field);
    named(info.name, info.ctor.name, read ? 'dcGet' : 'dcSet');
    return obj;
  };

  /**
   * The objects of one graph of new objects, their state restored: new shells, or those a retry finds here.
   * References between them resolve to them, cycles included. `taken`: the ids of the graphs of the same request
   * before this one, which this one may neither repeat nor reference (each graph is registered or refused alone).
   */
  const shellsOf = (records: WireRecord[], ctx: RequestContext, taken: Set<string>) => {
    const shells = new Map<string, DataClayObject>();
    for (const [id, className] of records) {
      if (taken.has(id) || shells.has(id)) {
        throw new ProtocolError(`${id} is sent twice in one persist`, { operation: 'persist', part: 'records' });
      }
      const held = rt.ownership.ownedHere(id);
      if (held) {
        // a retry of a persist that reached this backend: its objects take the state sent again (the caller's
        // latest); one of another class or dataset is not the caller's to overwrite
        rt.ownership.load(held);
        if (held[STATE].info.name !== className || held[STATE].dataset !== ctx.dataset) {
          throw new AlreadyPersistentError(id, rt.backendId);
        }
        ctx.touched?.add(held);
        shells.set(id, held);
      } else {
        // an instance this process already has becomes it only if it is a proxy made by an earlier part of the
        // same graph (it names this backend); a replica, another backend's object or one leaving is not ours
        const known = rt.identity.get(id);
        const kind = known?.[STATE].kind;
        if (
          rt.ownership.isLeaving(id) ||
          kind === 'replica' ||
          (kind === 'proxy' && known![STATE].backendId !== undefined && known![STATE].backendId !== rt.backendId)
        ) {
          throw new AlreadyPersistentError(id, known?.[STATE].backendId);
        }
        if (known) arrived(known);
        shells.set(id, known ?? blank(classInfoByName(className), id));
      }
    }
    const resolve = (id: string, cls: string, hint: string | null) => {
      const shell = shells.get(id);
      if (shell) return shell;
      if (taken.has(id)) {
        throw new ProtocolError(`a graph references ${id} of another graph of the same persist`, {
          operation: 'persistEach',
          part: 'graphs',
        });
      }
      return rt.ownership.resolveRef(id, cls, hint);
    };
    for (const [id, , state] of records) restoreState(shells.get(id)!, decode(state, resolve));
    for (const id of shells.keys()) taken.add(id); // only a graph whose state could be restored
    return [...shells.values()];
  };

  /** The references of the states a persist brings, checked before they are decoded (ownership.ts vetRefs). */
  const vetStates = (records: WireRecord[], ids: string[]): Promise<void> | undefined =>
    rt.ownership.vetRefs(
      records.map(([, , state]) => state),
      new Set(ids),
    );

  return {
    /**
     * Objects whose registration is in flight here (a retry of this persist, an identical request) are waited for
     * first: held then means registered and durable, absent means undone. The last check, the shells and their
     * registration run in one turn (no await between them; none at all with nothing in flight), so no other
     * persist of the same ids comes between them: one that ended its wait at the same moment checks again.
     */
    async persist([, records, alias], ctx) {
      const ids = records.map(([id]) => id);
      const vetting = vetStates(records, ids);
      if (vetting) await vetting; // before the turn below
      for (let w = rt.registrar.settled(ids); w; w = rt.registrar.settled(ids)) await w; // in this turn: see above
      if (rt.status.draining) throw new BackendDrainingError(rt.backendId);
      await rt.registrar.register(shellsOf(records, ctx, new Set()), ctx, alias);
    },

    /** Each graph as its own persist would be, registered together: their records go to disk in one commit. */
    async persistEach([, graphs], ctx) {
      const ids = graphs.flatMap((records) => records.map(([id]) => id));
      const vetting = vetStates(graphs.flat(), ids);
      if (vetting) await vetting;
      for (let w = rt.registrar.settled(ids); w; w = rt.registrar.settled(ids)) await w; // as persist does
      if (rt.status.draining) throw new BackendDrainingError(rt.backendId);
      // every graph's shells first, then one registration of them all: one commit of their records
      const refusals: unknown[] = new Array(graphs.length).fill(undefined);
      const groups: DataClayObject[][] = [];
      const at: number[] = [];
      const taken = new Set<string>();
      graphs.forEach((records, i) => {
        try {
          groups.push(shellsOf(records, ctx, taken));
          at.push(i);
        } catch (err) {
          refusals[i] = err;
        }
      });
      // shellsOf loaded every object stored here, and found the others absent from the store, in this turn
      (await rt.registrar.registerEach(groups, ctx, true)).forEach((err, k) => (refusals[at[k]] = err));
      return refusals.map((err) => (err === undefined ? null : toWireError(err)));
    },

    async call([, id, m, args], ctx) {
      const found = rt.ownership.readable(id);
      const obj = found instanceof Promise ? await found : found; // loaded: no turn of its own
      const info = obj[STATE].info;
      const meta = info.methods.get(m);
      if (!meta) throw new MethodNotFoundError(info.name, m);
      named(info.name, info.ctor.name, m); // the request's span: `Class.method`
      checkArguments(info, meta, args); // before it runs: InvalidArgumentError names the parameter
      ctx.method = m; // for the fault log (model-faults.ts)
      if (!meta.readonly && obj[STATE].kind === 'replica') await rt.ownership.owned(id); // a replica only serves reads: WrongBackendError to the master
      const method = (obj as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[m];
      pinFor(ctx, id);
      const start = meta.readonly ? rt.writes.readOnlyStart(obj) : undefined;
      if (!start) ctx.touched?.add(obj); // before it runs: if it fails, its object is rolled back (rollback.ts)
      const result = await userCode(() => method.apply(obj, args));
      if (start) rt.writes.verifyReadOnly(obj, m, start);
      return result;
    },

    async get([, id, field]) {
      const obj = await ownedField(id, field, true);
      return (obj as unknown as Record<string, unknown>)[field];
    },

    async set([, id, field, value], ctx) {
      const obj = await ownedField(id, field);
      checkFieldValue(obj[STATE].info, field, value); // as a method's arguments are: nothing is stored otherwise
      pinFor(ctx, id); // running on it until the reply: a concurrent call's rollback leaves this change alone
      defineField(obj, field, value);
      ctx.touched?.add(obj);
    },

    async state([, id]) {
      return captureState(await rt.ownership.owned(id));
    },

    async update([, id, state], ctx) {
      const obj = await rt.ownership.owned(id);
      pinFor(ctx, id);
      ctx.touched?.add(obj); // before: a state hook that throws halfway is rolled back
      restoreState(obj, state);
    },

    /** Runs a class's constructor here, in the caller's context: the object is persistent here once built. */
    async construct([, className, args]) {
      if (rt.status.draining) throw new BackendDrainingError(rt.backendId);
      const info = classInfoByName(className);
      checkConstructorArguments(info, args);
      const Ctor = info.ctor as unknown as new (...args: unknown[]) => DataClayObject;
      return userCode(async () => new Ctor(...args));
    },
  };
}
