// Transformer findings reported as tsc diagnostics (with file and line), never as crashes of the build.
import ts from 'typescript';

/** Codes in a range of our own so users can grep and suppress them by number. */
export const Codes = {
  activeMethodNotAsync: 91001,
  persistentNotDataClayObject: 91002,
  invalidPersistentOptions: 91003,
  fieldCannotTravel: 91004,
} as const;

export function diagnostic(node: ts.Node, code: number, message: string): ts.Diagnostic {
  const sf = node.getSourceFile();
  return {
    category: ts.DiagnosticCategory.Error,
    code,
    file: sf,
    start: node.getStart(sf),
    length: node.getWidth(sf),
    messageText: `[dataclay] ${message}`,
    source: 'dataclay',
  };
}
