// Stable class names: "<path of the source file from its package root, without extension>.<ClassName>".
// The same source gives the same name in the client build and the backend build, wherever outDir points.
import path from 'node:path';
import ts from 'typescript';

const packageRoots = new Map<string, string>();

function packageRoot(dir: string): string {
  const cached = packageRoots.get(dir);
  if (cached !== undefined) return cached;
  const parent = path.dirname(dir);
  const root = ts.sys.fileExists(path.join(dir, 'package.json')) || parent === dir ? dir : packageRoot(parent);
  packageRoots.set(dir, root);
  return root;
}

export function stableClassName(sourceFile: ts.SourceFile, className: string): string {
  const file = sourceFile.fileName;
  const rel = path
    .relative(packageRoot(path.dirname(file)), file)
    .split(path.sep)
    .join('/');
  return `${rel.replace(/\.(d\.)?[mc]?tsx?$/, '')}.${className}`;
}
