// The admin's operations on datasets and grants, and an owner's on the grants of its datasets, answered by any
// backend of the queue group: they write the grants bucket, and every backend's watch delivers the change.
import { DatasetExistsError, DatasetNotFoundError, GrantsUnavailableError, PermissionDeniedError } from '../errors.js';
import type { Grants } from '../metadata/grants.js';
import { assertToken } from '../messaging/subjects.js';
import type { Handlers } from '../protocol/handlers.js';
import type { GrantOp, MetadataOps } from '../protocol/metadata-ops.js';

export function grantHandlers(grants: Grants | undefined): Pick<Handlers<MetadataOps>, GrantOp> {
  const active = (): Grants => {
    if (!grants) throw new PermissionDeniedError('datasets', 'they are off on this backend (--datasets off)');
    // a stale copy would say a dataset does not exist, or list what was revoked
    const broken = grants.unavailable();
    if (broken !== undefined) throw new GrantsUnavailableError('datasets', broken);
    return grants;
  };
  const existing = async (name: string) => {
    const record = await active().findDataset(name);
    if (!record) throw new DatasetNotFoundError(name);
    return record;
  };
  return {
    async 'dataset.create'({ name, owner, public: open }, ctx) {
      const record = { name, owner: assertToken('owner', owner ?? ctx.username), createdAt: Date.now() };
      const created = open ? { ...record, public: open } : record;
      if (!(await active().createDataset(created))) throw new DatasetExistsError(name);
      await active().setGrant({ dataset: name, user: created.owner, level: 'rw' });
      return created;
    },
    async 'dataset.delete'({ name }) {
      await existing(name);
      await active().deleteDataset(name);
    },
    'dataset.list': () => active().listDatasets(),
    async 'grant.set'({ dataset, user, level }) {
      await existing(dataset);
      await active().setGrant({ dataset, user: assertToken('user', user), level });
    },
    'grant.revoke': ({ dataset, user }) => active().revoke(dataset, user),
    'grant.list': ({ dataset }) => active().listGrants(dataset),
    // the user is the one the server checked (the subject's): an owner manages who else may use its dataset
    async 'owner.grant.set'({ dataset, user, level }, ctx) {
      await owned('owner.grant.set', dataset, ctx.username);
      await active().setGrant({ dataset, user: assertToken('user', user), level });
    },
    async 'owner.grant.revoke'({ dataset, user }, ctx) {
      await owned('owner.grant.revoke', dataset, ctx.username);
      await active().revoke(dataset, user);
    },
    async 'owner.grant.list'({ dataset }, ctx) {
      if (dataset !== undefined) await owned('owner.grant.list', dataset, ctx.username);
      const mine = new Set(ownedBy(ctx.username));
      return active()
        .listGrants(dataset)
        .filter((g) => mine.has(g.dataset));
    },
  };

  /** A dataset that does not exist is refused like one of another owner: no oracle of dataset names. */
  async function owned(op: string, dataset: string, user: string): Promise<void> {
    if ((await active().findDataset(dataset))?.owner === user) return;
    throw new PermissionDeniedError(op, `${user} does not own dataset ${dataset}`, { user, dataset });
  }

  function ownedBy(user: string): string[] {
    return active()
      .listDatasets()
      .filter((d) => d.owner === user)
      .map((d) => d.name);
  }
}
