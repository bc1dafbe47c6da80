// The vite/vitest plugin (`dataclay/vite`): the same transformer as tspc, on the code vite hands it. The scaffolded
// app's own vitest run through the plugin is in test/integration/package.test.ts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ROOT } from './compile.js';

const require = createRequire(import.meta.url);
type Plugin = {
  enforce: string;
  configResolved(config: { root: string }): void;
  transform(code: string, id: string): { code: string; map?: string } | null;
};
const { dataclay } = require(`${ROOT}transformer/dist/vite.js`) as {
  dataclay: (options?: { tsconfig?: string }) => Plugin;
};

function pluginFor(tsconfig: string): Plugin {
  const plugin = dataclay({ tsconfig });
  plugin.configResolved({ root: ROOT });
  return plugin;
}

describe('vite plugin', () => {
  // one plugin, as in one vitest run: its program is built once, then follows the edits
  const plugin = pluginFor('test/fixtures/standard/tsconfig.json');

  it('runs before vite strips types, and emits what tspc does: the class facts, TC39 decorators lowered', () => {
    expect(plugin.enforce).toBe('pre');
    const file = `${ROOT}test/fixtures/standard/model.ts`;
    const out = plugin.transform(readFileSync(file, 'utf8'), `${file}?v=1`)!;
    expect(out.code).toContain('persistent({ $dc: 1, name: "test/fixtures/standard/model.Account"');
    expect(out.code).toContain('fields: [{ name: "owner", type: "string" }');
    expect(out.code).toContain('__esDecorate');
    expect(out.code).not.toContain('sourceMappingURL');
    expect(JSON.parse(out.map!).sources).toEqual(['model.ts']);
  });

  it('follows the code vite hands it, not the file on disk (a watch-mode edit)', () => {
    const file = `${ROOT}test/fixtures/standard/model.ts`;
    const edited = readFileSync(file, 'utf8').replace('rate = 2;', 'rate = 2;\n  label = "x";');
    expect(plugin.transform(edited, file)!.code).toContain('{ name: "label", type: "string" }');
  });

  it('leaves files without decorators, declarations and dependencies to vite', () => {
    expect(plugin.transform('export const x: number = 1;', `${ROOT}test/fixtures/standard/plain.ts`)).toBeNull();
    expect(plugin.transform('@x class A {}', `${ROOT}node_modules/x/index.ts`)).toBeNull();
    expect(plugin.transform('@x class A {}', `${ROOT}x.js`)).toBeNull();
  });

  it("fails the module with the transformer's diagnostic at file:line, as tspc would", () => {
    const bad = pluginFor('test/fixtures/tsconfig.bad.json');
    const file = `${ROOT}test/fixtures/bad.ts`;
    const text = readFileSync(file, 'utf8');
    const line = text.split('\n').findIndex((l) => l.includes('LINE:notAsync')) + 1;
    expect(() => bad.transform(text, file)).toThrow(new RegExp(`bad\\.ts\\(${line},\\d+\\): error TS91001`));
  });
});
