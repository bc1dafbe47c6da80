// `dataclay ctl user add|passwd|remove|list`: the users of a nats-server, in the users file its config includes
// (docs/security.md). Whoever may write that file is the operator: there is no NATS-side path to it (nats-server 2.9
// has no auth callout). Passwords come from a file or stdin, or are generated; never from the command line.
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { AuthenticationError, InvalidOptionError, NatsConnectionError, UsersFileError } from '../errors.js';
import { readSecretFile, resolveNatsSettings } from '../messaging/connect-options.js';
import { connectNats } from '../messaging/connection.js';
import type { Role } from '../protocol/operation.js';
import { UserAdmin } from '../security/user-admin.js';
import { signalReload, UsersFile } from '../security/users-file.js';
import { table } from './table.js';

interface UserFlags {
  natsConfig?: string;
  reload: boolean;
  nats?: string;
  natsTlsCa?: string;
}

interface PasswordFlags extends UserFlags {
  passwordFile?: string;
  passwordStdin?: boolean;
  passwordOut?: string;
  bcryptCost?: number;
}

interface AddFlags extends PasswordFlags {
  role: Role;
  backendId?: string;
}

const CONFIRM_MS = 30_000;

/** Adds `ctl user ...` to the ctl command. */
export function addUserCommands(ctl: Command): void {
  const user = ctl.command('user').description("the nats-server's users (the operator's: needs its config file)");
  const common = (command: Command) =>
    command
      .addOption(
        new Option('--nats-config <file>', 'the nats-server config (default: $DC_DEV_DIR/nats/nats-server.conf)').env(
          'DC_NATS_CONFIG',
        ),
      )
      .option('--no-reload', 'only rewrite the users file; do not signal the server')
      .addOption(new Option('--nats <urls>', 'check that the server accepts the new password').env('DC_NATS_URL'))
      .addOption(new Option('--nats-tls-ca <file>', 'the CA of that check').env('DC_NATS_TLS_CA'));
  const password = (command: Command) =>
    common(command)
      .option('--password-file <file>', 'read the password from this file (default: a generated one)')
      .option('--password-stdin', 'read the password from standard input')
      .option('--password-out <file>', 'write the generated password to this file (0600) instead of printing it')
      .option('--bcrypt-cost <n>', 'bcrypt cost of the stored hash', cost, 11);
  password(user.command('add <name>').description('add a user (no grants yet: see ctl grant)'))
    .addOption(new Option('--role <role>', 'its role').choices(['client', 'admin', 'backend']).default('client'))
    .option('--backend-id <id>', 'a backend user serving only this backend')
    .action(userAdd);
  password(user.command('passwd <name>').description('set a new password: the old one stops working')).action(
    userPasswd,
  );
  common(user.command('remove <name>').description('remove a user: its connections close')).action(userRemove);
  common(user.command('list').description('the users and their roles')).action(userList);
}

async function userAdd(name: string, flags: AddFlags): Promise<void> {
  const { admin, reload } = adminFor(flags);
  const given = await givenPassword(flags);
  const pass = await admin.add(name, {
    role: flags.role,
    backendId: flags.backendId,
    password: given,
    cost: flags.bcryptCost,
  });
  console.log(`user ${name}: added (${flags.role})`);
  await reported(name, pass, given === undefined, flags, reload);
}

async function userPasswd(name: string, flags: PasswordFlags): Promise<void> {
  const { admin, reload } = adminFor(flags);
  const given = await givenPassword(flags);
  const pass = await admin.passwd(name, { password: given, cost: flags.bcryptCost });
  console.log(`user ${name}: new password set`);
  await reported(name, pass, given === undefined, flags, reload);
}

async function userRemove(name: string, flags: UserFlags): Promise<void> {
  const { admin, reload } = adminFor(flags);
  await admin.remove(name);
  console.log(`user ${name}: removed${reload ? ', server reloaded' : ''} (its grants stay: ctl grant revoke)`);
}

function userList(flags: UserFlags): void {
  const { admin } = adminFor(flags);
  const rows = admin.list().map((u) => [u.name, u.role, u.credential, u.backendId ?? '-']);
  console.log(table(['USER', 'ROLE', 'CREDENTIAL', 'BACKEND'], rows));
}

function adminFor(flags: UserFlags): { admin: UserAdmin; reload: boolean } {
  const config = configFile(flags);
  const file = UsersFile.forConfig(config);
  const reload = flags.reload;
  return { admin: new UserAdmin(file, () => (reload ? signalReload(file.pidFile, config) : undefined)), reload };
}

function configFile(flags: UserFlags): string {
  if (flags.natsConfig) return flags.natsConfig;
  const dev = process.env.DC_DEV_DIR;
  if (dev) return path.join(dev, 'nats', 'nats-server.conf');
  throw new InvalidOptionError(
    '--nats-config',
    undefined,
    "the nats-server config file (or DC_DEV_DIR, a dev cluster's directory)",
  );
}

async function givenPassword(flags: PasswordFlags): Promise<string | undefined> {
  if (flags.passwordFile && flags.passwordStdin) {
    throw new InvalidOptionError('--password-stdin', true, 'not given with --password-file');
  }
  if ((flags.passwordFile || flags.passwordStdin) && flags.passwordOut) {
    throw new InvalidOptionError('--password-out', flags.passwordOut, 'given only for a generated password');
  }
  if (flags.passwordFile) return readSecretFile('--password-file', flags.passwordFile);
  if (flags.passwordStdin) return (await readStdin()).replace(/\r?\n$/, '');
  return undefined;
}

/** A generated password is shown once (or written to its file); then, if asked, the server is seen to accept it. */
async function reported(name: string, pass: string, generated: boolean, flags: PasswordFlags, reloaded: boolean) {
  if (generated && flags.passwordOut) {
    writeFileSync(flags.passwordOut, `${pass}\n`, { mode: 0o600 });
    chmodSync(flags.passwordOut, 0o600); // a file that existed keeps its mode otherwise
    console.log(`  password written to ${flags.passwordOut}`);
  } else if (generated) {
    console.log(`  password (shown once): ${pass}`);
  }
  if (!reloaded) return console.log('  not reloaded: the server still has the previous users');
  if (!flags.nats) return console.log('  server told to reload');
  await accepted(name, pass, flags);
  console.log(`  the server accepts ${name}'s new password`);
}

/** Connects as the user until the server accepts the password: the reload is asynchronous. */
async function accepted(user: string, pass: string, flags: UserFlags): Promise<void> {
  const tls = flags.natsTlsCa ? { ca: flags.natsTlsCa } : undefined;
  const settings = resolveNatsSettings({ servers: flags.nats, user, pass, tls }, {});
  const deadline = Date.now() + CONFIRM_MS;
  for (;;) {
    try {
      await (await connectNats(settings, 'dataclay-ctl-user')).close();
      return;
    } catch (err) {
      // not reloaded yet, or a loaded machine slow to answer: both pass
      const transient = err instanceof AuthenticationError || err instanceof NatsConnectionError;
      if (!transient || Date.now() > deadline) {
        throw new UsersFileError(
          flags.natsConfig ?? 'the users file',
          `the server did not take it: ${(err as Error).message}`,
          { cause: err },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.once('error', reject);
  });
}

function cost(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 4 || n > 31) throw new InvalidArgumentError('a bcrypt cost from 4 to 31');
  return n;
}
