// The root of every error the library throws, with structured data that travels in the wire envelope.

export interface ErrorData {
  [key: string]: unknown;
}

/**
 * Every error of the library. `data` holds the facts a caller acts on (object id, backend id, alias...), typed per
 * class; it travels on the wire, where the receiving side rebuilds the same class (instanceof holds across hosts).
 */
export class DataClayError<D extends object = ErrorData> extends Error {
  readonly data: D;
  constructor(message: string, data: D = {} as D, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.data = data;
  }
}
