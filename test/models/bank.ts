// A bank of accounts: a user's own error class with fields (RemoteError keeps both), and big graphs and values
// (objects larger than the server's max_payload travel in parts).
import { createHash } from 'node:crypto';
import { DataClayObject, type StateHooks, activemethod, persistent } from '../../src/index.js';

/** A user's error class with its own fields, as an application would write it. */
export class InsufficientFunds extends Error {
  readonly shortBy: number;
  readonly account: string;
  /** Cannot travel: dropped from the remote fields, the rest still arrives. */
  readonly notify = () => undefined;
  constructor(account: string, shortBy: number) {
    super(`${account} is short by ${shortBy}`);
    this.account = account;
    this.shortBy = shortBy;
  }
}

@persistent
export class BankAccount extends DataClayObject {
  owner: string;
  balance: number;

  constructor(owner: string, balance = 0) {
    super();
    this.owner = owner;
    this.balance = balance;
  }

  @activemethod
  async withdraw(amount: number): Promise<number> {
    if (amount > this.balance) throw new InsufficientFunds(this.owner, amount - this.balance);
    this.balance -= amount;
    return this.balance;
  }
}

@persistent
export class Bank extends DataClayObject {
  name: string;
  accounts: BankAccount[] = [];
  /** Opaque bytes (a document, an image) of any size. */
  vault: Uint8Array = new Uint8Array(0);

  constructor(name: string) {
    super();
    this.name = name;
  }

  @activemethod
  async count(): Promise<number> {
    return this.accounts.length;
  }

  /** Where this call ran (a master or a replica), and what it holds there: accounts, vault size and digest. */
  @activemethod({ readonly: true })
  async holdings(): Promise<{ backend: string; accounts: number; vault: number; sha1: string }> {
    return {
      backend: process.argv[process.argv.indexOf('--id') + 1],
      accounts: this.accounts.length,
      vault: this.vault.length,
      sha1: createHash('sha1').update(this.vault).digest('hex'),
    };
  }

  /** The owner of account `i`, read on the account's own backend. */
  @activemethod({ readonly: true })
  async ownerOf(i: number): Promise<string> {
    return this.accounts[i].dcGet('owner');
  }

  /** Takes a big value as an argument and returns one as its result. */
  @activemethod
  async swapVault(vault: Uint8Array): Promise<Uint8Array> {
    const old = this.vault;
    this.vault = vault;
    return old;
  }

  @activemethod
  async open(owner: string, balance: number): Promise<BankAccount> {
    const account = new BankAccount(owner, balance);
    this.accounts.push(account);
    return account;
  }
}

/**
 * Holds a blob, and refuses to be restored with one on backend-2 (its state hook throws there): a move of a large
 * one to backend-2 fails at the target, after the objects shipped before it were received.
 */
@persistent
export class Strongbox extends DataClayObject implements StateHooks<{ blob: string }> {
  blob: string;

  constructor(blob: string) {
    super();
    this.blob = blob;
  }

  dcGetState(): { blob: string } {
    return { blob: this.blob };
  }

  dcSetState(state: { blob: string }): void {
    const here = process.argv[process.argv.indexOf('--id') + 1];
    if (state.blob.length > 0 && here === 'backend-2') throw new Error('this strongbox refuses backend-2');
    this.blob = state.blob;
  }

  @activemethod
  async size(): Promise<number> {
    return this.blob.length;
  }
}

/** Holds strongboxes (objects with state hooks): a graph of them too large for one message is persisted in parts. */
@persistent
export class StrongRoom extends DataClayObject {
  boxes: Strongbox[] = [];

  @activemethod
  async sizes(): Promise<number[]> {
    return Promise.all(this.boxes.map((b) => b.size()));
  }
}
