// A backend's placement: what it creates, and the new objects its requests reference, stay on it.
import { BackendNotFoundError } from '../errors.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Placement } from '../runtime/placement.js';

export class LocalPlacement implements Placement {
  constructor(
    private readonly backendId: string,
    private readonly store: Pick<MetadataStore, 'listBackends' | 'liveBackend'>,
  ) {}

  /** Its own classes are loaded here: what its methods construct is of them. */
  async choose(): Promise<string> {
    return this.backendId;
  }

  forReferences(): string {
    return this.backendId;
  }

  /** From the live set in memory: no JetStream request for a backend the watch knows. */
  async check(backendId: string): Promise<void> {
    if (backendId === this.backendId || (await this.store.liveBackend(backendId))) return;
    const backends = await this.store.listBackends();
    throw new BackendNotFoundError(
      backendId,
      backends.map((b) => b.id),
    );
  }

  /** Never chosen elsewhere than here, which answers. */
  async unavailable(): Promise<void> {}
}
