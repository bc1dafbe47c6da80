// Datasets and grants (docs/security.md): a dataset is an access boundary; a user reads (`r`) or also writes (`rw`)
// the objects of the datasets it has a grant on. Datasets are an admin's (sent in the admin space: as a user, a
// PermissionDeniedError); grants are an admin's or, on the datasets it owns, the owner's.
import { PermissionDeniedError } from '../errors.js';
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

  /** Sets `user`'s level on `dataset` (an admin, or the dataset's owner); every backend applies it at once. */
  grant(dataset: string, user: string, level: Level): Promise<void> {
    const body = { dataset, user, level };
    return this.asAdminOrOwner(
      () => this.send('grant.set', body),
      () => this.send('owner.grant.set', body),
    );
  }

  revoke(dataset: string, user: string): Promise<void> {
    const body = { dataset, user };
    return this.asAdminOrOwner(
      () => this.send('grant.revoke', body),
      () => this.send('owner.grant.revoke', body),
    );
  }

  /** Every grant (an admin), or those of the datasets you own. */
  grants(dataset?: string): Promise<Grant[]> {
    const body = dataset === undefined ? {} : { dataset };
    return this.asAdminOrOwner(
      () => this.send('grant.list', body),
      () => this.send('owner.grant.list', body),
    );
  }

  /**
   * The admin's operation first; refused (the server lets only admins publish it), the owner's. The client does not
   * know its role: the server does. A user who owns nothing gets the owner operation's refusal.
   */
  private async asAdminOrOwner<T>(admin: () => Promise<T>, owner: () => Promise<T>): Promise<T> {
    try {
      return await admin();
    } catch (err) {
      if (!(err instanceof PermissionDeniedError)) throw err;
      return owner();
    }
  }

  private send<K extends GrantOp>(op: K, body: Body<K>): Promise<MetadataOps[K]['reply']> {
    const { requests } = this.runtime;
    return requests.metadata(op, { s: requests.wire(), ...body } as MetadataOps[K]['request']);
  }
}
