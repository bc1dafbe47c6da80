#!/usr/bin/env node
// The `dataclay` command: run a backend, or a whole dev cluster.
import { Command, InvalidArgumentError, Option } from 'commander';
import { runBackend } from './backend-command.js';
import { runDev } from './dev-command.js';

const program = new Command('dataclay').description('dataClay for TypeScript: persistent active objects over NATS');

program
  .command('backend')
  .description('run a backend: owns objects, runs their active methods, answers metadata requests')
  .addOption(new Option('--nats <url>', 'NATS server URL').env('DC_NATS_URL').default('nats://127.0.0.1:4222'))
  .requiredOption('--models <files...>', 'compiled model modules (JS) with the @persistent classes')
  .addOption(new Option('--storage <dir>', 'directory of the backend store (objects and id survive restarts)').env('DC_STORAGE').makeOptionMandatory())
  .addOption(new Option('--id <id>', 'backend id (default: the one in the storage, else a new UUID)').env('DC_BACKEND_ID'))
  .addOption(new Option('--max-objects <n>', 'memory budget: most objects kept loaded').argParser(positiveInt).env('DC_MAX_OBJECTS'))
  .addOption(new Option('--max-bytes <n>', 'memory budget: most bytes of loaded object state').argParser(positiveInt).env('DC_MAX_BYTES'))
  .addOption(new Option('--namespace <ns>', 'cluster namespace on this NATS').env('DC_NAMESPACE').default('default'))
  .action(runBackend);

program
  .command('dev')
  .description('start nats-server and N backends for development; Ctrl-C stops everything')
  .requiredOption('--models <files...>', 'compiled model modules (JS) the backends load')
  .option('--backends <n>', 'number of backends', (v) => Number.parseInt(v, 10), 3)
  .addOption(new Option('--namespace <ns>', 'cluster namespace').default('default'))
  .action(runDev);

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('a positive integer is expected');
  return n;
}

await program.parseAsync();
