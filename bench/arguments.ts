// bench/arguments: ns per argument check of an active method call, after its first (compiling) check.
import { checkArguments, classInfoByName, newProxy } from '../src/internal.js';
import type { MethodMeta } from '../src/index.js';
import { Person } from '../test/models/index.js';
import { median } from './lib.js';

const N = Number(process.env.BENCH_CHECKS ?? 5_000_000);
const ROUNDS = 7;
const info = classInfoByName('test/models/people.Person');
const proxy = newProxy(info, 'id-1', 'backend-1');

const method = (...types: string[]): MethodMeta => ({
  name: 'm',
  params: types.map((type, i) => ({ name: `p${i}`, type })),
  returns: 'Promise<void>',
});
const cases: [string, MethodMeta, unknown[][]][] = [
  ['(n: number)', method('number'), [[1], [2.5]]],
  [
    '(a: string, b: Person | null)',
    method('string', 'Person | null'),
    [
      ['x', new Person('A', 1)],
      ['y', null],
      ['z', proxy],
    ],
  ],
  ['(xs: number[]) of 10', method('number[]'), [[Array.from({ length: 10 }, (_, i) => i)]]],
  [
    '(k: "a" | "b" | "c", m: Map<string, number>)',
    method('"a" | "b" | "c"', 'Map<string, number>'),
    [['b', new Map()]],
  ],
];

console.log(`bench/arguments: ${N} checks per round, median of ${ROUNDS} rounds\n`);
for (const [label, meta, argSets] of cases) {
  const t0 = process.hrtime.bigint();
  checkArguments(info, meta, argSets[0]);
  const firstUs = Number(process.hrtime.bigint() - t0) / 1000;
  const perCheck: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < N; i++) checkArguments(info, meta, argSets[i % argSets.length]);
    perCheck.push(Number(process.hrtime.bigint() - start) / N);
  }
  console.log(
    `${label.padEnd(48)} ${median(perCheck).toFixed(1).padStart(6)} ns/check   first (compiles) ${firstUs.toFixed(0)} µs`,
  );
}
