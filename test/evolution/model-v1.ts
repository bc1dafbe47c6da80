// Version 1 of a model that changes (test/integration/evolution.test.ts): backends load this build, then the next.
import { DataClayObject, activemethod, persistent } from '../../src/index.js';

@persistent({ name: 'evolution.Account' })
export class Account extends DataClayObject {
  fullName: string;
  /** Whole euros; version 2 keeps cents. */
  balance: number;
  cents = 0;
  /** Gone in version 2. */
  legacyCode = 'L1';

  constructor(fullName = '', balance = 0) {
    super();
    this.fullName = fullName;
    this.balance = balance;
  }

  @activemethod
  async describe(): Promise<string> {
    return `${this.fullName}:${this.balance}`;
  }
}

@persistent({ name: 'evolution.Bank' })
export class Bank extends DataClayObject {
  accounts: Account[] = [];

  @activemethod
  async open(n: number): Promise<number> {
    for (let i = 0; i < n; i++) {
      const a = new Account(`holder-${i}`, i);
      a.cents = 5;
      this.accounts.push(a);
    }
    return this.accounts.length;
  }

  @activemethod
  async describeAll(): Promise<string[]> {
    return Promise.all(this.accounts.map((a) => a.describe()));
  }

  @activemethod
  async first(): Promise<Account> {
    return this.accounts[0];
  }
}

/** A class with a history of its own (version 3, a migration) and a subclass that has none yet. */
@persistent({ name: 'evolution.Vehicle' })
export class Vehicle extends DataClayObject {
  static dcVersion = 3;
  wheels = 4;

  static dcMigrate(state: Record<string, unknown>): Record<string, unknown> {
    state.wheels = -1; // what the parent's own older records needed: never a subclass's
    return state;
  }

  @activemethod
  async describe(): Promise<string> {
    return `wheels:${this.wheels}`;
  }
}

@persistent({ name: 'evolution.Bike' })
export class Bike extends Vehicle {
  gears = 1;

  constructor(gears = 1) {
    super();
    this.gears = gears;
  }

  @activemethod
  override async describe(): Promise<string> {
    return `wheels:${this.wheels}:gears:${this.gears}`;
  }
}
