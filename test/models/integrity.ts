// Models for the integrity tests: writes that must be atomic, objects built inside active methods.
import { DataClayObject, activemethod, persistent } from '../../src/index.js';

/** Not persistent and not a value class: an instance of it cannot be stored. */
export class NotStorable {
  constructor(readonly n: number) {}
}

@persistent
export class Tally extends DataClayObject {
  count = 0;
  extra: unknown = null;

  @activemethod
  async inc(n: number): Promise<number> {
    this.count += n;
    return this.count;
  }

  /** Changes its object, then stores something that cannot be stored: the whole call must be refused. */
  @activemethod
  async poison(n: number): Promise<number> {
    this.count += n;
    this.extra = new NotStorable(n);
    return this.count;
  }

  /** Changes its object, then has another one on the same backend store what cannot be stored. */
  @activemethod
  async incThenPoison(other: Tally): Promise<number> {
    this.count += 1;
    return other.poison(1);
  }

  /** Changes its object and, through its active method, another one on the same backend; then throws. */
  @activemethod
  async bump(other: Tally, n: number): Promise<void> {
    this.count += n;
    await other.inc(n);
    throw new Error('refused on purpose');
  }
}

/** A node of a large graph: a root with thousands of children. */
@persistent
export class Branch extends DataClayObject {
  label: string;
  children: Branch[] = [];
  constructor(label: string) {
    super();
    this.label = label;
  }

  @activemethod
  async size(): Promise<number> {
    return this.children.length;
  }
}

/** Builds objects inside an active method and uses them at once (dataClay's remote make-persistent tests). */
@persistent
export class Factory extends DataClayObject {
  made: Tally[] = [];

  @activemethod
  async makeWithAlias(alias: string): Promise<Tally> {
    const t = new Tally();
    await t.addAlias(alias);
    this.made.push(t);
    return t;
  }

  @activemethod
  async makePersistentWithAlias(alias: string): Promise<Tally> {
    const t = new Tally();
    await t.makePersistent({ alias });
    return t;
  }

  @activemethod
  async makeAndMove(backendId: string): Promise<Tally> {
    const t = new Tally();
    await t.move(backendId);
    return t;
  }

  @activemethod
  async makeAndReplicate(backendId: string): Promise<Tally> {
    const t = new Tally();
    await t.newReplica(backendId);
    return t;
  }

  @activemethod
  async makeAndVersion(): Promise<Tally> {
    const t = new Tally();
    t.count = 7;
    return t.newVersion();
  }
}
