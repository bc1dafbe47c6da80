// Models for class features: value classes, inheritance, accessors, local-only fields, defaults, state hooks.
import { DataClayObject, activemethod, localOnly, persistent, valueclass, type StateHooks } from '../../src/index.js';

@valueclass
export class Point {
  constructor(
    public x: number,
    public y: number,
  ) {}
  norm(): number {
    return Math.hypot(this.x, this.y);
  }
}

@persistent
export class Shape extends DataClayObject {
  name: string;
  origin = new Point(0, 0);
  history: Point[] = [];
  @localOnly cache = new Map<string, number>();

  constructor(name: string) {
    super();
    this.name = name;
  }

  get label(): string {
    return `${this.name}@${this.origin.x},${this.origin.y}`;
  }

  set label(value: string) {
    this.name = value.split('@')[0];
  }

  @activemethod
  async describe(): Promise<string> {
    return `${this.label} (${this.origin instanceof Point ? 'Point' : 'plain'} ${this.origin.norm()})`;
  }

  @activemethod
  async moveBy(by: Point): Promise<Point> {
    this.history.push(this.origin);
    this.origin = new Point(this.origin.x + by.x, this.origin.y + by.y);
    return this.origin;
  }

  @activemethod
  async cacheSize(): Promise<number> {
    return this.cache?.size ?? -1;
  }

  @activemethod
  async returnsFunction(): Promise<unknown> {
    return { onChange: () => 1 };
  }
}

@persistent
export class Circle extends Shape {
  radius = 1;

  @activemethod
  async area(): Promise<number> {
    return Math.PI * this.radius ** 2;
  }

  override async describe(): Promise<string> {
    return `circle ${await super.describe()}`;
  }
}

/** Keeps its state through hooks: what travels and is stored is the reversed secret only. */
@persistent
export class Vault extends DataClayObject implements StateHooks<{ reversed: string }> {
  secret: string;
  @localOnly restored = 0;

  constructor(secret: string) {
    super();
    this.secret = secret;
  }

  dcGetState(): { reversed: string } {
    return { reversed: [...this.secret].reverse().join('') };
  }

  dcSetState(state: { reversed: string }): void {
    this.secret = [...state.reversed].reverse().join('');
    this.restored = (this.restored ?? 0) + 1;
  }

  @activemethod
  async reveal(): Promise<[string, number]> {
    return [this.secret, this.restored];
  }
}
