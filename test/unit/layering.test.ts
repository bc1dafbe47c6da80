// The folders of src/ are layers: no import cycle between them (docs/architecture.md gives the order). Every import
// of every source file counts, type-only ones included: a type is a dependency too.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url)); // from dist/test/unit to the sources

/** A folder of src/, or a file directly in src/ (index.ts, errors.ts...), which is a unit of its own. */
function unitOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length > 1 ? `${rel[0]}/` : rel[0];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** unit → unit it imports → one import that shows it ("object/exclusive.ts imports runtime/session.ts"). */
function unitGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of sourceFiles(SRC)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue; // a package
      const target = path.resolve(path.dirname(file), fileName.replace(/\.js$/, '.ts'));
      const [from, to] = [unitOf(file), unitOf(target)];
      if (from === to) continue;
      const edges = graph.get(from) ?? new Map<string, string>();
      if (!edges.has(to)) edges.set(to, `${path.relative(SRC, file)} imports ${path.relative(SRC, target)}`);
      graph.set(from, edges);
    }
  }
  return graph;
}

/** Every elementary cycle found by a depth-first search, each as its path of units (first repeated last). */
function cycles(graph: Map<string, Map<string, string>>): string[][] {
  const found: string[][] = [];
  const done = new Set<string>();
  const visit = (unit: string, stack: string[]) => {
    const at = stack.indexOf(unit);
    if (at >= 0) {
      found.push([...stack.slice(at), unit]);
      return;
    }
    if (done.has(unit)) return;
    for (const next of graph.get(unit)?.keys() ?? []) visit(next, [...stack, unit]);
    done.add(unit);
  };
  for (const unit of graph.keys()) visit(unit, []);
  return found;
}

function describeCycle(graph: Map<string, Map<string, string>>, cycle: string[]): string {
  const steps = cycle.slice(1).map((to, i) => `  ${graph.get(cycle[i])!.get(to)}`);
  return `${cycle.join(' → ')}\n${steps.join('\n')}`;
}

describe('layering of src/', () => {
  it('finds the imports between folders (the check sees the code)', () => {
    const graph = unitGraph();
    expect(graph.get('backend/')?.has('runtime/')).toBe(true);
    expect(graph.get('serialization/')?.has('object/')).toBe(true);
  });

  it('has no import cycle between folders', () => {
    const graph = unitGraph();
    const report = cycles(graph).map((c) => describeCycle(graph, c));
    expect(report, `import cycles between folders of src/:\n${report.join('\n')}`).toEqual([]);
  });
});
