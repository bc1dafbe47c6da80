// `dataclay doctor [dir]`: checks a project's setup and the NATS it would use, says what to fix, and exits 1 when
// something must be fixed (warnings alone exit 0).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { DataClayError } from '../errors.js';
import { resolveNatsSettings } from '../messaging/connect-options.js';
import { connectNats } from '../messaging/connection.js';
import { checkNode, checkPackage, checkToolchain, type Finding, typescriptUsable } from './doctor-checks.js';
import { checkTsconfig } from './doctor-tsconfig.js';
import { type NatsFlags, natsOptionsFrom } from './nats-flags.js';

export interface DoctorOptions extends NatsFlags {
  /** Skip the checks that need a running NATS. */
  offline?: boolean;
  /** Only what a build needs (Node, TypeScript, ts-patch), silent when it is right: a `prebuild` script. */
  toolchain?: boolean;
}

function checkNatsServerBinary(): Finding {
  const run = spawnSync('nats-server', ['--version'], { encoding: 'utf8' });
  if (run.status === 0) return { status: 'ok', what: `${run.stdout.trim()} on the PATH (for dataclay dev)` };
  return {
    status: 'warn',
    what: 'no nats-server on the PATH',
    fix:
      '`dataclay dev` needs it: apt-get install nats-server (Debian/Ubuntu), brew install nats-server (macOS), or ' +
      'the official binaries',
  };
}

/** Reachable with the DC_NATS_* settings (or the flags), and with JetStream, which the metadata lives in. */
async function checkNats(flags: NatsFlags): Promise<Finding[]> {
  const settings = resolveNatsSettings(natsOptionsFrom(flags));
  const where = settings.servers.join(',');
  try {
    const nc = await connectNats(settings, 'dataclay-doctor');
    try {
      const found: Finding = { status: 'ok', what: `NATS at ${nc.getServer()}: connected` };
      const jetstream: Finding = nc.info?.jetstream
        ? { status: 'ok', what: 'JetStream: on' }
        : { status: 'fail', what: 'JetStream: off', fix: 'start nats-server with -js (dataclay dev does)' };
      return [found, jetstream];
    } finally {
      await nc.close();
    }
  } catch (err) {
    if (!(err instanceof DataClayError)) throw err;
    const fix = `${err.message.replace(/\.$/, '')}, or export the DC_NATS_* lines \`dataclay dev\` prints (--offline skips this check)`;
    return [{ status: 'fail', what: `NATS at ${where}: not reachable`, fix }];
  }
}

const MARK = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;

/**
 * `dataclay doctor --toolchain`, run before tspc by an app's `prebuild` script: under TypeScript 7, tspc dies in
 * ts-patch's own start (it reads `ts.NewLineKind.LineFeed`, which TypeScript 7 does not have) before it loads any
 * plugin, so the transformer never gets to say what is wrong. This says it first, and stops the build.
 */
function runToolchainCheck(dir: string): void {
  const findings = [checkNode(), ...checkToolchain(dir)].filter((f) => f.status !== 'ok');
  for (const f of findings) console.error(`[dataclay] ${f.what}: ${f.fix}`);
  if (findings.some((f) => f.status === 'fail')) process.exitCode = 1;
}

export async function runDoctor(dirArg: string | undefined, options: DoctorOptions): Promise<void> {
  const dir = path.resolve(dirArg ?? '.');
  if (options.toolchain) return runToolchainCheck(dir);
  const findings = [
    checkNode(),
    ...checkPackage(dir),
    ...checkTsconfig(dir, typescriptUsable(dir)),
    checkNatsServerBinary(),
    ...(options.offline ? [] : await checkNats(options)),
  ];
  console.log(`dataclay doctor: ${dir}`);
  for (const f of findings) console.log(`  ${MARK[f.status]}  ${f.what}${f.fix ? `\n          ${f.fix}` : ''}`);
  const problems = findings.filter((f) => f.status === 'fail').length;
  const warnings = findings.filter((f) => f.status === 'warn').length;
  console.log(problems ? `${problems} to fix, ${warnings} warnings` : `all good (${warnings} warnings)`);
  if (problems) process.exitCode = 1;
}
