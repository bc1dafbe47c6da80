// Version 2 of the model of model-v1.ts: `fullName` renamed to `name`, balance in cents (migrated), `legacyCode`
// removed, `currency` added with an initializer.
import { DataClayObject, activemethod, persistent, renamedFrom } from '../../src/index.js';

@persistent({ name: 'evolution.Account' })
export class Account extends DataClayObject {
  static dcVersion = 2;

  @renamedFrom('fullName')
  name = '';
  /** Cents. */
  balance = 0;
  currency = 'EUR';

  static dcMigrate(state: Record<string, unknown>, fromVersion: number): Record<string, unknown> {
    if (fromVersion < 2) {
      state.balance = (state.balance as number) * 100 + (state.cents as number);
      delete state.cents;
    }
    return state;
  }

  @activemethod
  async describe(): Promise<string> {
    return `${this.name}:${this.balance}:${this.currency}`;
  }

  @activemethod
  async deposit(cents: number): Promise<number> {
    this.balance += cents;
    return this.balance;
  }
}

@persistent({ name: 'evolution.Bank' })
export class Bank extends DataClayObject {
  accounts: Account[] = [];

  @activemethod
  async describeAll(): Promise<string[]> {
    return Promise.all(this.accounts.map((a) => a.describe()));
  }

  @activemethod
  async first(): Promise<Account> {
    return this.accounts[0];
  }
}

@persistent({ name: 'evolution.Vehicle' })
export class Vehicle extends DataClayObject {
  static dcVersion = 3;
  wheels = 4;

  static dcMigrate(state: Record<string, unknown>): Record<string, unknown> {
    state.wheels = -1;
    return state;
  }

  @activemethod
  async describe(): Promise<string> {
    return `wheels:${this.wheels}`;
  }
}

/** Its first change of its own: version 2, a new field with an initializer, no migration of its own. */
@persistent({ name: 'evolution.Bike' })
export class Bike extends Vehicle {
  static override dcVersion = 2;
  gears = 1;
  bell = 'ring';

  constructor(gears = 1) {
    super();
    this.gears = gears;
  }

  @activemethod
  override async describe(): Promise<string> {
    return `wheels:${this.wheels}:gears:${this.gears}:bell:${this.bell}`;
  }
}
