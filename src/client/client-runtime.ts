// The client's runtime: objects it persists go to a backend of its choice (random unless told).
import { BackendNotFoundError, NoBackendsError } from '../errors.js';
import type { BackendInfo } from '../metadata/types.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { Runtime } from '../runtime/runtime.js';
import { collectUnregistered } from '../serialization/graph.js';

export class ClientRuntime extends Runtime {
  private backends: BackendInfo[] | undefined;

  async refreshBackends(): Promise<BackendInfo[]> {
    this.backends = await this.listBackends();
    return this.backends;
  }

  protected async defaultBackend(): Promise<string> {
    let backends = this.backends?.length ? this.backends : await this.refreshBackends();
    if (backends.length === 0) backends = await this.refreshBackends();
    if (backends.length === 0) throw new NoBackendsError();
    return backends[Math.floor(Math.random() * backends.length)].id;
  }

  async checkBackend(backendId: string): Promise<void> {
    if (this.backends?.some((b) => b.id === backendId)) return;
    const backends = await this.refreshBackends();
    if (!backends.some((b) => b.id === backendId))
      throw new BackendNotFoundError(
        backendId,
        backends.map((b) => b.id),
      );
  }

  protected async persistPending(objects: DataClayObject[], calleeBackend: string): Promise<void> {
    await this.persistBatch(collectUnregistered(objects), calleeBackend);
  }
}
