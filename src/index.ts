// The public API of dataclay. Nothing else is public: deep imports may change at any time.

// Connecting
export {
  Client,
  type ClientContext,
  type ClientOptions,
  type ObjectList,
  type ObjectQuery,
} from './client/client.js';
export type { NatsConnectOptions, NatsTlsFiles } from './messaging/connect-options.js';
export type { BackendHandle } from './client/backend-handle.js';
export type { DatasetsHandle } from './client/datasets-handle.js';
export type { DatasetRecord, Grant, Level } from './metadata/grants.js';
export type { CallOptions, Session } from './object/context.js';
export { currentSession } from './runtime/current-session.js';

// Declaring persistent classes and using their objects
export { DataClayObject, type DataFields } from './object/dataclay-object.js';
export {
  persistent,
  activemethod,
  localOnly,
  type ActiveMethodOptions,
  type PersistentOptions,
} from './object/decorators.js';
export { registerValueClass, valueclass } from './serialization/value-classes.js';
export type { StateHooks } from './object/object-state.js';
export { renamedFrom, type Evolvable } from './object/evolution.js';
export type { DeleteOptions, MakePersistentOptions, MoveOptions } from './object/runtime-slot.js';
export type { Remote } from './object/remote.js';

// Using objects without the model's code
export {
  stubFor as defineStub,
  valueStubFor as defineValueStub,
  type DataOf,
  type StubClass,
  type StubObject,
  type ValueStub,
} from './stubs/stub-class.js';
export { generateStubs } from './stubs/codegen.js';
export type { ClassDescription } from './metadata/class-description.js';
export type { ClassMeta, FieldMeta, MethodMeta, ParamMeta } from './object/meta.js';

// Running backends and clusters
export { Backend, type BackendOptions } from './backend/backend.js';
export type { MemoryBudget } from './backend/heap.js';
export { DevCluster, type DevClusterOptions } from './dev/cluster.js';
export type { BackendInfo, BackendStats, LifecycleEvent, ObjectMetadata, ObjectView } from './metadata/types.js';
export type { GcReport } from './protocol/metadata-ops.js';
export type { DrainReport } from './protocol/backend-ops.js';
export type { RebalanceOptions, RebalanceReport } from './client/rebalance.js';

// Errors: all extend DataClayError (docs/errors.md); `errors` holds every class by name
export {
  errors,
  type ErrorData,
  DataClayError,
  // objects, aliases, classes
  AlreadyExistsError,
  AliasDoesNotExistError,
  DatasetNotFoundError,
  DatasetExistsError,
  InvalidAliasError,
  DoesNotExistError,
  ObjectNotRegisteredError,
  AlreadyPersistentError,
  ObjectIsNotVersionError,
  ObjectIsMasterError,
  ObjectMovedError,
  NotLocalError,
  ReplicaWriteError,
  ReadOnlyViolationError,
  ClassNotFoundError,
  ClassKindError,
  MethodNotFoundError,
  FieldNotFoundError,
  InvalidArgumentError,
  UnserializableError,
  ClassMismatchError,
  StubConstructionError,
  ValueClassConflictError,
  SchemaVersionError,
  // backends
  BackendNotFoundError,
  BackendUnavailableError,
  NoBackendsError,
  NoBackendForClassError,
  WrongBackendError,
  FencedError,
  ReplicaOnMasterError,
  DuplicateBackendError,
  StorageInUseError,
  StorageOwnerError,
  BackendDrainingError,
  DrainIncompleteError,
  MoveUnconfirmedError,
  CollectionInterruptedError,
  ProcessStartError,
  // metadata buckets
  MetadataUnavailableError,
  MetadataUnreachableError,
  BucketReplicasError,
  // transport
  TimeoutError,
  AbortedError,
  PayloadTooLargeError,
  ProtocolError,
  ConnectionClosedError,
  NatsConnectionError,
  AuthenticationError,
  JetStreamNotEnabledError,
  PermissionDeniedError,
  OutcomeUnknownError,
  // access control
  GrantsUnavailableError,
  UserExistsError,
  UserNotFoundError,
  UsersFileError,
  // user code and setup
  RemoteError,
  TransformerNotConfiguredError,
  ClientNotStartedError,
  InvalidOptionError,
} from './errors.js';
