// Datasets and grants, for admins (docs/security.md): a dataset is an access boundary; a user reads (`r`) or also
// writes (`rw`) the objects of the datasets it has a grant on. Sent in the admin space: as a user, every operation
// here is a PermissionDeniedError.
import { NoBackendsError } from '../errors.js';
import { readReply } from '../messaging/envelope.js';
import { NoResponders } from '../messaging/mux.js';
import type { DatasetRecord, Grant, Level } from '../metadata/grants.js';
import type { GrantOp, MetadataOps } from '../protocol/metadata-ops.js';
import { toWire } from '../protocol/session.js';
import type { Runtime } from '../runtime/runtime.js';
import { encode } from '../serialization/codec.js';

type Body<K extends GrantOp> = Omit<MetadataOps[K]['request'], 's'>;

export class DatasetsHandle {
  constructor(private readonly runtime: Runtime) {}

  /** A new dataset; its owner (default: you) gets `rw`. `public`: every user's level on it. */
  create(name: string, options: { owner?: string; public?: Level } = {}): Promise<DatasetRecord> {
    return this.send('dataset.create', { name, ...options });
  }

  /** The dataset and its grants go; its objects stay, reachable by nobody but the backends. */
  delete(name: string): Promise<void> {
    return this.send('dataset.delete', { name });
  }

  list(): Promise<DatasetRecord[]> {
    return this.send('dataset.list', {});
  }

  /** Sets `user`'s level on `dataset`; every backend applies it within milliseconds. */
  grant(dataset: string, user: string, level: Level): Promise<void> {
    return this.send('grant.set', { dataset, user, level });
  }

  revoke(dataset: string, user: string): Promise<void> {
    return this.send('grant.revoke', { dataset, user });
  }

  grants(dataset?: string): Promise<Grant[]> {
    return this.send('grant.list', dataset === undefined ? {} : { dataset });
  }

  private async send<K extends GrantOp>(op: K, body: Body<K>): Promise<MetadataOps[K]['reply']> {
    const { runtime } = this;
    const request = { s: toWire(runtime.session()), ...body };
    try {
      const bytes = await runtime.mux.request(runtime.subjects.metadata(op), encode(request), {
        timeoutMs: runtime.session().timeoutMs ?? runtime.timeoutMs,
      });
      return readReply<MetadataOps[K]['reply']>(bytes);
    } catch (err) {
      if (err instanceof NoResponders) throw new NoBackendsError({ cause: err });
      throw err;
    }
  }
}
