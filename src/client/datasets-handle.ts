// Datasets and grants, for admins (docs/security.md): a dataset is an access boundary; a user reads (`r`) or also
// writes (`rw`) the objects of the datasets it has a grant on. Sent in the admin space: as a user, every operation
// here is a PermissionDeniedError.
import type { DatasetRecord, Grant, Level } from '../metadata/grants.js';
import type { GrantOp, MetadataOps } from '../protocol/metadata-ops.js';
import type { Runtime } from '../runtime/runtime.js';

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

  private send<K extends GrantOp>(op: K, body: Body<K>): Promise<MetadataOps[K]['reply']> {
    const { requests } = this.runtime;
    return requests.metadata(op, { s: requests.wire(), ...body } as MetadataOps[K]['request']);
  }
}
