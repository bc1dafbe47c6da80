// The subject scheme: dc.<ns>.md.<op> (any backend, queue group) and dc.<ns>.be.<backendId>.<op> (one backend).
import { InvalidOptionError } from '../errors.js';

const TOKEN = /^[A-Za-z0-9_-]+$/;

export const METADATA_QUEUE = 'dc-md';

export type BackendOp =
  | 'persist'
  | 'call'
  | 'get'
  | 'set'
  | 'state'
  | 'update'
  | 'ping'
  | 'flush'
  | 'stop'
  | 'construct'
  | 'move'
  | 'receive'
  | 'replicate'
  | 'version'
  | 'consolidate'
  | 'adopt-state'
  | 'retire';
export type MetadataOp =
  | 'backends'
  | 'object'
  | 'objects'
  | 'class'
  | 'alias.get'
  | 'alias.add'
  | 'alias.del'
  | 'alias.list';

export function assertToken(kind: string, value: string): string {
  if (!TOKEN.test(value)) throw new InvalidOptionError(kind, value, `a name matching ${TOKEN}`);
  return value;
}

export class Subjects {
  constructor(readonly namespace: string) {
    assertToken('namespace', namespace);
  }
  backend(backendId: string, op: BackendOp): string {
    return `dc.${this.namespace}.be.${backendId}.${op}`;
  }
  backendAll(backendId: string): string {
    return `dc.${this.namespace}.be.${assertToken('backendId', backendId)}.*`;
  }
  metadata(op: MetadataOp): string {
    return `dc.${this.namespace}.md.${op}`;
  }
  metadataAll(): string {
    return `dc.${this.namespace}.md.>`;
  }
}
