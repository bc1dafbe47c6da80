// Which TypeScript the transformer can run under. Kept free of imports so `dataclay doctor` can ask the same rule
// without loading the compiler.

/** The TypeScript line the package is built and tested with (its peer range). */
export const SUPPORTED_TYPESCRIPT = '5.9.x';
export const SUPPORTED_TS_PATCH = '3.3.x';
const INSTALL = 'npm install --save-dev typescript@5.9.3 ts-patch@3.3.0';

export interface Verdict {
  ok: boolean;
  /** What is wrong and how to fix it; absent when the version is the supported one. */
  message?: string;
}

function majorMinor(version: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** ok: the transformer runs (5.x, 6.x); a message also for a version it is not tested with. */
export function typescriptVerdict(version: string | undefined): Verdict {
  const v = version === undefined ? undefined : majorMinor(version);
  if (!v) return { ok: false, message: `TypeScript is not installed: ${INSTALL}` };
  const [major, minor] = v;
  if (major >= 7) {
    return {
      ok: false,
      message:
        `TypeScript ${version} has no compiler API for transformers (the Go port), so the dataclay transformer ` +
        `cannot run; dataclay needs TypeScript ${SUPPORTED_TYPESCRIPT}: ${INSTALL}`,
    };
  }
  if (major === 5 && minor === 9) return { ok: true };
  if (major < 5) return { ok: false, message: `TypeScript ${version} is too old: ${INSTALL}` };
  return { ok: true, message: `TypeScript ${version} is not the tested ${SUPPORTED_TYPESCRIPT}: ${INSTALL}` };
}

export function tsPatchVerdict(version: string | undefined): Verdict {
  const v = version === undefined ? undefined : majorMinor(version);
  if (!v) return { ok: false, message: `ts-patch is not installed (it provides tspc): ${INSTALL}` };
  if (v[0] === 3 && v[1] === 3) return { ok: true };
  if (v[0] >= 4) {
    return {
      ok: false,
      message: `ts-patch ${version} needs Node 22.15 or newer and TypeScript 6; use ts-patch ${SUPPORTED_TS_PATCH}: ${INSTALL}`,
    };
  }
  return { ok: false, message: `ts-patch ${version} does not support TypeScript 5.9: ${INSTALL}` };
}
