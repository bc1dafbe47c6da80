// How to reach NATS and who to be there: options, DC_NATS_* variables and URL userinfo resolved into one settings
// object, and that into nats.js options. Secrets (password, token, nkey seed) leave this module only towards nats.js.
import { accessSync, constants, readFileSync } from 'node:fs';
import { nkeys, type NodeConnectionOptions } from '@nats-io/transport-node';
import { InvalidOptionError } from '../errors.js';
import { authenticator } from './nats-identity.js';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

/** Files for TLS: the CA that signed the server's certificate, and this side's certificate and key (mutual TLS). */
export interface NatsTlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

/**
 * How to reach NATS and authenticate there (docs/connecting.md). Each field falls back to its DC_NATS_* variable;
 * at most one way to authenticate (user/pass, token, nkey seed, creds file) may be set.
 */
export interface NatsConnectOptions {
  /** Server URL(s); a string may hold several, comma-separated. Env DC_NATS_URL. Default nats://127.0.0.1:4222. */
  servers?: string | string[];
  /** The older name of `servers`. */
  natsUrl?: string;
  /** Env DC_NATS_USER. */
  user?: string;
  /** Env DC_NATS_PASSWORD, or DC_NATS_PASSWORD_FILE (a file holding it). */
  pass?: string;
  /** Env DC_NATS_TOKEN, or DC_NATS_TOKEN_FILE. */
  token?: string;
  /** An nkey user seed (SU...). Env DC_NATS_NKEY, or DC_NATS_NKEY_FILE. */
  nkeySeed?: string;
  /** A .creds file (user JWT and seed, as `nsc` writes it). Env DC_NATS_CREDS. */
  credsFile?: string;
  /** Env DC_NATS_TLS_CA, DC_NATS_TLS_CERT, DC_NATS_TLS_KEY. */
  tls?: NatsTlsFiles;
}

/** The secret fields: what must never be printed, put in a context or passed on a command line. */
export interface NatsSecrets {
  pass?: string;
  token?: string;
  nkeySeed?: string;
}

/** Resolved settings: servers without userinfo, at most one way to authenticate, every file readable. */
export interface NatsSettings extends NatsSecrets {
  servers: string[];
  user?: string;
  credsFile?: string;
  tls?: NatsTlsFiles;
}

/** The variables a child process (a backend the harness starts) reads its settings from. */
export const NATS_ENV = {
  servers: 'DC_NATS_URL',
  user: 'DC_NATS_USER',
  pass: 'DC_NATS_PASSWORD',
  token: 'DC_NATS_TOKEN',
  nkeySeed: 'DC_NATS_NKEY',
  credsFile: 'DC_NATS_CREDS',
  ca: 'DC_NATS_TLS_CA',
  cert: 'DC_NATS_TLS_CERT',
  key: 'DC_NATS_TLS_KEY',
} as const;

const EXPECTED_URL = 'NATS server URLs (nats://host:port or host:port), comma-separated';

/** Options first, then URL userinfo, then the environment, field by field; throws InvalidOptionError. */
export function resolveNatsSettings(options: NatsConnectOptions = {}, processEnv = process.env): NatsSettings {
  // a variable set to '' is unset (an `export DC_NATS_TOKEN=` must not count as a way to authenticate)
  const env = Object.fromEntries(Object.entries(processEnv).filter(([, v]) => v !== '')) as NodeJS.ProcessEnv;
  const fromOptions = parseServers(options.servers ?? options.natsUrl);
  const fromEnv = parseServers(env.DC_NATS_URL);
  const urlAuth = fromOptions?.auth ?? (fromOptions ? undefined : fromEnv?.auth);
  const settings: NatsSettings = {
    servers: fromOptions?.servers ?? fromEnv?.servers ?? [DEFAULT_NATS_URL],
    user: options.user ?? urlAuth?.user ?? env.DC_NATS_USER,
    pass: options.pass ?? urlAuth?.pass ?? envSecret(env, 'DC_NATS_PASSWORD'),
    token: options.token ?? urlAuth?.token ?? envSecret(env, 'DC_NATS_TOKEN'),
    nkeySeed: options.nkeySeed ?? envSecret(env, 'DC_NATS_NKEY'),
    credsFile: options.credsFile ?? env.DC_NATS_CREDS,
  };
  const tls = {
    ca: options.tls?.ca ?? env.DC_NATS_TLS_CA,
    cert: options.tls?.cert ?? env.DC_NATS_TLS_CERT,
    key: options.tls?.key ?? env.DC_NATS_TLS_KEY,
  };
  if (tls.ca || tls.cert || tls.key) settings.tls = tls;
  check(settings);
  return withoutUndefined(settings);
}

/** nats.js options for these settings. The initial connect tries each server once and fails fast (nats.js drops a
 * server that fails before the first connection); once connected, reconnects never give up. */
export function connectionOptions(settings: NatsSettings, name: string): NodeConnectionOptions {
  const { tls } = settings;
  return {
    servers: settings.servers,
    name,
    noAsyncTraces: true,
    waitOnFirstConnect: false,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    authenticator: authenticator(settings),
    ...(tls && { tls: { caFile: tls.ca, certFile: tls.cert, keyFile: tls.key } }),
  };
}

/** The settings without their secrets: what a context, a log line or a message may show. */
export function publicSettings(settings: NatsSettings): Omit<NatsSettings, keyof NatsSecrets> {
  const { pass: _p, token: _t, nkeySeed: _n, ...rest } = settings;
  return rest;
}

export function secretsOf(settings: NatsSettings): NatsSecrets | undefined {
  const { pass, token, nkeySeed } = settings;
  return pass || token || nkeySeed ? withoutUndefined({ pass, token, nkeySeed }) : undefined;
}

/** The environment for a child process connecting with these settings (never its command line). */
export function natsEnv(settings: NatsSettings): Record<string, string> {
  const env: Record<string, string> = { [NATS_ENV.servers]: settings.servers.join(',') };
  for (const field of ['user', 'pass', 'token', 'nkeySeed', 'credsFile'] as const) {
    const value = settings[field];
    if (value !== undefined) env[NATS_ENV[field]] = value;
  }
  for (const field of ['ca', 'cert', 'key'] as const) {
    const value = settings.tls?.[field];
    if (value !== undefined) env[NATS_ENV[field]] = value;
  }
  return env;
}

/** A server URL as it may be printed: any userinfo replaced by `***`. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@]*@/i, (_m, scheme: string | undefined) => `${scheme ?? ''}***@`);
}

/** Reads a secret from a file (a CLI flag or a *_FILE variable points at it), without its trailing newline. */
export function readSecretFile(option: string, file: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new InvalidOptionError(option, file, 'a readable file', { cause: err });
  }
}

interface UrlAuth {
  user?: string;
  pass?: string;
  token?: string;
}

function parseServers(value: string | string[] | undefined): { servers: string[]; auth?: UrlAuth } | undefined {
  if (value === undefined) return undefined;
  const list = (Array.isArray(value) ? value : [value]).flatMap((s) => s.split(',')).map((s) => s.trim());
  const shown = list.map(redactUrl).join(',');
  if (list.length === 0 || list.some((s) => s === '')) throw new InvalidOptionError('servers', shown, EXPECTED_URL);
  let auth: UrlAuth | undefined;
  const servers = list.map((s) => {
    let url: URL;
    try {
      url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `nats://${s}`);
    } catch (err) {
      throw new InvalidOptionError('servers', shown, EXPECTED_URL, { cause: redactedCause(err, shown) });
    }
    if ((url.protocol !== 'nats:' && url.protocol !== 'tls:') || url.hostname === '') {
      throw new InvalidOptionError('servers', shown, EXPECTED_URL);
    }
    // nats://user:pass@host, or nats://token@host (the nats.go convention); nats.js itself ignores userinfo
    if (url.username && !auth) {
      const user = decodeURIComponent(url.username);
      auth = url.password ? { user, pass: decodeURIComponent(url.password) } : { token: user };
    }
    return `${url.protocol}//${url.host}`;
  });
  return { servers, auth };
}

/** Node's URL error carries the whole input (`input`): keep the error as the cause, not the credentials in it. */
function redactedCause(err: unknown, shown: string): unknown {
  if (err && typeof err === 'object' && 'input' in err) (err as { input: unknown }).input = shown;
  return err;
}

function envSecret(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const file = env[`${name}_FILE`];
  return env[name] ?? (file ? readSecretFile(`${name}_FILE`, file) : undefined);
}

function check(s: NatsSettings): void {
  const ways = [s.user !== undefined && 'user', s.token !== undefined && 'token', s.nkeySeed && 'nkeySeed'];
  const chosen = [...ways, s.credsFile && 'credsFile'].filter((w): w is string => typeof w === 'string');
  if (chosen.length > 1) {
    throw new InvalidOptionError('auth', chosen.join(' and '), 'one of user/pass, token, nkeySeed or credsFile');
  }
  if (s.pass !== undefined && s.user === undefined) {
    throw new InvalidOptionError('user', undefined, 'set with pass (option user, env DC_NATS_USER)');
  }
  if (s.nkeySeed !== undefined && !validUserSeed(s.nkeySeed)) {
    throw new InvalidOptionError('nkeySeed', '<redacted>', 'an nkey user seed (SU...)');
  }
  if (s.credsFile !== undefined) readable('credsFile', s.credsFile);
  if (s.tls) {
    for (const field of ['ca', 'cert', 'key'] as const) {
      const file = s.tls[field];
      if (file !== undefined) readable(`tls.${field}`, file);
    }
    if (!s.tls.cert !== !s.tls.key) {
      throw new InvalidOptionError(s.tls.cert ? 'tls.key' : 'tls.cert', undefined, 'set with the other (mutual TLS)');
    }
  }
}

function validUserSeed(seed: string): boolean {
  try {
    return nkeys.fromSeed(new TextEncoder().encode(seed)).getPublicKey().startsWith('U');
  } catch {
    return false;
  }
}

function readable(option: string, file: string): void {
  try {
    accessSync(file, constants.R_OK);
  } catch (err) {
    throw new InvalidOptionError(option, file, 'a readable file', { cause: err });
  }
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
