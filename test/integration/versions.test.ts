// newVersion / consolidateVersion: the seed's two examples, versions of versions, references from other objects,
// versions with moves and replicas.
import { describe, expect, it } from 'vitest';
import { ObjectIsNotVersionError, WrongBackendError } from '../../src/index.js';
import { Employee } from '../../samples/quickstart/model.js';
import { Counter, Holder, Person } from '../models/index.js';
import { useClient, waitFor } from '../setup/helpers.js';

const shared = useClient();

describe('versions', () => {
  it('the seed: a version is an independent copy until consolidated', async () => {
    const employee = new Employee('John', 1000);
    await employee.makePersistent();
    const v1 = await employee.newVersion();
    expect(v1).toBeInstanceOf(Employee);
    expect(v1.id).not.toBe(employee.id);
    await v1.dcSet('salary', 2000);
    expect(await employee.dcGet('salary')).toBe(1000);
    await v1.consolidateVersion();
    expect(await employee.dcGet('salary')).toBe(2000);
    expect(await v1.dcGet('salary')).toBe(2000); // the version's id now names the original
  });

  it('the seed: versions of versions; consolidating the last updates the original and the one in between', async () => {
    const employee = new Employee('Jane', 1000);
    await employee.makePersistent({ backendId: 'backend-1' });
    const v1 = await employee.newVersion('backend-2');
    expect(v1.backendId).toBe('backend-2');
    await v1.dcSet('salary', 2000);
    const v2 = await v1.newVersion('backend-3');
    await v2.dcSet('salary', 3000);
    expect(await v1.dcGet('salary')).toBe(2000);
    await v2.consolidateVersion();
    expect(await employee.dcGet('salary')).toBe(3000);
    expect(await v1.dcGet('salary')).toBe(3000);
    expect(await v2.getPayroll(40)).toBe(3000);
    expect((await shared.metadata(v2.id))?.forward).toBe(employee.id);
    // a consolidated version is an id that forwards, not an object: listings leave it out
    const listed = new Set<string>();
    for await (const md of shared.admin.objects()) listed.add(md.id);
    expect(listed.has(employee.id)).toBe(true);
    expect(listed.has(v2.id)).toBe(false);
  });

  it('references held by other objects, local and persistent, see the consolidated state', async () => {
    const original = new Person('Original', 1);
    const holder = new Person('Holder', 2);
    await original.makePersistent({ backendId: 'backend-1' });
    await holder.makePersistent({ backendId: 'backend-3' });
    await holder.dcSet('spouse', original);
    const local = new Person('Local holder', 3);
    local.spouse = original;
    const version = await original.newVersion('backend-2');
    await version.dcSet('name', 'Consolidated');
    const holdsVersion = new Person('Holds the version', 4);
    await holdsVersion.makePersistent({ backendId: 'backend-1' });
    await holdsVersion.dcSet('spouse', version);
    await version.consolidateVersion();
    expect(await holder.spouseName()).toBe('Consolidated');
    expect(await local.spouse!.dcGet('name')).toBe('Consolidated');
    expect(await holdsVersion.spouseName()).toBe('Consolidated');
    await original.dcSet('age', 99); // one object: the version's id and the original's
    expect(await version.dcGet('age')).toBe(99);
  });

  it('a call running on a version in between ends before the consolidation retires that version', async () => {
    const original = new Holder();
    await original.makePersistent({ backendId: 'backend-1' });
    const v1 = await original.newVersion('backend-2');
    const v2 = await v1.newVersion('backend-3');
    await v2.dcSet('count', 10);
    let slowEnded = false;
    const slow = v1.slowWrite(1_000).then((n) => {
      slowEnded = true;
      return n;
    });
    await waitFor(() => v1.peek(), { until: (n) => n === 1, what: 'the slow write on v1 running' });
    await v2.consolidateVersion();
    expect(slowEnded).toBe(true); // acknowledged before v1 was retired, not cut short
    expect(await slow).toBe(2);
    // v1 names the original, which holds v2's state; backend-2 keeps no record of v1 (its write did not bring it back)
    expect(await v1.peek()).toBe(10);
    expect((await shared.metadata(v1.id))?.forward).toBe(original.id);
    await expect(shared.admin.backend('backend-2').inspect(v1.id)).rejects.toBeInstanceOf(WrongBackendError);
  });

  it('consolidating a non-version throws ObjectIsNotVersionError, and the object serves and stays where it was', async () => {
    const p = new Person('Plain', 1);
    await p.makePersistent({ backendId: 'backend-1' });
    const before = (await shared.admin.backend('backend-1').stats()).stored;
    await expect(p.consolidateVersion()).rejects.toBeInstanceOf(ObjectIsNotVersionError);
    await p.dcSet('age', 2); // held while its metadata was read, then let go: nothing of it changed
    expect(await p.dcGet('age')).toBe(2);
    expect(p.backendId).toBe('backend-1');
    expect((await shared.admin.backend('backend-1').stats()).stored).toBe(before);
  });

  it('no copy of a consolidated version stays in its backend store', async () => {
    const p = new Person('Lean', 1);
    await p.makePersistent({ backendId: 'backend-1' });
    const v = await p.newVersion('backend-2');
    const before = (await shared.admin.backend('backend-2').stats()).stored;
    await v.consolidateVersion();
    expect((await shared.admin.backend('backend-2').stats()).stored).toBe(before - 1);
  });

  it("consolidating a version on the original's backend: the version id then names the original", async () => {
    const e = new Employee('Same', 1000);
    await e.makePersistent({ backendId: 'backend-1' });
    const before = await shared.stored('backend-1');
    const v = await e.newVersion();
    expect(v.backendId).toBe('backend-1');
    await v.dcSet('salary', 2000);
    await v.consolidateVersion();
    expect(await e.dcGet('salary')).toBe(2000);
    await e.dcSet('salary', 5000);
    expect(await v.dcGet('salary')).toBe(5000);
    expect(await shared.stored('backend-1')).toBe(before);
  });
});

describe('consolidating again', () => {
  for (const where of ['the same backend', 'another backend'] as const) {
    it(`answers at once, changing nothing, for a version on ${where} (a retry after a timeout)`, async () => {
      const p = new Person('Twice', 1);
      await p.makePersistent({ backendId: 'backend-1' });
      const v = await p.newVersion(where === 'another backend' ? 'backend-2' : undefined);
      await v.dcSet('age', 42);
      await v.consolidateVersion();
      // a second one used to hold the original while waiting on itself, until the backend's 30 s timeout
      await shared.client.run({ timeoutMs: 5_000 }, () => v.consolidateVersion());
      expect(await shared.client.run({ timeoutMs: 5_000 }, () => p.dcGet('age'))).toBe(42);
      expect(await p.addYear()).toBe(43);
    });
  }
});

describe('versions with moves and replicas', () => {
  it('a consolidated version still resolves after the original moves', async () => {
    const o = new Counter();
    await o.makePersistent({ backendId: 'backend-1' });
    const v = await o.newVersion();
    await v.dcSet('count', 7);
    await v.consolidateVersion();
    await o.move('backend-2');
    expect(await v.dcGet('count')).toBe(7);
  });

  it("a consolidated version's replicas stop serving", async () => {
    const o = new Counter();
    await o.makePersistent({ backendId: 'backend-1' });
    const v = await o.newVersion();
    await v.newReplica('backend-3');
    await v.consolidateVersion();
    await v.dcSet('count', 42);
    const reads = await Promise.all(Array.from({ length: 20 }, () => v.dcGet('count')));
    expect(reads.every((x) => x === 42)).toBe(true);
  });

  it("a replica of a version held by the original's master stops serving the version after consolidation", async () => {
    const e = new Employee('Rep', 1000);
    await e.makePersistent({ backendId: 'backend-1' });
    const v = await e.newVersion('backend-2');
    await v.dcSet('salary', 2000);
    await v.newReplica('backend-1');
    await v.consolidateVersion();
    await e.dcSet('salary', 5000);
    const seen = new Set<number>();
    for (let i = 0; i < 10; i++) seen.add(await v.dcGet('salary'));
    expect([...seen]).toEqual([5000]);
  });
});
