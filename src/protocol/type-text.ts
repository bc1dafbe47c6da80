// Parses the type text the transformer emits (the checker's `typeToString`) into a small tree for argument checks.
// Only what a check can use is understood; anything else parses as `unknown`, which accepts every value.

export type TypeNode =
  | { kind: 'unknown' }
  | { kind: 'keyword'; name: Keyword }
  | { kind: 'literal'; value: string | number | bigint | boolean }
  | { kind: 'array'; element: TypeNode }
  | { kind: 'tuple'; items: TypeNode[]; optional: number; rest?: TypeNode }
  | { kind: 'union'; members: TypeNode[] }
  | { kind: 'intersection'; members: TypeNode[] }
  | { kind: 'reference'; name: string; args: TypeNode[] };

export type Keyword = 'number' | 'string' | 'boolean' | 'bigint' | 'undefined' | 'null' | 'void' | 'object';

const KEYWORDS = new Set<string>(['number', 'string', 'boolean', 'bigint', 'undefined', 'null', 'void', 'object']);
const ACCEPT_ALL = new Set(['any', 'unknown', 'never', 'symbol', 'this']);
const UNKNOWN: TypeNode = { kind: 'unknown' };
const TOKEN =
  /\s*(\.\.\.|[|&()[\]<>{},.?:;=]|"(?:[^"\\]|\\.)*"|-?\d+n|-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|[A-Za-z_$][\w$]*)/y;

class Unparsable extends Error {}

export function parseTypeText(text: string): TypeNode {
  try {
    const parser = new Parser(tokenize(text));
    const node = parser.union();
    return parser.peek() === undefined ? node : UNKNOWN;
  } catch {
    return UNKNOWN; // Unparsable, or a literal JSON cannot read: never refuse what is not understood
  }
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const source = text.trimEnd();
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    const match = TOKEN.exec(source);
    if (!match) throw new Unparsable(); // template literal types, operators we do not read
    tokens.push(match[1]);
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: string[]) {}

  peek(offset = 0): string | undefined {
    return this.tokens[this.i + offset];
  }
  private next(): string {
    const token = this.tokens[this.i++];
    if (token === undefined) throw new Unparsable();
    return token;
  }
  private expect(token: string): void {
    if (this.next() !== token) throw new Unparsable();
  }
  private eat(token: string): boolean {
    if (this.peek() !== token) return false;
    this.i++;
    return true;
  }

  union(): TypeNode {
    this.eat('|');
    const members = [this.intersection()];
    while (this.eat('|')) members.push(this.intersection());
    return members.length === 1 ? members[0] : { kind: 'union', members };
  }

  private intersection(): TypeNode {
    const members = [this.postfix()];
    while (this.eat('&')) members.push(this.postfix());
    return members.length === 1 ? members[0] : { kind: 'intersection', members };
  }

  private postfix(): TypeNode {
    let node = this.primary();
    while (this.peek() === '[' && this.peek(1) === ']') {
      this.i += 2;
      node = { kind: 'array', element: node };
    }
    return node;
  }

  private primary(): TypeNode {
    const token = this.next();
    if (token === '(') {
      const inner = this.union();
      this.expect(')');
      return inner;
    }
    if (token === '[') return this.tuple();
    if (token === '{') return this.skipObjectType();
    if (token.startsWith('"')) return { kind: 'literal', value: JSON.parse(token) as string };
    if (/^-?\d+n$/.test(token)) return { kind: 'literal', value: BigInt(token.slice(0, -1)) };
    if (/^-?(\d|\.\d)/.test(token)) return { kind: 'literal', value: Number(token) };
    if (!/^[A-Za-z_$]/.test(token)) throw new Unparsable();
    if (token === 'true' || token === 'false') return { kind: 'literal', value: token === 'true' };
    if (token === 'readonly') return this.postfix();
    if (KEYWORDS.has(token)) return { kind: 'keyword', name: token as Keyword };
    if (ACCEPT_ALL.has(token)) return UNKNOWN;
    return this.reference(token);
  }

  private reference(name: string): TypeNode {
    let qualified = false;
    while (this.eat('.')) {
      this.next();
      qualified = true; // an enum member or a namespace's type: not checked
    }
    const args: TypeNode[] = [];
    if (this.eat('<')) {
      do args.push(this.union());
      while (this.eat(','));
      this.expect('>');
    }
    return qualified ? UNKNOWN : { kind: 'reference', name, args };
  }

  /** `[string, b?: number, ...rest: T[]]`, after its `[`. */
  private tuple(): TypeNode {
    const items: TypeNode[] = [];
    let optional = 0;
    let rest: TypeNode | undefined;
    while (!this.eat(']')) {
      if (items.length > 0 || rest) this.expect(',');
      if (this.eat(']')) break;
      const spread = this.eat('...');
      let labelledOptional = false;
      const labelled = this.peek(1) === ':' || (this.peek(1) === '?' && this.peek(2) === ':');
      if (labelled && /^[A-Za-z_$]/.test(this.peek() ?? '')) {
        this.i++;
        labelledOptional = this.eat('?');
        this.expect(':');
      }
      const item = this.union();
      const isOptional = labelledOptional || this.eat('?');
      if (rest) throw new Unparsable(); // elements after a rest element
      if (spread) rest = item;
      else if (isOptional) {
        items.push(item);
        optional++;
      } else if (optional > 0) throw new Unparsable();
      else items.push(item);
    }
    return { kind: 'tuple', items, optional, rest };
  }

  /** An object type literal: its members are not checked (a string has a `length`, a function has fields). */
  private skipObjectType(): TypeNode {
    for (let depth = 1; depth > 0; ) {
      const token = this.next();
      if (token === '{') depth++;
      else if (token === '}') depth--;
    }
    return UNKNOWN;
  }
}
