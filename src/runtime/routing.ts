// Owner routing: an operation on an object goes to the backend that owns it (or, for a read, to any copy); a
// "wrong backend" answer updates the proxy and the operation is sent again, as often as the redirect policy allows.
import { BackendUnavailableError, FencedError, ObjectNotRegisteredError, WrongBackendError } from '../errors.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { learnReplicas, redirect } from '../object/lifecycle.js';
import { STATE } from '../object/state.js';
import type { BackendOp, BackendOps } from '../protocol/backend-ops.js';
import type { Label, Requests } from './requests.js';

/** How stale locations are handled: a policy, injected, apart from the routing mechanism. */
export interface RedirectPolicy {
  /** Which copy serves a read: the owner or one of its replicas. */
  pick(owner: string, replicas: readonly string[]): string;
  /** Whether an operation redirected `redirects` times already is sent again. */
  again(redirects: number): boolean;
}

/** A read goes to a random copy; an operation is redirected at most `max` times (dataClay's loop is unbounded). */
export function boundedRedirects(max = 3): RedirectPolicy {
  return {
    pick: (owner, replicas) => {
      const i = Math.floor(Math.random() * (replicas.length + 1));
      return i === 0 ? owner : replicas[i - 1];
    },
    again: (redirects) => redirects < max,
  };
}

export interface RouteOptions {
  /** A read: any copy (the master or a replica) may serve it. */
  anyCopy?: boolean;
  label?: Label;
}

export class OwnerRouting {
  constructor(
    private readonly requests: Pick<Requests, 'encode' | 'send'>,
    /** The owner of an object whose proxy does not know it, from the metadata. */
    private readonly ownerOf: (id: string) => Promise<string>,
    private readonly policy: RedirectPolicy,
  ) {}

  /**
   * Sends to the object's owner. The payload is made once, for the first owner tried (new objects it references
   * are persisted next to it).
   */
  async toOwner<K extends BackendOp>(
    obj: DataClayObject,
    op: K,
    body: BackendOps[K]['request'],
    options: RouteOptions = {},
  ): Promise<BackendOps[K]['reply']> {
    const { claim } = obj[STATE];
    if (claim) await claim.catch(() => undefined); // a make-persistent in flight: after it, the object is registered
    if (!obj[STATE].registered) throw new ObjectNotRegisteredError(obj.id);
    let bytes: Uint8Array | undefined;
    for (let redirects = 0; ; redirects++) {
      const state = obj[STATE]; // again each time: a redirect replaces it
      const owner = state.backendId ?? (await this.ownerOf(state.id));
      const target = options.anyCopy && state.replicas?.length ? this.policy.pick(owner, state.replicas) : owner;
      if (bytes === undefined) {
        const encoded = this.requests.encode(op, body, owner, options.label);
        bytes = encoded instanceof Promise ? await encoded : encoded; // no turn of its own when encoded at once
      }
      try {
        return await this.requests.send(target, op, bytes, options.label?.operation);
      } catch (err) {
        const moved =
          (err instanceof WrongBackendError || err instanceof FencedError) && err.data.objectId === state.id;
        const gone = err instanceof BackendUnavailableError;
        if (!(moved || gone) || !this.policy.again(redirects)) throw err;
        if (target !== owner)
          learnReplicas(obj, state.replicas?.filter((r) => r !== target) ?? []); // a replica no more
        else if (moved) redirect(obj, err.data.owner);
        else {
          // nobody answers for the owner: a backup may have taken over (docs/failover.md), else it stays unavailable
          const now = await this.ownerOf(state.id).catch(() => owner);
          if (now === owner) throw err;
          redirect(obj, now);
        }
      }
    }
  }
}
