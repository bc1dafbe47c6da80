// The part of reflect-metadata's API a program that loads it has (defineMetadata, getMetadata, and metadata for
// emitDecoratorMetadata), for tests that check what dataclay publishes there; the package is not a dependency.
type Store = Map<unknown, unknown>;

interface ReflectMetadataApi {
  defineMetadata(key: unknown, value: unknown, target: object): void;
  getMetadata(key: unknown, target: object): unknown;
  metadata(key: unknown, value: unknown): (target: object) => void;
}

const stores = new WeakMap<object, Store>();

const api: ReflectMetadataApi = {
  defineMetadata(key, value, target) {
    const store = stores.get(target) ?? new Map();
    store.set(key, value);
    stores.set(target, store);
  },
  // like reflect-metadata's, it looks along the prototype chain (a subclass sees its base's)
  getMetadata(key, target) {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t)) {
      const store = stores.get(t);
      if (store?.has(key)) return store.get(key);
    }
    return undefined;
  },
  metadata: (key, value) => (target) => api.defineMetadata(key, value, target),
};

/** Installs the API on the global Reflect; returns how to remove it. */
export function installReflectMetadata(): { api: ReflectMetadataApi; remove: () => void } {
  Object.assign(Reflect, api);
  return {
    api,
    remove: () => {
      for (const name of Object.keys(api)) delete (Reflect as unknown as Record<string, unknown>)[name];
    },
  };
}
