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
}
