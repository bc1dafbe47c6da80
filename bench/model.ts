// Benchmark model: an object that holds a payload and echoes arguments.
import { DataClayObject, activemethod, persistent } from '../src/index.js';

@persistent
export class Echo extends DataClayObject {
  payload: Uint8Array;

  constructor(payload: Uint8Array) {
    super();
    this.payload = payload;
  }

  @activemethod
  async echo(value: Uint8Array): Promise<Uint8Array> {
    return value;
  }

  /** A mutating call: the new payload is written through (and to the backups) before the reply. */
  @activemethod
  async keep(value: Uint8Array): Promise<number> {
    this.payload = value;
    return value.length;
  }
}

/** dataClay's b2 object: one small value. */
@persistent
export class Box extends DataClayObject {
  value: number;

  constructor(value: number) {
    super();
    this.value = value;
  }
}

/** A node of a graph: a small value and links to other nodes. */
@persistent
export class GraphNode extends DataClayObject {
  value: number;
  links: GraphNode[] = [];

  constructor(value: number) {
    super();
    this.value = value;
  }
}
