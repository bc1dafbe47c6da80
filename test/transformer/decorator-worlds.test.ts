// Both decorator worlds: a project with TC39 standard decorators and one with `experimentalDecorators` (the
// NestJS/TypeORM habit), each built by a real tspc run with the transformer, then used locally and on a backend.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, DevCluster, NotLocalError } from '../../src/index.js';
import { installReflectMetadata } from '../setup/reflect-metadata-stand-in.js';
import { makeTempDir, removeDir, uniqueAlias } from '../setup/helpers.js';
import { ROOT } from './compile.js';

const WORLDS = ['legacy', 'standard'] as const;
type World = (typeof WORLDS)[number];

// the fixture model's classes, as the test uses them (both fixtures declare the same shape)
interface AccountLike {
  owner: string;
  balance: number;
  seen: number;
  isLocal: boolean;
  deposit(amount: number): Promise<number>;
  makePersistent(options?: { alias?: string }): Promise<void>;
  dcGet(field: 'balance'): Promise<number>;
}
interface SavingsLike extends AccountLike {
  accrue(): Promise<number>;
}
interface Model {
  Money: new (amount: number, currency: string) => { amount: number; currency: string };
  Account: (new (
    owner: string,
  ) => AccountLike) & {
    open(owner: string): AccountLike;
    getByAlias(alias: string): Promise<AccountLike>;
  };
  Savings: new (owner: string) => SavingsLike;
}

const built = new Map<World, { out: string; status: number | null; output: string }>();
const models = new Map<World, Model>();
const reflect = installReflectMetadata(); // before any model class is evaluated, as a program that loads it first
let cluster: DevCluster;
let client: Client;

beforeAll(async () => {
  for (const world of WORLDS) {
    // inside the package, so the fixture's `import 'dataclay'` resolves to this build, as in a user's project
    const out = makeTempDir(`world-${world}`, `${ROOT}dist`);
    const run = spawnSync(
      process.execPath,
      [
        `${ROOT}node_modules/ts-patch/bin/tspc.js`,
        '-p',
        `${ROOT}test/fixtures/${world}/tsconfig.json`,
        '--outDir',
        out,
      ],
      { encoding: 'utf8' },
    );
    built.set(world, { out, status: run.status, output: run.stdout + run.stderr });
    if (run.status === 0) models.set(world, (await import(`${out}/model.js`)) as Model);
  }
  const modules = [...built.values()].map((b) => `${b.out}/model.js`);
  cluster = await DevCluster.start({ models: modules, backends: 1, namespace: 'worlds' });
  client = await new Client({ ...cluster.connectOptions, namespace: 'worlds' }).start();
});

afterAll(async () => {
  await client?.stop();
  await cluster?.stop();
  reflect.remove();
  for (const b of built.values()) removeDir(b.out);
});

// Node 20 has no Symbol.metadata: dataclay installs the shared one (Symbol.for) that TypeScript's output then uses
const METADATA = (Symbol as unknown as { metadata: symbol }).metadata;
const factsOf = (cls: object) => (cls as Record<symbol, Record<string, unknown>>)[METADATA]['dataclay:class'];

describe.each(WORLDS)('decorators, %s world', (world) => {
  const model = () => models.get(world)!;
  const savingsName = `worlds.${world}.Savings`;

  it('builds with tspc without a diagnostic', () => {
    expect(built.get(world)).toMatchObject({ status: 0, output: '' });
  });

  it('publishes the class facts on Symbol.metadata, merged along inheritance, local-only fields left out', () => {
    const { Account, Savings, Money } = model();
    const account = factsOf(Account) as { name: string; fields: { name: string }[]; methods: object[] };
    expect(account.name).toBe(`test/fixtures/${world}/model.Account`);
    expect(account.fields.map((f) => f.name).sort()).toEqual(['balance', 'history', 'owner']);
    expect(account.methods).toEqual([
      { name: 'deposit', params: [{ name: 'amount', type: 'number' }], returns: 'Promise<number>' },
    ]);
    const savings = factsOf(Savings) as { name: string; fields: { name: string }[]; methods: object[] };
    expect(savings.name).toBe(savingsName);
    expect(savings.fields.map((f) => f.name).sort()).toEqual(['balance', 'history', 'owner', 'rate']);
    expect(savings.methods).toEqual([
      expect.objectContaining({ name: 'deposit' }),
      expect.objectContaining({ name: 'accrue', exclusive: true }),
    ]);
    expect(factsOf(Money)).toMatchObject({ name: `test/fixtures/${world}/model.Money` });
  });

  it('publishes the same facts through reflect-metadata when the program has loaded it', () => {
    const { Account, Savings } = model();
    expect(reflect.api.getMetadata('dataclay:class', Account)).toBe(factsOf(Account));
    expect(reflect.api.getMetadata('dataclay:class', Savings)).toBe(factsOf(Savings));
  });

  it('runs active methods in place on a local object, and a factory inside the class builds the decorated class', async () => {
    const { Account, Savings, Money } = model();
    const account = Account.open('ann');
    expect(account).toBeInstanceOf(Account);
    expect(account.constructor).toBe(Account);
    expect(await account.deposit(5)).toBe(5);
    expect(account.balance).toBe(5);
    const savings = new Savings('bob');
    expect(await savings.accrue()).toBe(2);
    expect(new Money(1, 'EUR')).toBeInstanceOf(Money);
  });

  it('works on a backend: persist, remote calls and fields, value classes, identity, NotLocalError', async () => {
    const { Account } = model();
    const alias = uniqueAlias(world);
    const account = new Account('carol');
    account.seen = 7;
    await account.makePersistent({ alias });
    expect(account.isLocal).toBe(false);
    expect(await account.deposit(10)).toBe(10);
    expect(await account.deposit(5)).toBe(15);
    expect(await account.dcGet('balance')).toBe(15);
    expect(() => account.balance).toThrow(NotLocalError);
    expect(account.seen).toBe(7); // local-only: the proxy keeps its own value
    expect(await Account.getByAlias(alias)).toBe(account);
  });

  it('runs an exclusive method of a subclass on its backend', async () => {
    const { Savings } = model();
    const savings = new Savings('dan');
    await savings.makePersistent();
    expect(await Promise.all([savings.accrue(), savings.accrue()])).toEqual(expect.arrayContaining([2, 4]));
  });
});
