// The users of a nats-server, kept beside its config (docs/security.md): `users.json` is the source (each identity's
// role and password or bcrypt hash), `users.conf` its rendering as the `authorization` block that the config
// includes. nats-server 2.9 reads users only from its config, so changing one is rewriting these files (temp file +
// rename: the server never reads half a file) and signalling the server to reload.
import { randomBytes } from 'node:crypto';
import { openSync, closeSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsersFileError } from '../errors.js';
import { isAlive } from '../processes.js';
import { authorizationBlock, type NatsUser } from './server-config.js';

export interface UsersDocument {
  /** The namespaces every permission names. */
  namespaces: string[];
  users: NatsUser[];
}

export const USERS_JSON = 'users.json';
export const USERS_CONF = 'users.conf';
/** What a config says to read the users from `users.conf` beside it. */
export const INCLUDE_USERS = `include "${USERS_CONF}"`;

const LOCK_WAIT_MS = 10_000;

export class UsersFile {
  private constructor(
    readonly dir: string,
    /** The nats-server's pid file, as its config names it. */
    readonly pidFile: string | undefined,
  ) {}

  /** The users of the server run with `configFile`, which must include `users.conf`. */
  static forConfig(configFile: string): UsersFile {
    const text = readOrFail(configFile);
    if (!text.split('\n').some((line) => line.trim().replace(/'/g, '"') === INCLUDE_USERS)) {
      throw new UsersFileError(configFile, `does not read its users from ${USERS_CONF}: add the line ${INCLUDE_USERS}`);
    }
    const pid = /^\s*pid_file\s*[:=]\s*"?([^"\n]+?)"?\s*$/m.exec(text)?.[1];
    const dir = path.dirname(path.resolve(configFile));
    return new UsersFile(dir, pid === undefined ? undefined : path.resolve(dir, pid));
  }

  /** Writes a first users document into `dir` (a config made by dataClay, e.g. the dev cluster's). */
  static create(dir: string, doc: UsersDocument, pidFile?: string): UsersFile {
    const file = new UsersFile(dir, pidFile);
    file.write(doc);
    return file;
  }

  get jsonPath(): string {
    return path.join(this.dir, USERS_JSON);
  }

  get confPath(): string {
    return path.join(this.dir, USERS_CONF);
  }

  read(): UsersDocument {
    const text = readOrFail(this.jsonPath);
    try {
      const doc = JSON.parse(text) as UsersDocument;
      if (!Array.isArray(doc.namespaces) || !Array.isArray(doc.users)) throw new Error('namespaces and users expected');
      return doc;
    } catch (err) {
      throw new UsersFileError(this.jsonPath, `not a users document: ${(err as Error).message}`, { cause: err });
    }
  }

  /** The source first, then what the server reads; each replaced whole, never rewritten in place. */
  write(doc: UsersDocument): void {
    const conf = `${authorizationBlock(doc.users, doc.namespaces)}\n`;
    replaceFile(this.jsonPath, `${JSON.stringify(doc, null, 2)}\n`);
    replaceFile(this.confPath, conf);
  }

  /** Runs a read-modify-write with the lock held: two `ctl user` commands never lose each other's change. */
  async update<T>(change: (doc: UsersDocument) => T | Promise<T>): Promise<T> {
    const release = await this.lock();
    try {
      const doc = this.read();
      const result = await change(doc);
      this.write(doc);
      return result;
    } finally {
      release();
    }
  }

  private async lock(): Promise<() => void> {
    const file = path.join(this.dir, 'users.lock');
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const fd = openSync(file, 'wx', 0o600);
        writeFileSync(fd, String(process.pid));
        closeSync(fd);
        return () => rmSync(file, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fileError(file, err);
        const holder = Number(readFileSync(file, 'utf8'));
        if (!isAlive(holder))
          rmSync(file, { force: true }); // left by a command that died
        else if (Date.now() > deadline) throw new UsersFileError(file, `locked by process ${holder}`);
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }
}

function readOrFail(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw fileError(file, err);
  }
}

/** Mode 0600 from the start: the temp file is never readable by others either. */
function replaceFile(file: string, text: string): void {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, text, { mode: 0o600, flag: 'wx' });
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw fileError(file, err);
  }
}

function fileError(file: string, err: unknown): UsersFileError {
  const code = (err as NodeJS.ErrnoException).code;
  const reason =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied (user management is for whoever may write the server config: its operator)'
      : code === 'ENOENT'
        ? 'no such file'
        : (err as Error).message;
  return new UsersFileError(file, reason, { cause: err });
}

/** Tells the nats-server of `pidFile` to read its config again (SIGHUP, what `nats-server --signal reload` sends). */
export function signalReload(pidFile: string | undefined, configFile: string): void {
  if (pidFile === undefined) {
    throw new UsersFileError(configFile, 'names no pid_file, so the server cannot be told to reload');
  }
  const pid = Number(readOrFail(pidFile).trim());
  try {
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no pid in it`);
    process.kill(pid, 'SIGHUP');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ESRCH' ? `no nats-server with pid ${pid} runs` : (err as Error).message;
    throw new UsersFileError(pidFile, reason, { cause: err });
  }
}
