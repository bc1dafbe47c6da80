// Reads a @persistent class: its stable name, persistent fields and active methods, plus what is wrong with it.
import ts from 'typescript';
import { stableClassName } from './class-name';
import { findDecorator } from './decorators';
import { extendsNamed, whyNotTravel } from './travel';
import { Codes, diagnostic } from './diagnostics';
import { META_VERSION, type ClassMeta, type FieldMeta, type MethodMeta, type ParamMeta } from './meta';

export interface Analysis {
  meta: ClassMeta;
  diagnostics: ts.Diagnostic[];
}

function isStatic(member: ts.ClassElement): boolean {
  return (ts.getCombinedModifierFlags(member as ts.Declaration) & ts.ModifierFlags.Static) !== 0;
}

function typeText(node: ts.Node & { type?: ts.TypeNode }, checker: ts.TypeChecker | undefined): string {
  if (checker) return checker.typeToString(checker.getTypeAtLocation(node), undefined, ts.TypeFormatFlags.NoTruncation);
  return node.type ? node.type.getText() : 'any';
}

function returnText(method: ts.MethodDeclaration, checker: ts.TypeChecker | undefined): string {
  const signature = checker?.getSignatureFromDeclaration(method);
  if (checker && signature) {
    return checker.typeToString(
      checker.getReturnTypeOfSignature(signature),
      undefined,
      ts.TypeFormatFlags.NoTruncation,
    );
  }
  return method.type ? method.type.getText() : 'any';
}

function extendsDataClayObject(node: ts.ClassDeclaration, checker: ts.TypeChecker | undefined): boolean {
  if (!checker) return (node.heritageClauses ?? []).some((h) => h.token === ts.SyntaxKind.ExtendsKeyword);
  const symbol = node.name && checker.getSymbolAtLocation(node.name);
  if (!symbol) return false;
  const bases = checker.getBaseTypes(checker.getDeclaredTypeOfSymbol(symbol) as ts.InterfaceType) ?? [];
  return bases.some((t) => extendsNamed(t, checker, 'DataClayObject'));
}

/** `@persistent({ name: 'x' })` sets the class name explicitly; anything else in the options is an error. */
function explicitName(decorator: ts.Decorator, diagnostics: ts.Diagnostic[]): string | undefined {
  const expr = decorator.expression;
  if (!ts.isCallExpression(expr) || expr.arguments.length === 0) return undefined;
  const [options] = expr.arguments;
  if (expr.arguments.length === 1 && ts.isObjectLiteralExpression(options)) {
    let name: string | undefined;
    let valid = true;
    for (const p of options.properties) {
      if (ts.isPropertyAssignment(p) && p.name.getText() === 'name' && ts.isStringLiteralLike(p.initializer))
        name = p.initializer.text;
      else valid = false;
    }
    if (valid) return name;
  }
  diagnostics.push(
    diagnostic(
      expr,
      Codes.invalidPersistentOptions,
      "@persistent accepts only an object literal with a string 'name', e.g. @persistent({ name: 'shop.Order' }).",
    ),
  );
  return undefined;
}

/** The options set to `true` in `@activemethod({ exclusive: true, readonly: true })`. */
function activeMethodOptions(decorator: ts.Decorator): Set<string> {
  const expr = decorator.expression;
  const set = new Set<string>();
  const [options] = ts.isCallExpression(expr) ? expr.arguments : [];
  if (options && ts.isObjectLiteralExpression(options)) {
    for (const p of options.properties) {
      if (ts.isPropertyAssignment(p) && p.initializer.kind === ts.SyntaxKind.TrueKeyword) set.add(p.name.getText());
    }
  }
  return set;
}

function param(p: ts.ParameterDeclaration, checker: ts.TypeChecker | undefined): ParamMeta {
  const meta: ParamMeta = { name: p.name.getText(), type: typeText(p, checker) };
  if (p.questionToken || p.initializer) meta.optional = true;
  if (p.dotDotDotToken) meta.rest = true;
  return meta;
}

export type ClassKind = 'persistent' | 'valueclass';

export function analyzeClass(
  node: ts.ClassDeclaration,
  decorator: ts.Decorator,
  checker: ts.TypeChecker | undefined,
  kind: ClassKind = 'persistent',
): Analysis {
  const diagnostics: ts.Diagnostic[] = [];
  const className = node.name?.text ?? 'default';
  const name = explicitName(decorator, diagnostics) ?? stableClassName(node.getSourceFile(), className);
  if (kind === 'persistent' && !extendsDataClayObject(node, checker)) {
    diagnostics.push(
      diagnostic(
        node.name ?? node,
        Codes.persistentNotDataClayObject,
        `@persistent class '${className}' must extend DataClayObject.`,
      ),
    );
  }
  const fields: FieldMeta[] = [];
  const methods: MethodMeta[] = [];
  for (const member of node.members) {
    if (isStatic(member)) continue;
    if (ts.isConstructorDeclaration(member)) {
      // parameter properties (`constructor(public x: number)`) are fields too
      for (const p of member.parameters) {
        if (ts.isParameterPropertyDeclaration(p, member) && ts.isIdentifier(p.name))
          fields.push({ name: p.name.text, type: typeText(p, checker) });
      }
    } else if (ts.isPropertyDeclaration(member) && ts.isIdentifier(member.name)) {
      if (findDecorator(member, 'localOnly', checker)) continue;
      const field: FieldMeta = { name: member.name.text, type: typeText(member, checker) };
      if (member.questionToken) field.optional = true;
      fields.push(field);
      const why = checker && whyNotTravel(checker.getTypeAtLocation(member), checker);
      if (why) {
        diagnostics.push(
          diagnostic(
            member.name,
            Codes.fieldCannotTravel,
            `field '${className}.${field.name}' of type '${field.type}' cannot be persisted: it holds ${why}. ` +
              `Mark it @localOnly, or make the class @persistent or @valueclass.`,
          ),
        );
      }
    } else if (
      kind === 'persistent' &&
      ts.isMethodDeclaration(member) &&
      ts.isIdentifier(member.name) &&
      findDecorator(member, 'activemethod', checker)
    ) {
      const decoratorOptions = activeMethodOptions(findDecorator(member, 'activemethod', checker)!);
      const methodName = member.name.text;
      const isAsync = (ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Async) !== 0;
      if (!isAsync) {
        diagnostics.push(
          diagnostic(
            member.name,
            Codes.activeMethodNotAsync,
            `@activemethod '${className}.${methodName}' must be async: on a remote object a call is a Promise. ` +
              `Declare it 'async ${methodName}(...)'.`,
          ),
        );
      }
      const method: MethodMeta = {
        name: methodName,
        params: member.parameters.map((p) => param(p, checker)),
        returns: returnText(member, checker),
      };
      if (decoratorOptions.has('exclusive')) method.exclusive = true;
      if (decoratorOptions.has('readonly')) method.readonly = true;
      methods.push(method);
    }
  }
  const meta: ClassMeta = { $dc: META_VERSION, name, fields, methods };
  const ctor = node.members.find(
    (m): m is ts.ConstructorDeclaration => ts.isConstructorDeclaration(m) && m.body !== undefined,
  );
  if (ctor) meta.ctor = ctor.parameters.map((p) => param(p, checker));
  return { meta, diagnostics };
}
