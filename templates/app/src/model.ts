// The model: its classes are compiled into the backends (`npm run dev`) and into the client (`npm start`).
import { activemethod, DataClayObject, persistent } from 'dataclay';

@persistent
export class BankAccount extends DataClayObject {
  owner: string;
  balance: number;

  constructor(owner: string, balance = 0) {
    super();
    this.owner = owner;
    this.balance = balance;
  }

  /** Active methods run where the object lives: here on a local object, on its backend once it is persistent. */
  @activemethod
  async deposit(amount: number): Promise<number> {
    if (amount <= 0) throw new RangeError(`a deposit must be positive, not ${amount}`);
    this.balance += amount;
    return this.balance;
  }

  @activemethod
  async withdraw(amount: number): Promise<number> {
    if (amount > this.balance) throw new RangeError(`insufficient funds: ${this.balance} < ${amount}`);
    this.balance -= amount;
    return this.balance;
  }

  @activemethod
  async getBalance(): Promise<number> {
    return this.balance;
  }
}

@persistent
export class Bank extends DataClayObject {
  name: string;
  accounts: BankAccount[] = [];

  constructor(name: string) {
    super();
    this.name = name;
  }

  /** An account made inside an active method is persistent on the bank's backend. */
  @activemethod
  async open(owner: string, initial: number): Promise<BankAccount> {
    const account = new BankAccount(owner, initial);
    this.accounts.push(account);
    return account;
  }

  @activemethod
  async transfer(from: BankAccount, to: BankAccount, amount: number): Promise<void> {
    await from.withdraw(amount);
    await to.deposit(amount);
  }

  @activemethod
  async total(): Promise<number> {
    const balances = await Promise.all(this.accounts.map((a) => a.getBalance()));
    return balances.reduce((sum, b) => sum + b, 0);
  }
}
