// The quickstart walk-through, step by step, against a running cluster (the demo and the tests both run it).
import { AlreadyExistsError, type Client, NotLocalError } from '../../src/index.js';
import { Company, Employee } from './model.js';

export interface WalkthroughResult {
  backends: string[];
  payroll: number;
  salaryAfterRaise: number;
  sameInstance: boolean;
  totalPayroll: number;
  aliases: string[];
  duplicateAlias: string;
  employeeCount: number;
}

export async function walkthrough(
  client: Client,
  alias = 'ABC',
  log: (line: string) => void = console.log,
): Promise<WalkthroughResult> {
  const backends = [...(await client.getBackends()).keys()];
  log(`1. backends: ${backends.join(', ')}`);

  const john = new Employee('John', 1000);
  log(`2. new Employee: local=${john.isLocal}, registered=${john.isRegistered}, salary=${john.salary}`);

  await john.makePersistent();
  log(`3. john.makePersistent(): now on ${john.backendId}, local=${john.isLocal}`);

  try {
    void john.salary;
  } catch (err) {
    if (!(err instanceof NotLocalError)) throw err;
    log(`4. john.salary (sync) throws NotLocalError: use dcGet/dcSet on a remote object`);
  }

  const payroll = await john.getPayroll(50);
  log(`5. await john.getPayroll(50) ran on ${john.backendId}: ${payroll}`);

  await john.dcSet('salary', 1200);
  const salaryAfterRaise = await john.dcGet('salary');
  log(`6. dcSet('salary', 1200), dcGet('salary') -> ${salaryAfterRaise}`);

  const jane = new Employee('Jane', 2000);
  const company = new Company('ABC', john, jane);
  await company.makePersistent({ alias, backendId: backends[backends.length - 1] });
  log(
    `7. company.makePersistent({ alias: '${alias}' }) on ${company.backendId}; jane came along: ${jane.isRegistered} (${jane.backendId})`,
  );

  const found = await Company.getByAlias(alias);
  const sameInstance = found === company;
  log(`8. Company.getByAlias('${alias}') === company: ${sameInstance}`);

  const totalPayroll = await found.totalPayroll(40);
  log(`9. company.totalPayroll(40), computed on the company's backend: ${totalPayroll}`);

  const employeeCount = await company.hire(new Employee('Jim', 500));
  log(
    `10. company.hire(new Employee('Jim', 500)): the new employee is persisted on the way, ${employeeCount} employees`,
  );

  let duplicateAlias = '';
  try {
    await new Company('Other').makePersistent({ alias });
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
    duplicateAlias = err.message;
    log(`11. a second '${alias}' is refused: ${err.name}: ${err.message}`);
  }

  await company.addAlias(`${alias}-hq`);
  const aliases = [...(await company.getAliases())].sort();
  log(`12. aliases of the company: ${aliases.join(', ')}`);
  await Company.deleteAlias(`${alias}-hq`);
  log(`13. Company.deleteAlias('${alias}-hq'): aliases now ${[...(await company.getAliases())].join(', ')}`);

  return { backends, payroll, salaryAfterRaise, sameInstance, totalPayroll, aliases, duplicateAlias, employeeCount };
}
