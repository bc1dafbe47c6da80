// Objects of any size: a value above the server's max_payload (1 MiB here) travels in parts on every path that
// carries state or values: persist, calls (arguments and results), dcGet, dcSet, move and replicate.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Bank, BankAccount, Strongbox, StrongRoom } from '../models/index.js';
import { useClient } from '../setup/helpers.js';

const shared = useClient();
const MiB = 1024 * 1024;

/** `size` bytes that differ from one `seed` to another (a run of zeros would hide a misplaced part). */
function bytes(size: number, seed: number): Uint8Array {
  const b = new Uint8Array(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');
// (toEqual on megabytes of bytes takes seconds: compare digests)
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && sha1(a) === sha1(b);

/** Reads until the replica served one (a read goes to a random copy); what it holds there. */
async function onReplica(bank: Bank, replica: string) {
  for (let i = 0; i < 200; i++) {
    const h = await bank.holdings();
    if (h.backend === replica) return h;
  }
  throw new Error(`${replica} never served a read`);
}

describe('objects larger than max_payload', () => {
  it('a 20 MB value: persist, call arguments and results, dcGet, dcSet, move, replicate', async () => {
    const vault = bytes(20 * MiB, 1);
    const bank = new Bank('vaulted');
    bank.vault = vault;
    await bank.makePersistent({ backendId: 'backend-1' });
    expect(await bank.holdings()).toMatchObject({ backend: 'backend-1', vault: vault.length, sha1: sha1(vault) });

    expect(same(await bank.dcGet('vault'), vault)).toBe(true);
    const second = bytes(20 * MiB, 2);
    await bank.dcSet('vault', second);
    expect((await bank.holdings()).sha1).toBe(sha1(second));

    const third = bytes(20 * MiB + 17, 3); // not a multiple of a part
    expect(same(await bank.swapVault(third), second)).toBe(true); // argument and result, both 20 MB
    expect((await bank.holdings()).sha1).toBe(sha1(third));

    await bank.move('backend-2');
    expect(bank.backendId).toBe('backend-2');
    expect(await bank.holdings()).toMatchObject({ backend: 'backend-2', sha1: sha1(third) });
    expect((await shared.metadata(bank.id))?.master).toBe('backend-2');

    await bank.newReplica('backend-3');
    expect(bank.replicaBackendIds).toEqual(['backend-3']);
    expect(await onReplica(bank, 'backend-3')).toMatchObject({ vault: third.length, sha1: sha1(third) });
  });

  it('a Bank of 100,000 references: persist, call, dcGet, dcSet, move, replicate', async () => {
    // 100,000 references to 1,000 accounts: the Bank's own record is what is large (about 5 MB of references);
    // registering 100,000 distinct objects is a matter of metadata speed, not of message size
    const accounts = Array.from({ length: 1_000 }, (_, i) => new BankAccount(`owner-${i}`, i));
    const bank = new Bank('crowded');
    bank.accounts = Array.from({ length: 100_000 }, (_, i) => accounts[i % accounts.length]);
    await bank.makePersistent({ backendId: 'backend-1' });
    expect(accounts.every((a) => a.isRegistered)).toBe(true);
    expect((await bank.holdings()).accounts).toBe(100_000);
    expect(await bank.ownerOf(99_999)).toBe('owner-999');

    const read = await bank.dcGet('accounts');
    expect(read).toHaveLength(100_000);
    expect(read[12_345]).toBe(accounts[345]); // references decode to the same proxies
    const reversed = read.slice().reverse();
    await bank.dcSet('accounts', reversed);
    expect(await bank.ownerOf(0)).toBe('owner-999');

    await bank.move('backend-3');
    expect(await bank.holdings()).toMatchObject({ backend: 'backend-3', accounts: 100_000 });
    expect(await bank.ownerOf(1)).toBe('owner-998');

    await bank.newReplica('backend-2');
    expect(await onReplica(bank, 'backend-2')).toMatchObject({ accounts: 100_000 });
  });

  it('a graph persisted in several requests: objects with state hooks in a later part are restored', async () => {
    // 12 strongboxes of 300 kB: about 3.6 MB of records, so the room and the first boxes go in one request and the
    // others in later ones, which the room's references reached first (as proxies naming this backend)
    const room = new StrongRoom();
    const boxes = Array.from({ length: 12 }, (_, i) => new Strongbox(String(i % 10).repeat(300_000 + i)));
    room.boxes = boxes;
    await room.makePersistent({ backendId: 'backend-3' }); // Strongbox refuses backend-2
    expect(boxes.every((b) => b.isRegistered && b.backendId === 'backend-3')).toBe(true);
    expect(await room.sizes()).toEqual(boxes.map((_, i) => 300_000 + i));
    expect(await boxes[11].dcGet('blob')).toBe('1'.repeat(300_011));
  });

  it('normal-size calls keep working beside large ones', async () => {
    const small = new BankAccount('small', 10);
    await small.makePersistent();
    const big = new Bank('beside');
    await big.makePersistent();
    const [, ...balances] = await Promise.all([
      big.swapVault(bytes(3 * MiB, 4)),
      ...Array.from({ length: 50 }, () => small.withdraw(0)),
    ]);
    expect(balances.every((b) => b === 10)).toBe(true);
    expect((await big.holdings()).vault).toBe(3 * MiB);
  });
});
