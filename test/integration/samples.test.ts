// The samples run as the docs show them, against the test cluster.
import { describe, expect, it } from 'vitest';
import { familyWalkthrough } from '../../samples/family/walkthrough.js';
import { walkthrough } from '../../samples/quickstart/walkthrough.js';
import { runWorkers } from '../../samples/workers/workers.js';
import { tune } from '../../samples/versioning/tuning.js';
import { testClient, uniqueAlias } from '../setup/helpers.js';

describe('samples/quickstart', () => {
  it('walks through the user guide, step by step', async () => {
    await using client = await testClient();
    const alias = uniqueAlias('ABC');
    const lines: string[] = [];
    const result = await walkthrough(client, alias, (l) => lines.push(l));
    expect(result).toEqual({
      backends: ['backend-1', 'backend-2', 'backend-3'],
      payroll: 1250,
      salaryAfterRaise: 1200,
      sameInstance: true,
      totalPayroll: 3200,
      employeeCount: 3,
      duplicateAlias: `admin/${alias} already exists`,
      aliases: [alias, `${alias}-hq`],
    });
    expect(lines).toHaveLength(13);
    expect(lines[3]).toMatch(/NotLocalError/);
  });
});

describe('samples/family', () => {
  it('creates and links members and dogs on the backend', async () => {
    await using client = await testClient();
    const lines: string[] = [];
    const result = await familyWalkthrough(client, uniqueAlias('smiths'), (l) => lines.push(l));
    expect(result).toEqual({
      census: 'The Smiths at 1 Main St, Springfield: 3 members, 2 dogs (Rex, Fido)',
      bark: 'Rex (beagle) barks for Anna Smith',
      oldest: 'Ben Smith',
      sameDog: true,
      cloneMembers: 3,
      cloneIsLocal: true,
      movedTo: '2 Elm St, Springfield',
    });
    expect(lines).toHaveLength(9);
  });
});

describe('samples/workers', () => {
  it('ten worker threads persist objects in the context exported by the main thread', async () => {
    await using client = await testClient();
    const result = await client.run({ dataset: 'ds-workers' }, () => runWorkers(client, uniqueAlias('w')));
    expect(result).toEqual({ workers: 10, persisted: 50, found: 50, datasets: ['ds-workers'] });
  });
});

describe('samples/versioning', () => {
  it('parallel versions of one object; the best one is consolidated into the original', async () => {
    await using client = await testClient();
    const lines: string[] = [];
    const result = await tune(client, undefined, (l) => lines.push(l));
    expect(result.scores).toEqual([680, 830, 980, 870, 570]);
    expect(result.best).toBe(2);
    expect(result.originalScore).toBe(980);
    expect(result.originalRate).toBe(0.35);
    expect(lines).toHaveLength(6);
  });
});
