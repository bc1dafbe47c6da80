// Finding our decorators on declarations, following renamed imports when a type checker is at hand.
import ts from 'typescript';

/** The name a decorator refers to, following import aliases (`import { persistent as p }`) when a checker is at hand. */
export function decoratorName(decorator: ts.Decorator, checker: ts.TypeChecker | undefined): string | undefined {
  let callee = decorator.expression;
  if (ts.isCallExpression(callee)) callee = callee.expression;
  const id = ts.isPropertyAccessExpression(callee) ? callee.name : ts.isIdentifier(callee) ? callee : undefined;
  if (!id) return undefined;
  let symbol = checker?.getSymbolAtLocation(id);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker!.getAliasedSymbol(symbol);
  return symbol?.name ?? id.text;
}

export function findDecorator(
  node: ts.Node,
  name: string,
  checker: ts.TypeChecker | undefined,
): ts.Decorator | undefined {
  if (!ts.canHaveDecorators(node)) return undefined;
  return ts.getDecorators(node)?.find((d) => decoratorName(d, checker) === name);
}
