import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../setup/helpers.js';
import { compileFixture, lineOf, ROOT } from './compile.js';

describe('transformer: emitted class facts', () => {
  const { metas, diagnostics } = compileFixture('shapes.ts');
  // biome-ignore lint/suspicious/noExplicitAny: the facts' shape is what the tests check
  const byName = (name: string) => metas.find((m) => m.name === name) as Record<string, any>;

  it('reports nothing on a well-formed model', () => {
    expect(diagnostics).toEqual([]);
    expect(metas.map((m) => m.name)).toEqual([
      'test/fixtures/shapes.Shape',
      'test/fixtures/shapes.Circle',
      'geo.Named',
      'test/fixtures/shapes.Aliased',
    ]);
  });

  it('emits instance fields with their checked types, inferred ones included, and no statics', () => {
    expect(byName('test/fixtures/shapes.Shape').fields).toEqual([
      { name: 'label', type: 'string' },
      { name: 'sides', type: 'number' },
      { name: 'color', type: 'string | undefined', optional: true },
      { name: 'tags', type: 'string[]' },
      { name: 'parent', type: 'Shape | null' },
    ]);
  });

  it('emits active methods with parameter and return types, and only decorated ones', () => {
    expect(byName('test/fixtures/shapes.Shape').methods).toEqual([
      {
        name: 'area',
        params: [
          { name: 'scale', type: 'number' },
          { name: 'unit', type: 'string | undefined', optional: true },
        ],
        returns: 'Promise<number>',
      },
      { name: 'rename', params: [{ name: 'parts', type: 'string[]', rest: true }], returns: 'Promise<void>' },
    ]);
  });

  it('emits a subclass with its own facts (the runtime merges the inherited ones)', () => {
    const circle = byName('test/fixtures/shapes.Circle');
    expect(circle.fields).toEqual([{ name: 'radius', type: 'number' }]);
    expect(circle.methods).toEqual([
      { name: 'grow', params: [{ name: 'by', type: 'number', optional: true }], returns: 'Promise<number>' },
    ]);
  });

  it('follows renamed imports of the decorators', () => {
    expect(byName('test/fixtures/shapes.Aliased').methods.map((m: { name: string }) => m.name)).toEqual(['bump']);
  });

  it('gives the same class name whatever the build layout (client and backend builds agree)', () => {
    const other = compileFixture('shapes.ts', '/tmp/dc-fixtures-other-build'); // a layout only: nothing is written
    expect(other.metas).toEqual(metas);
  });
});

describe('transformer: diagnostics', () => {
  const text = readFileSync(`${ROOT}test/fixtures/bad.ts`, 'utf8');
  const { diagnostics } = compileFixture('bad.ts');
  const at = (d: ts.Diagnostic) => d.file!.getLineAndCharacterOfPosition(d.start!).line + 1;

  it('reports a non-async active method with file and line', () => {
    const d = diagnostics.find((x) => x.code === 91001)!;
    expect(d).toBeDefined();
    expect(d.file!.fileName).toMatch(/test\/fixtures\/bad\.ts$/);
    expect(at(d)).toBe(lineOf('bad.ts', 'notAsync', text));
    expect(d.category).toBe(ts.DiagnosticCategory.Error);
    expect(String(d.messageText)).toMatch(/'Counter.increment' must be async/);
  });

  it('reports a @persistent class that does not extend DataClayObject, and bad options', () => {
    expect(at(diagnostics.find((x) => x.code === 91002)!)).toBe(lineOf('bad.ts', 'notDataClayObject', text));
    expect(at(diagnostics.find((x) => x.code === 91003)!)).toBe(lineOf('bad.ts', 'badOptions', text));
    expect(diagnostics).toHaveLength(3);
  });

  it('reports persistent fields whose type cannot travel, and accepts those that can', () => {
    const travel = compileFixture('travel.ts');
    const source = readFileSync(`${ROOT}test/fixtures/travel.ts`, 'utf8');
    const found = travel.diagnostics.filter((d) => d.code === 91004).map((d) => [at(d), String(d.messageText)]);
    expect(found.map(([line]) => line)).toEqual(
      ['function', 'symbol', 'plainClass', 'nestedClass', 'interfaceFunction', 'promise'].map((m) =>
        lineOf('travel.ts', m, source),
      ),
    );
    expect(found[0][1]).toMatch(
      /field 'Ledger.callback' of type '\(\) => void' cannot be persisted: it holds a function/,
    );
    expect(found[2][1]).toMatch(/an instance of class Plain, which is neither persistent nor a @valueclass/);
    expect(found[4][1]).toMatch(/a function \(in property 'onSave'\)/);
    expect(travel.diagnostics.filter((d) => d.code !== 91004)).toEqual([]);
    const ledger = travel.metas.find((m) => m.name === 'test/fixtures/travel.Ledger') as { fields: { name: string }[] };
    expect(ledger.fields.map((f) => f.name)).not.toContain('handler');
    const money = travel.metas.find((m) => m.name === 'test/fixtures/travel.Money') as { fields: { name: string }[] };
    expect(money).toBeDefined();
  });

  it('fails a real tspc build with the diagnostic at file:line', () => {
    let output = '';
    try {
      execFileSync(
        process.execPath,
        [
          `${ROOT}node_modules/ts-patch/bin/tspc.js`,
          '-p',
          `${ROOT}test/fixtures/tsconfig.bad.json`,
          '--outDir',
          tempDir('fixtures-tspc'),
        ],
        { encoding: 'utf8', cwd: ROOT },
      );
    } catch (err) {
      output = String((err as { stdout: string }).stdout);
    }
    expect(output).toContain(`test/fixtures/bad.ts(${lineOf('bad.ts', 'notAsync', text)},`);
    expect(output).toContain('error TS91001: [dataclay]');
  });
});
