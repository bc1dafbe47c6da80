// The CLI's small parts: numeric flags, short class names, what a failure prints.
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, NatsConnectionError } from '../../src/index.js';
import { resolveClassName } from '../../src/cli/class-names.js';
import { describeFailure } from '../../src/cli/failure.js';
import { count, milliseconds, port, positiveInt } from '../../src/cli/numbers.js';

describe('numeric flags', () => {
  it('take whole numbers in range and refuse the rest', () => {
    expect(count('0')).toBe(0);
    expect(count('3')).toBe(3);
    expect(positiveInt('100')).toBe(100);
    expect(port('0')).toBe(0);
    expect(port('65535')).toBe(65535);
    expect(milliseconds('250')).toBe(250);
    for (const [parse, bad] of [
      [count, 'abc'],
      [count, ''],
      [count, '-1'],
      [count, '1.5'],
      [count, '1e3'],
      [positiveInt, '0'],
      [port, '65536'],
      [port, '80x'],
      [milliseconds, '0'],
    ] as const) {
      expect(() => parse(bad), `${parse.name}(${bad})`).toThrow(InvalidArgumentError);
    }
  });
});

describe('short class names', () => {
  const known = ['src/model.BankAccount', 'src/model.Bank', 'lib/a.Point', 'lib/b.Point'];
  it('a full name, or a short one that names one class', () => {
    expect(resolveClassName('src/model.Bank', known)).toBe('src/model.Bank');
    expect(resolveClassName('BankAccount', known)).toBe('src/model.BankAccount');
    expect(resolveClassName('Bank', known)).toBe('src/model.Bank'); // not BankAccount: the whole last part
  });
  it('an ambiguous or unknown one is an error naming the candidates', () => {
    const ambiguous = (() => resolveClassName('Point', known)) as () => never;
    expect(ambiguous).toThrow(InvalidOptionError);
    expect(ambiguous).toThrow(/lib\/a\.Point, lib\/b\.Point/);
    expect(() => resolveClassName('Nope', known)).toThrow(/src\/model\.BankAccount/);
  });
});

describe('what a failing command prints', () => {
  it('our errors: the message with its hint, no stack', () => {
    const err = new NatsConnectionError(['nats://x:1'], 'connection refused', 'Start one with `dataclay dev`.');
    const text = describeFailure(err, false);
    expect(text).toMatch(/^error: cannot connect to NATS .*dataclay dev/);
    expect(text).not.toMatch(/\n\s+at /);
  });
  it("Node's: the message, a hint where we know one, the way to the stack", () => {
    const err = Object.assign(new Error("Cannot find module '/x.js'"), { code: 'ERR_MODULE_NOT_FOUND' });
    const text = describeFailure(err, false);
    expect(text).toMatch(/^error: Cannot find module/);
    expect(text).toMatch(/hint: check the --models paths/);
    expect(text).toMatch(/--verbose/);
    expect(text).not.toMatch(/\n\s+at /);
  });
  it('verbose: the stack and every cause', () => {
    const err = new NatsConnectionError(['nats://x:1'], 'refused', 'hint', { cause: new Error('ECONNREFUSED') });
    const text = describeFailure(err, true);
    expect(text).toMatch(/\n\s+at /);
    expect(text).toMatch(/caused by: Error: ECONNREFUSED/);
  });
});
