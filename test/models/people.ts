// Models for the integration tests (loaded by every backend of the test cluster).
import { DataClayObject, activemethod, persistent } from '../../src/index.js';

@persistent
export class Person extends DataClayObject {
  name: string;
  age: number;
  spouse: Person | null = null;
  friends: Person[] = [];
  tags = new Set<string>();
  scores = new Map<string, number>();

  constructor(name: string, age: number) {
    super();
    this.name = name;
    this.age = age;
  }

  @activemethod
  async addYear(): Promise<number> {
    this.age += 1;
    return this.age;
  }

  @activemethod
  async greet(other: Person): Promise<string> {
    return `${this.name} greets ${await other.dcGet('name')}`;
  }

  @activemethod
  async marry(other: Person): Promise<void> {
    this.spouse = other;
    await other.dcSet('spouse', this);
  }

  @activemethod
  async spouseName(): Promise<string | null> {
    return this.spouse ? this.spouse.dcGet('name') : null;
  }

  @activemethod
  async fail(message: string): Promise<never> {
    throw new RangeError(message);
  }

  /** Throws things that are not Errors, one with no toString at all. */
  @activemethod
  async throwOdd(kind: 'null-proto' | 'string'): Promise<never> {
    throw kind === 'string' ? 'plain string' : Object.create(null);
  }

  @activemethod
  async adopt(name: string): Promise<Person> {
    const child = new Person(name, 0);
    this.friends.push(child);
    return child;
  }

  /** Has `other` (perhaps on another backend) build a friend: a nested call that creates an object over there. */
  @activemethod
  async adoptVia(other: Person, name: string): Promise<Person> {
    return other.adopt(name);
  }

  @activemethod
  async whereAmI(): Promise<string | undefined> {
    return this.backendId;
  }

  @activemethod
  async echo<T>(value: T): Promise<T> {
    return value;
  }

  /** A call that takes `ms`, deliberately: for timeouts and cancellation. */
  @activemethod
  async sleep(ms: number): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return ms;
  }

  /** Creates friends here without returning them: they are persistent from construction. */
  @activemethod
  async makeFriends(...names: string[]): Promise<number> {
    for (const name of names) this.friends.push(new Person(name, 0));
    return this.friends.length;
  }

  @activemethod
  async blob(size: number): Promise<Uint8Array> {
    return new Uint8Array(size);
  }

  @activemethod
  async friendNames(): Promise<string[]> {
    return Promise.all(this.friends.map((f) => f.dcGet('name')));
  }
}
