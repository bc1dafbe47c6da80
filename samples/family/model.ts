// A family, its members and their dogs: active methods that create and link objects where the family lives.
import { DataClayObject, activemethod, persistent, valueclass } from '../../src/index.js';

/** A value class: travels by value, keeps its prototype. */
@valueclass
export class Address {
  constructor(
    public street: string,
    public city: string,
  ) {}
  toString(): string {
    return `${this.street}, ${this.city}`;
  }
}

@persistent
export class Dog extends DataClayObject {
  name: string;
  breed: string;
  owner: Person | null = null;

  constructor(name: string, breed: string) {
    super();
    this.name = name;
    this.breed = breed;
  }

  @activemethod
  async bark(): Promise<string> {
    const owner = this.owner ? await this.owner.dcGet('name') : 'nobody';
    return `${this.name} (${this.breed}) barks for ${owner}`;
  }
}

@persistent
export class Person extends DataClayObject {
  name: string;
  age: number;
  dogs: Dog[] = [];

  constructor(name: string, age: number) {
    super();
    this.name = name;
    this.age = age;
  }

  /** The dog is created here, on this person's backend, and is persistent from construction. */
  @activemethod
  async adoptDog(name: string, breed: string): Promise<Dog> {
    const dog = new Dog(name, breed);
    dog.owner = this;
    this.dogs.push(dog);
    return dog;
  }
}

@persistent
export class Family extends DataClayObject {
  surname: string;
  address: Address;
  members: Person[] = [];

  constructor(surname: string, address: Address) {
    super();
    this.surname = surname;
    this.address = address;
  }

  @activemethod
  async addMember(name: string, age: number): Promise<Person> {
    const person = new Person(`${name} ${this.surname}`, age);
    this.members.push(person);
    return person;
  }

  @activemethod
  async census(): Promise<string> {
    const dogs = (await Promise.all(this.members.map((m) => m.dcGet('dogs')))).flat();
    const names = await Promise.all(dogs.map((d) => d.dcGet('name')));
    return `The ${this.surname}s at ${this.address}: ${this.members.length} members, ${dogs.length} dogs (${names.join(', ')})`;
  }

  @activemethod
  async oldest(): Promise<Person | null> {
    let best: Person | null = null;
    let bestAge = -1;
    for (const m of this.members) {
      const age = await m.dcGet('age');
      if (age > bestAge) [best, bestAge] = [m, age];
    }
    return best;
  }
}
