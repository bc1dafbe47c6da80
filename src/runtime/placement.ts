// Placement: where new objects go. A strategy object, injected (a client spreads them over the live backends that
// have their classes, a backend keeps what its active methods create), apart from the unit of work that persists them.
export interface Placement {
  /** Where new objects of `classes` go when the caller names no backend: a live backend that has them all loaded. */
  choose(classes: readonly string[]): Promise<string>;
  /** Where the new objects referenced by a request to `callee` go. */
  forReferences(callee: string): string;
  /** Throws BackendNotFoundError unless `backendId` names a live backend. */
  check(backendId: string): Promise<void>;
  /**
   * `backendId`, chosen by `choose`, had no responders (the request never reached a backend): it is left out of
   * the next choices until the live set no longer lists it.
   */
  unavailable(backendId: string): Promise<void>;
}
