// Internals for the project's own tests and benchmarks: not part of the public API (src/index.ts is), may change.
export { encodeError, readReply } from './messaging/envelope.js';
export { decode, encode } from './serialization/codec.js';
export { collectUnregistered } from './serialization/graph.js';
export { IdentityMap } from './object/identity.js';
export { classInfoByName } from './object/registry.js';
export { DataClayObject } from './object/dataclay-object.js';
export { escapeKeyPart, unescapeKeyPart } from './metadata/keys.js';
export { NatsServer } from './dev/nats-server.js';
export { ObjectStore } from './backend/object-store.js';
export { connectNats } from './messaging/connection.js';
export { checkArguments, checkConstructorArguments } from './object/arguments.js';
export { faultSource, noteCall, surviveFaults } from './backend/model-faults.js';
export { natsEnv, redactUrl, resolveNatsSettings } from './messaging/connect-options.js';
export { backendOps } from './protocol/backend-ops.js';
export { metadataOps } from './protocol/metadata-ops.js';
export { assertShape } from './protocol/shape.js';
export { parseSubject, replyAllowed, Subjects } from './messaging/subjects.js';
export { clientIdentity, senderFor } from './security/identity.js';
