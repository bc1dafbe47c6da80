// Metadata lookups: objects by id and alias, aliases, backends, classes; answered by any backend (queue group).
import { InvalidAliasError, InvalidOptionError, ObjectNotRegisteredError } from '../errors.js';
import { nameProblem } from '../metadata/keys.js';
import { isObjectId, OBJECT_ID_RULE } from '../object/object-id.js';
import type { ClassDescription } from '../metadata/class-description.js';
import type { ObjectPage } from '../metadata/object-listing.js';
import type { BackendInfo, ObjectMetadata } from '../metadata/types.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import type { IdentityMap } from '../object/identity.js';
import { learnDataset, redirect } from '../object/lifecycle.js';
import { STATE } from '../object/state.js';
import type { AliasFound, ObjectsQuery } from '../protocol/metadata-ops.js';
import type { RefResolver } from '../serialization/codec.js';
import type { Requests } from './requests.js';

export class Lookups {
  /** The revision of this runtime's last alias write: lookups by alias ask for an answer that reflects it. */
  private aliasRevision = 0;

  constructor(
    private readonly requests: Pick<Requests, 'metadata' | 'wire'>,
    private readonly identity: IdentityMap,
    private readonly resolveRef: RefResolver,
    /** The dataset lookups search when the caller names none. */
    private readonly dataset: () => string,
  ) {}

  /** Fields and active methods of a class, as the backends know it. */
  getClassInfo(className: string): Promise<ClassDescription> {
    return this.requests.metadata('class', { s: this.requests.wire(), c: className });
  }

  getObjectMetadata(id: string): Promise<ObjectMetadata> {
    if (!isObjectId(id)) return Promise.reject(new InvalidOptionError('id', id, OBJECT_ID_RULE));
    return this.requests.metadata('object', { s: this.requests.wire(), id });
  }

  async getById(id: string): Promise<DataClayObject> {
    return this.identity.get(id) ?? this.fromMetadata(await this.getObjectMetadata(id));
  }

  async getByAlias(alias: string, dataset = this.dataset()): Promise<DataClayObject> {
    validateAlias(alias);
    validateDataset(dataset);
    const query = { s: this.requests.wire(), d: dataset, a: alias };
    const r = this.aliasRevision;
    return this.fromAlias(await this.requests.metadata('alias.get', r > 0 ? { ...query, r } : query));
  }

  async deleteAlias(alias: string, dataset = this.dataset()): Promise<void> {
    validateAlias(alias);
    validateDataset(dataset);
    this.wrote(await this.requests.metadata('alias.del', { s: this.requests.wire(), d: dataset, a: alias }));
  }

  /** In the object's dataset (when the proxy does not know it, the metadata does). */
  async addAlias(obj: DataClayObject, alias: string): Promise<void> {
    validateAlias(alias);
    const { id, dataset } = registered(obj);
    const s = this.requests.wire();
    this.wrote(
      await this.requests.metadata(
        'alias.add',
        dataset === undefined ? { s, a: alias, id } : { s, a: alias, id, d: dataset },
      ),
    );
  }

  async getAliases(obj: DataClayObject): Promise<Set<string>> {
    const { id, dataset } = registered(obj);
    const s = this.requests.wire();
    return new Set(
      await this.requests.metadata('alias.list', dataset === undefined ? { s, id } : { s, id, d: dataset }),
    );
  }

  listBackends(): Promise<BackendInfo[]> {
    return this.requests.metadata('backends', { s: this.requests.wire() });
  }

  /** One page of object records, from `query.cursor` on. */
  listObjects(query: Omit<ObjectsQuery, 's'> = {}): Promise<ObjectPage> {
    return this.requests.metadata('objects', { s: this.requests.wire(), ...query });
  }

  private wrote(revision: number): void {
    this.aliasRevision = Math.max(this.aliasRevision, revision);
  }

  /**
   * A proxy from what the alias holds, in one round trip. Its owner may be a hint (`current` false): a proxy this
   * process already has keeps the location it learned, and a request to a backend the object left follows it as for
   * any stale proxy (routing.ts).
   */
  private fromAlias([id, className, dataset, master, current]: AliasFound): DataClayObject {
    const obj = this.resolveRef(id, className, master);
    if (current) redirect(obj, master);
    learnDataset(obj, dataset);
    return obj;
  }

  private fromMetadata(md: ObjectMetadata): DataClayObject {
    const obj = this.resolveRef(md.id, md.className, md.master);
    redirect(obj, md.master);
    learnDataset(obj, md.dataset);
    return obj;
  }
}

export function validateAlias(alias: unknown): asserts alias is string {
  const problem = nameProblem(alias);
  if (problem !== undefined) throw new InvalidAliasError(alias, undefined, problem);
}

/** A dataset name the client is given (a bad one would fail every request later, as a ProtocolError). */
export function validateDataset(dataset: unknown): asserts dataset is string {
  const problem = nameProblem(dataset);
  if (problem !== undefined) throw new InvalidOptionError('dataset', dataset, `a dataset name that ${problem}`);
}

function registered(obj: DataClayObject): { id: string; dataset: string | undefined } {
  const state = obj[STATE];
  if (!state.registered) throw new ObjectNotRegisteredError(state.id);
  return state;
}
