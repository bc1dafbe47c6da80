// The NATS connection flags every command that connects takes. Secrets come from files or the environment, never
// from a flag's value: a command line is visible to every user of the machine (ps, /proc/<pid>/cmdline).
import { type Command, Option } from 'commander';
import { type NatsConnectOptions, readSecretFile } from '../messaging/connect-options.js';

export interface NatsFlags {
  nats?: string;
  natsUser?: string;
  natsPasswordFile?: string;
  natsTokenFile?: string;
  natsNkeyFile?: string;
  natsCreds?: string;
  natsTlsCa?: string;
  natsTlsCert?: string;
  natsTlsKey?: string;
}

const FLAGS: [flags: string, description: string, env: string][] = [
  ['--nats <urls>', 'NATS server URL(s), comma-separated (default nats://127.0.0.1:4222)', 'DC_NATS_URL'],
  ['--nats-user <name>', 'NATS user (its password from --nats-password-file)', 'DC_NATS_USER'],
  ['--nats-password-file <file>', 'file holding the NATS password', 'DC_NATS_PASSWORD_FILE'],
  ['--nats-token-file <file>', 'file holding a NATS token', 'DC_NATS_TOKEN_FILE'],
  ['--nats-nkey-file <file>', 'file holding an nkey user seed (SU...)', 'DC_NATS_NKEY_FILE'],
  ['--nats-creds <file>', 'NATS credentials file (user JWT and seed)', 'DC_NATS_CREDS'],
  ['--nats-tls-ca <file>', 'CA certificate that signed the server certificate', 'DC_NATS_TLS_CA'],
  ['--nats-tls-cert <file>', 'client certificate, for mutual TLS', 'DC_NATS_TLS_CERT'],
  ['--nats-tls-key <file>', 'client key, for mutual TLS', 'DC_NATS_TLS_KEY'],
];

/** Adds the connection flags to `command`; DC_NATS_PASSWORD, DC_NATS_TOKEN and DC_NATS_NKEY are read as well. */
export function withNatsFlags(command: Command): Command {
  for (const [flags, description, env] of FLAGS) command.addOption(new Option(flags, description).env(env));
  return command;
}

/** The flags as connect options; whatever they leave unset falls back to the DC_NATS_* variables. */
export function natsOptionsFrom(flags: NatsFlags): NatsConnectOptions {
  const secret = (option: string, file: string | undefined) => (file ? readSecretFile(option, file) : undefined);
  // an empty flag (or the empty variable behind it) is unset
  const tls = {
    ca: flags.natsTlsCa || undefined,
    cert: flags.natsTlsCert || undefined,
    key: flags.natsTlsKey || undefined,
  };
  return {
    servers: flags.nats || undefined,
    user: flags.natsUser || undefined,
    pass: secret('--nats-password-file', flags.natsPasswordFile),
    token: secret('--nats-token-file', flags.natsTokenFile),
    nkeySeed: secret('--nats-nkey-file', flags.natsNkeyFile),
    credsFile: flags.natsCreds || undefined,
    tls: tls.ca || tls.cert || tls.key ? tls : undefined,
  };
}
