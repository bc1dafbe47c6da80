// Placement: where new objects go. A strategy object, injected (a client spreads them over the live backends, a
// backend keeps what its active methods create), apart from the unit of work that persists them.
export interface Placement {
  /** Where new objects go when the caller names no backend. */
  choose(): Promise<string>;
  /** Where the new objects referenced by a request to `callee` go. */
  forReferences(callee: string): string;
  /** Throws BackendNotFoundError unless `backendId` names a live backend. */
  check(backendId: string): Promise<void>;
}
