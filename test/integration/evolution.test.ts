// Schema evolution (docs/lifecycle.md): 1,000 objects stored by version 1 of a model load into version 2 after the
// backend restarts with it (a field renamed, one removed, one added, one migrated), and a backend still on version 1
// refuses a record version 2 wrote. The client uses stubs: it never loads either build of the model.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, DevCluster, SchemaVersionError, type StubObject } from '../../src/index.js';

const model = (v: number) => fileURLToPath(new URL(`../evolution/model-v${v}.js`, import.meta.url));

interface Bank extends StubObject {
  open(n: number): Promise<number>;
  describeAll(): Promise<string[]>;
  first(): Promise<Account>;
}
interface Vehicle extends StubObject {
  describe(): Promise<string>;
}
interface Account extends StubObject {
  deposit(cents: number): Promise<number>;
  describe(): Promise<string>;
}

let cluster: DevCluster;
let client: Client;

beforeAll(async () => {
  cluster = await DevCluster.start({ models: [model(1)], backends: 1, namespace: 'evolution' });
  client = await new Client({ ...cluster.connectOptions, namespace: 'evolution', timeoutMs: 30_000 }).start();
});
afterAll(async () => {
  await client?.stop();
  await cluster?.stop();
});

describe('a model that changes between two backend starts', () => {
  it('loads 1,000 records of the old shape into the new class, and an old backend refuses a newer record', {
    timeout: 120_000,
  }, async () => {
    const BankV1 = await client.stub<Bank>('evolution.Bank');
    const bank = await BankV1.create();
    expect(await bank.open(1000)).toBe(1000);
    expect((await bank.describeAll())[7]).toBe('holder-7:7');
    const backend = cluster.backend('backend-1');

    await backend.restart([model(2)]);
    const all = await bank.describeAll();
    expect(all).toHaveLength(1000);
    // renamed kept its value, migrated to cents, the new field took its initializer
    expect(all[7]).toBe('holder-7:705:EUR');
    expect(all.every((d, i) => d === `holder-${i}:${i * 100 + 5}:EUR`)).toBe(true);
    const log = readFileSync(path.join(cluster.dir, 'backend-1.log'), 'utf8');
    expect(log).toContain('loaded records of an older class shape');
    expect(log).toMatch(/"fieldsDropped":\s*\d+/);
    expect(log).toContain('legacyCode');

    // version 2 writes one account; a backend back on version 1 must not overwrite it
    await client.stub<Account>('evolution.Account'); // the class as version 2 describes it: with deposit()
    const first = await bank.first();
    expect(await first.deposit(10)).toBe(15);
    await backend.restart([model(1)]);
    await expect(first.describe()).rejects.toBeInstanceOf(SchemaVersionError);
  });

  it("a subclass's records have its own version and migration, not those it would inherit from its parent", {
    timeout: 120_000,
  }, async () => {
    // version 1 of the model (the test above ends on it): Vehicle is at version 3 with a migration, Bike has neither
    const Bike = await client.stub<Vehicle, [number]>('evolution.Bike');
    const bikes = await Promise.all([3, 7].map((gears) => Bike.create(gears)));
    expect(await bikes[0].describe()).toBe('wheels:4:gears:3');
    // version 2: Bike's first version of its own (2) with a new field. Its records are of its version 1, not of
    // its parent's 3 (which would be "newer" and refused), and the parent's migration does not touch them
    await cluster.backend('backend-1').restart([model(2)]);
    expect(await Promise.all(bikes.map((b) => b.describe()))).toEqual([
      'wheels:4:gears:3:bell:ring',
      'wheels:4:gears:7:bell:ring',
    ]);
  });
});

describe('a move between backends of two builds of the model (a rolling upgrade)', () => {
  let mixed: DevCluster;
  let c: Client;
  beforeAll(async () => {
    mixed = await DevCluster.start({ models: [model(1)], backends: 2, namespace: 'evolution-mixed' });
    await mixed.backend('backend-2').restart([model(2)]);
    c = await new Client({ ...mixed.connectOptions, namespace: 'evolution-mixed', timeoutMs: 30_000 }).start();
  }, 120_000);
  afterAll(async () => {
    await c?.stop();
    await mixed?.stop();
  });

  it('an object moved from an old backend to a new one evolves; one moved from a new to an old one is refused', {
    timeout: 120_000,
  }, async () => {
    const Account = await c.stub<Account>('evolution.Account');
    const old = await Account.createOn('backend-1', 'holder', 7);
    expect(await old.describe()).toBe('holder:7');
    await old.move('backend-2');
    // version 2's class: the rename kept, euros migrated to cents, the new field's initializer
    expect(await old.describe()).toBe('holder:700:EUR');
    // version 2 wrote it: version 1 must not take it (it would drop `currency` and overwrite the record)
    await expect(old.move('backend-1')).rejects.toBeInstanceOf(SchemaVersionError);
    expect(await old.describe()).toBe('holder:700:EUR');
  });
});
