// Turns the analysed facts into code: `@persistent` becomes `@persistent(<meta literal>)`.
import ts from 'typescript';
import type { ClassMeta } from './meta';

type Json = string | number | boolean | Json[] | { [key: string]: Json | undefined };

function literal(f: ts.NodeFactory, value: Json): ts.Expression {
  if (typeof value === 'string') return f.createStringLiteral(value);
  if (typeof value === 'number') return f.createNumericLiteral(value);
  if (typeof value === 'boolean') return value ? f.createTrue() : f.createFalse();
  if (Array.isArray(value))
    return f.createArrayLiteralExpression(
      value.map((v) => literal(f, v)),
      false,
    );
  const props = Object.entries(value)
    .filter((entry): entry is [string, Json] => entry[1] !== undefined)
    .map(([k, v]) =>
      f.createPropertyAssignment(/^[A-Za-z_$][\w$]*$/.test(k) ? k : f.createStringLiteral(k), literal(f, v)),
    );
  return f.createObjectLiteralExpression(props, false);
}

export function decoratorWithMeta(f: ts.NodeFactory, decorator: ts.Decorator, meta: ClassMeta): ts.Decorator {
  const expr = decorator.expression;
  const callee = ts.isCallExpression(expr) ? expr.expression : expr;
  return f.updateDecorator(decorator, f.createCallExpression(callee, undefined, [literal(f, meta as unknown as Json)]));
}
