// The samples run as the docs show them, against the test cluster.
import { describe, expect, it } from 'vitest';
import { walkthrough } from '../../samples/quickstart/walkthrough.js';
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
