// Numeric flags, checked: `--backends abc` is an error, not NaN or 0 backends.
import { InvalidArgumentError } from 'commander';

function integer(value: string, min: number, max: number, expected: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${expected} is expected`);
  return n;
}

/** 1, 2, 3 ... */
export function positiveInt(value: string): number {
  return integer(value, 1, Number.MAX_SAFE_INTEGER, 'a positive integer');
}

/** 0, 1, 2 ... */
export function count(value: string): number {
  return integer(value, 0, Number.MAX_SAFE_INTEGER, 'a whole number (0 or more)');
}

/** A TCP port, 0 for any free one. */
export function port(value: string): number {
  return integer(value, 0, 65_535, 'a port number from 0 (any free port) to 65535');
}

/** Milliseconds, at least 1. */
export function milliseconds(value: string): number {
  return integer(value, 1, 2_147_483_647, 'a duration in milliseconds (a positive integer)');
}
