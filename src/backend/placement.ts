// A backend's placement: what it creates, and the new objects its requests reference, stay on it.
import { BackendNotFoundError } from '../errors.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Placement } from '../runtime/placement.js';

export class LocalPlacement implements Placement {
  constructor(
    private readonly backendId: string,
    private readonly store: Pick<MetadataStore, 'listBackends'>,
  ) {}

  async choose(): Promise<string> {
    return this.backendId;
  }

  forReferences(): string {
    return this.backendId;
  }

  async check(backendId: string): Promise<void> {
    if (backendId === this.backendId) return;
    const backends = await this.store.listBackends();
    if (!backends.some((b) => b.id === backendId))
      throw new BackendNotFoundError(
        backendId,
        backends.map((b) => b.id),
      );
  }
}
