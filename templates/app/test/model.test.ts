// The model's own tests: local objects (no cluster needed), compiled with the transformer by the dataclay plugin.
import { describe, expect, it } from 'vitest';
import { Bank, BankAccount } from '../src/model.js';

describe('Bank', () => {
  it('transfers between accounts and keeps the total', async () => {
    const bank = new Bank('Test Bank');
    const alice = await bank.open('alice', 100);
    const bob = await bank.open('bob', 50);
    await bank.transfer(alice, bob, 30);
    expect(alice.balance).toBe(70);
    expect(bob.balance).toBe(80);
    expect(await bank.total()).toBe(150);
  });

  it('refuses an overdraft and leaves the balance alone', async () => {
    const account = new BankAccount('carol', 10);
    await expect(account.withdraw(20)).rejects.toThrow(RangeError);
    expect(account.balance).toBe(10);
  });

  it('is a local object until made persistent', () => {
    const account = new BankAccount('dan');
    expect(account.isLocal).toBe(true);
    expect(account.isRegistered).toBe(false);
  });
});
