#!/usr/bin/env node
// The `dataclay` command: run a backend, or a whole dev cluster.
import { Command, InvalidArgumentError, Option } from 'commander';
import { DataClayError, InvalidOptionError } from '../errors.js';
import { runBackend } from './backend-command.js';
import { runDev } from './dev-command.js';
import {
  ctlBackends,
  ctlDatasetCreate,
  ctlDatasetDelete,
  ctlDatasetList,
  ctlFlush,
  ctlGrantList,
  ctlGrantRevoke,
  ctlGrantSet,
  ctlObjects,
  ctlStop,
} from './ctl-command.js';
import { runStubs } from './stubs-command.js';
import { withNatsFlags } from './nats-flags.js';

const program = new Command('dataclay').description('dataClay for TypeScript: persistent active objects over NATS');

withNatsFlags(
  program
    .command('backend')
    .description('run a backend: owns objects, runs their active methods, answers metadata requests'),
)
  .requiredOption('--models <files...>', 'compiled model modules (JS) with the @persistent classes')
  .addOption(
    new Option('--storage <dir>', 'directory of the backend store (objects and id survive restarts)')
      .env('DC_STORAGE')
      .makeOptionMandatory(),
  )
  .addOption(
    new Option('--id <id>', 'backend id (default: the one in the storage, else a new UUID)').env('DC_BACKEND_ID'),
  )
  .addOption(
    new Option('--max-objects <n>', 'memory budget: most objects kept loaded')
      .argParser(positiveInt)
      .env('DC_MAX_OBJECTS'),
  )
  .addOption(
    new Option('--max-bytes <n>', 'memory budget: most bytes of loaded object state')
      .argParser(positiveInt)
      .env('DC_MAX_BYTES'),
  )
  .addOption(
    new Option('--metrics-port <port>', 'serve Prometheus metrics on this port (0: any free port)')
      .argParser((v) => Number.parseInt(v, 10))
      .env('DC_METRICS_PORT'),
  )
  .addOption(new Option('--namespace <ns>', 'cluster namespace on this NATS').env('DC_NAMESPACE').default('default'))
  .addOption(
    new Option('--datasets <policy>', 'datasets as access boundaries (default: strict with a NATS user, else off)')
      .choices(['strict', 'open', 'off'])
      .env('DC_DATASETS'),
  )
  .addOption(
    new Option(
      '--metadata-replicas <n>',
      'replicas of the metadata buckets (default: 3 on a NATS cluster of 3+, else 1)',
    )
      .argParser(positiveInt)
      .env('DC_METADATA_REPLICAS'),
  )
  .action(runBackend);

program
  .command('dev')
  .description('start nats-server and N backends for development; Ctrl-C stops everything')
  .requiredOption('--models <files...>', 'compiled model modules (JS) the backends load')
  .option('--backends <n>', 'number of backends', (v) => Number.parseInt(v, 10), 3)
  .addOption(new Option('--namespace <ns>', 'cluster namespace').default('default'))
  .option('--nats-user <name>', 'name of the admin user (default admin; with --nats-password-file)')
  .option('--nats-password-file <file>', "file holding the admin's password (default: a random one)")
  .option('--nats-token-file <file>', 'one token for everyone instead of users: authenticates, confines nobody')
  .option('--insecure', 'an open nats-server: whoever reaches it may do anything (default: users, docs/security.md)')
  .option('--nats-cluster <n>', 'a JetStream cluster of n nats-servers on loopback instead of one', positiveInt)
  .option(
    '--metadata-replicas <n>',
    'replicas of the metadata buckets (default: 3 on a cluster of 3+, else 1)',
    positiveInt,
  )
  .action(runDev);

withNatsFlags(program.command('stubs').description('write typed TypeScript stubs for the classes of a running cluster'))
  .addOption(new Option('--namespace <ns>', 'cluster namespace').env('DC_NAMESPACE').default('default'))
  .requiredOption('--out <dir>', 'directory to write index.ts into')
  .option('--class <names...>', 'only these classes (default: every class the backends have)')
  .option('--import <module>', 'module the stubs import the runtime from', 'dataclay')
  .action(runStubs);

const ctl = program.command('ctl').description('look at and operate a running cluster');
const nsOption = () => new Option('--namespace <ns>', 'cluster namespace').env('DC_NAMESPACE').default('default');
withNatsFlags(ctl.command('backends').description('live backends with their load'))
  .addOption(nsOption())
  .action(ctlBackends);
withNatsFlags(ctl.command('objects').description('persistent objects, from the metadata'))
  .addOption(nsOption())
  .option('--backend <id>', 'only those owned by this backend')
  .option('--dataset <name>', 'only those of this dataset')
  .option('--class <name>', 'only those of this class')
  .option('--limit <n>', 'at most this many', positiveInt, 100)
  .action(ctlObjects);
withNatsFlags(ctl.command('flush <backend>').description('save and unload every object of a backend'))
  .addOption(nsOption())
  .action(ctlFlush);
withNatsFlags(ctl.command('stop <backend>').description('stop a backend cleanly'))
  .addOption(nsOption())
  .action(ctlStop);

const level = () => new Option('--public <level>', "every user's level on it").choices(['r', 'rw']);
const dataset = ctl.command('dataset').description("datasets, the access boundaries (an admin's)");
withNatsFlags(dataset.command('create <name>').description('create a dataset; its owner gets rw'))
  .addOption(nsOption())
  .option('--owner <user>', 'its owner (default: you)')
  .addOption(level())
  .action(ctlDatasetCreate);
withNatsFlags(dataset.command('delete <name>').description('delete a dataset and its grants'))
  .addOption(nsOption())
  .action(ctlDatasetDelete);
withNatsFlags(dataset.command('list').description('every dataset')).addOption(nsOption()).action(ctlDatasetList);
const grant = ctl.command('grant').description("who may use a dataset's objects (an admin's)");
withNatsFlags(grant.command('set <dataset> <user> <level>').description('r: read; rw: read and write'))
  .addOption(nsOption())
  .action((d: string, u: string, l: string, options) => {
    if (l !== 'r' && l !== 'rw') throw new InvalidOptionError('level', l, 'r or rw');
    return ctlGrantSet(d, u, l, options);
  });
withNatsFlags(grant.command('revoke <dataset> <user>').description("remove a user's grant"))
  .addOption(nsOption())
  .action(ctlGrantRevoke);
withNatsFlags(grant.command('list [dataset]').description('grants, of one dataset or all'))
  .addOption(nsOption())
  .action(ctlGrantList);

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('a positive integer is expected');
  return n;
}

try {
  await program.parseAsync();
} catch (err) {
  // our errors are for people: the message, not a stack
  if (!(err instanceof DataClayError)) throw err;
  console.error(`error: ${err.message}`);
  process.exit(1);
}
