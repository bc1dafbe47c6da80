#!/usr/bin/env node
// The `dataclay` command: run a backend, or a whole dev cluster.
import { Command, Option } from 'commander';
import { InvalidOptionError } from '../errors.js';
import { runBackend } from './backend-command.js';
import { runConsole } from './console-command.js';
import { runDev } from './dev-command.js';
import { runDoctor } from './doctor-command.js';
import { runInit } from './init-command.js';
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
import { ctlDrain, ctlGc, ctlRebalance } from './lifecycle-command.js';
import { runStubs } from './stubs-command.js';
import { addUserCommands } from './user-command.js';
import { withNatsFlags } from './nats-flags.js';
import { fail } from './failure.js';
import { count, milliseconds, port, positiveInt } from './numbers.js';
import { packageVersion } from './version.js';

const program = new Command('dataclay')
  .description('dataClay for TypeScript: persistent active objects over NATS')
  .version(packageVersion(), '-V, --version', 'print the version of dataclay')
  .option('--verbose', 'on a failure, print the stack and its causes (also: DEBUG set)');

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
    new Option('--gc-interval <seconds>', 'run a garbage collection of the cluster this often (docs/lifecycle.md)')
      .argParser(positiveInt)
      .env('DC_GC_INTERVAL'),
  )
  .addOption(
    new Option('--metrics-port <port>', 'serve Prometheus metrics on this port (0: any free port)')
      .argParser(port)
      .env('DC_METRICS_PORT'),
  )
  .addOption(
    new Option('--metrics-host <address>', 'address the metrics listen on (default 127.0.0.1; 0.0.0.0: all)').env(
      'DC_METRICS_HOST',
    ),
  )
  .addOption(new Option('--namespace <ns>', 'cluster namespace on this NATS').env('DC_NAMESPACE').default('default'))
  .addOption(
    new Option('--datasets <policy>', 'datasets as access boundaries (default: strict with a NATS user, else off)')
      .choices(['strict', 'open', 'off'])
      .env('DC_DATASETS'),
  )
  .addOption(
    new Option(
      '--otel-module <file>',
      'module that registers an OpenTelemetry SDK (traces; docs/observability.md)',
    ).env('DC_OTEL_MODULE'),
  )
  .addOption(
    new Option(
      '--metadata-replicas <n>',
      'replicas of the metadata buckets (default: 3 on a NATS cluster of 3+, else 1)',
    )
      .argParser(positiveInt)
      .env('DC_METADATA_REPLICAS'),
  )
  .addOption(
    new Option('--backups <n>', 'durable copies of every object it masters on other backends (docs/failover.md)')
      .argParser(count)
      .env('DC_BACKUPS'),
  )
  .action(runBackend);

program
  .command('dev')
  .description('start nats-server and N backends for development; Ctrl-C stops everything')
  .requiredOption('--models <files...>', 'compiled model modules (JS) the backends load')
  .option('--backends <n>', 'number of backends', count, 3)
  .addOption(new Option('--namespace <ns>', 'cluster namespace').default('default'))
  .option('--nats-user <name>', 'name of the admin user (default admin; with --nats-password-file)')
  .option('--nats-password-file <file>', "file holding the admin's password (default: a random one)")
  .option('--nats-token-file <file>', 'one token for everyone instead of users: authenticates, confines nobody')
  .option('--insecure', 'an open nats-server: whoever reaches it may do anything (default: users, docs/security.md)')
  .option('--console', 'also serve the web console on 127.0.0.1 (docs/observability.md)')
  .option('--console-port <port>', 'its port (default: any free port)', port)
  .option('--nats-cluster <n>', 'a JetStream cluster of n nats-servers on loopback instead of one', positiveInt)
  .option(
    '--metadata-replicas <n>',
    'replicas of the metadata buckets (default: 3 on a cluster of 3+, else 1)',
    positiveInt,
  )
  .action(runDev);

withNatsFlags(
  program.command('console').description('the web console of a running cluster, as its admin, on 127.0.0.1'),
)
  .addOption(new Option('--namespace <ns>', 'cluster namespace').env('DC_NAMESPACE').default('default'))
  .option('--port <port>', 'port to serve on (default: any free port)', port)
  .action(runConsole);

withNatsFlags(program.command('stubs').description('write typed TypeScript stubs for the classes of a running cluster'))
  .addOption(new Option('--namespace <ns>', 'cluster namespace').env('DC_NAMESPACE').default('default'))
  .requiredOption('--out <dir>', 'directory to write index.ts into')
  .option('--class <names...>', 'only these classes (default: every class the backends have)')
  .option('--import <module>', 'module the stubs import the runtime from', 'dataclay')
  .action(runStubs);

program
  .command('init [dir]')
  .description('scaffold an app that uses dataclay: model, client, tests, scripts (default dir: the current one)')
  .action(runInit);
withNatsFlags(program.command('doctor [dir]').description("check a project's setup and its NATS; say what to fix"))
  .option('--offline', 'skip the checks that need a running NATS')
  .option('--toolchain', 'only Node, TypeScript and ts-patch, silent when right (for a prebuild script)')
  .action(runDoctor);

const ctl = program.command('ctl').description('look at and operate a running cluster');
const nsOption = () => new Option('--namespace <ns>', 'cluster namespace').env('DC_NAMESPACE').default('default');
const timeoutOption = () =>
  new Option('--timeout <ms>', 'how long to wait for each answer').argParser(milliseconds).default(10_000);
const jsonOption = () => new Option('--json', 'print JSON (one array) instead of a table');
withNatsFlags(ctl.command('backends').description('live backends with their load'))
  .addOption(nsOption())
  .addOption(jsonOption())
  .action(ctlBackends);
withNatsFlags(ctl.command('objects').description('persistent objects, from the metadata'))
  .addOption(nsOption())
  .option('--backend <id>', 'only those owned by this backend')
  .option('--dataset <name>', 'only those of this dataset')
  .option('--class <name>', 'only those of this class')
  .option('--limit <n>', 'at most this many', positiveInt, 100)
  .option('--cursor <cursor>', 'continue a listing where the previous one ended (it prints the cursor)')
  .addOption(jsonOption())
  .action(ctlObjects);
withNatsFlags(ctl.command('flush <backends...>').description('save and unload every object of these backends'))
  .addOption(nsOption())
  .action(ctlFlush);
withNatsFlags(ctl.command('stop <backends...>').description('stop backends cleanly; returns once they have stopped'))
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
withNatsFlags(dataset.command('list').description('every dataset'))
  .addOption(nsOption())
  .addOption(jsonOption())
  .action(ctlDatasetList);
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
  .addOption(jsonOption())
  .action(ctlGrantList);

const longTimeout = (what: string, ms: number) =>
  new Option('--timeout <ms>', `how long the ${what} may take`).argParser(milliseconds).default(ms);
withNatsFlags(
  ctl.command('gc').description('delete the objects no alias reaches and no call runs on (docs/lifecycle.md)'),
)
  .option('--dry-run', 'list the unreachable objects, delete nothing')
  .addOption(longTimeout('collection', 600_000))
  .action(ctlGc);
withNatsFlags(
  ctl.command('drain <backend>').description('move every object off a backend, then stop it (docs/lifecycle.md)'),
)
  .option('--keep-running', 'leave the drained backend running')
  .addOption(longTimeout('drain', 3_600_000))
  .action(ctlDrain);
withNatsFlags(ctl.command('rebalance').description('even the objects per backend with moves (docs/lifecycle.md)'))
  .option('--in-flight <n>', 'move requests at once', positiveInt, 4)
  .addOption(longTimeout('rebalance', 3_600_000))
  .action(ctlRebalance);
addUserCommands(ctl);

// every ctl command takes a namespace and a timeout
for (const command of ctl.commands.flatMap((c) => (c.commands.length > 0 ? c.commands : [c]))) {
  const has = (flag: string) => command.options.some((o) => o.long === flag);
  if (!has('--namespace')) command.addOption(nsOption());
  if (!has('--timeout')) command.addOption(timeoutOption());
}

await program.parseAsync().catch(fail);
