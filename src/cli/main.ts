#!/usr/bin/env node
// The `dataclay` command: run a backend, or a whole dev cluster.
import { Command, Option } from 'commander';
import { runBackend } from './backend-command.js';
import { runDev } from './dev-command.js';

const program = new Command('dataclay').description('dataClay for TypeScript: persistent active objects over NATS');

program
  .command('backend')
  .description('run a backend: owns objects, runs their active methods, answers metadata requests')
  .addOption(new Option('--nats <url>', 'NATS server URL').env('DC_NATS_URL').default('nats://127.0.0.1:4222'))
  .requiredOption('--models <files...>', 'compiled model modules (JS) with the @persistent classes')
  .addOption(new Option('--id <id>', 'backend id (default: a new UUID)').env('DC_BACKEND_ID'))
  .addOption(new Option('--namespace <ns>', 'cluster namespace on this NATS').env('DC_NAMESPACE').default('default'))
  .action(runBackend);

program
  .command('dev')
  .description('start nats-server and N backends for development; Ctrl-C stops everything')
  .requiredOption('--models <files...>', 'compiled model modules (JS) the backends load')
  .option('--backends <n>', 'number of backends', (v) => Number.parseInt(v, 10), 3)
  .addOption(new Option('--namespace <ns>', 'cluster namespace').default('default'))
  .action(runDev);

await program.parseAsync();
