// ts-patch entry point (a "program" transformer): emits class facts for every @persistent and @valueclass class,
// and reports misuse.
// tsconfig.json: "plugins": [{ "transform": "dataclay/transformer" }] (this package: "./transformer/dist/index.js").
import './typescript-check';
import ts from 'typescript';
import { analyzeClass, type ClassKind } from './analyze';
import { findDecorator } from './decorators';
import { decoratorWithMeta } from './emit';

export type { ClassMeta, FieldMeta, MethodMeta, ParamMeta } from './meta';
export { analyzeClass } from './analyze';
export { Codes } from './diagnostics';
export { SUPPORTED_TS_PATCH, SUPPORTED_TYPESCRIPT, tsPatchVerdict, typescriptVerdict } from './toolchain';

export interface TransformerExtras {
  addDiagnostic?: (diagnostic: ts.Diagnostic) => number;
}

export default function dataclayTransformer(
  program?: ts.Program,
  _config?: unknown,
  extras?: TransformerExtras,
): ts.TransformerFactory<ts.SourceFile> {
  const checker = program?.getTypeChecker();
  const report = (d: ts.Diagnostic) => extras?.addDiagnostic?.(d);
  return (context) => (sourceFile) => {
    const f = context.factory;
    const visit = (node: ts.Node): ts.Node => {
      if (ts.isClassDeclaration(node)) {
        let kind: ClassKind = 'persistent';
        let decorator = findDecorator(node, kind, checker);
        if (!decorator) {
          kind = 'valueclass';
          decorator = findDecorator(node, kind, checker);
        }
        if (decorator) {
          const { meta, diagnostics } = analyzeClass(node, decorator, checker, kind);
          diagnostics.forEach(report);
          const modifiers = node.modifiers?.map((m) => (m === decorator ? decoratorWithMeta(f, decorator, meta) : m));
          node = f.updateClassDeclaration(
            node,
            modifiers,
            node.name,
            node.typeParameters,
            node.heritageClauses,
            node.members,
          );
        }
      }
      return ts.visitEachChild(node, visit, context);
    };
    return ts.visitNode(sourceFile, visit) as ts.SourceFile;
  };
}
