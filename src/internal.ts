// Internals for the project's own tests and benchmarks: not part of the public API (src/index.ts is), may change.
export { encodeError, readReply } from './messaging/envelope.js';
export { decode, encode } from './serialization/codec.js';
export { collectUnregistered } from './serialization/graph.js';
export { IdentityMap } from './object/identity.js';
export { classInfoByName } from './object/registry.js';
export { DataClayObject } from './object/dataclay-object.js';
export { newProxy } from './object/lifecycle.js';
export { escapeKeyPart, unescapeKeyPart } from './metadata/keys.js';
export { NatsServer } from './dev/nats-server.js';
export { ObjectStore } from './backend/object-store.js';
export { connectNats } from './messaging/connection.js';
export { backendOps } from './protocol/backend-ops.js';
export { metadataOps } from './protocol/metadata-ops.js';
export { assertShape } from './protocol/shape.js';
