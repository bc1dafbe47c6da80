// Stand-in classes for persistent classes this process has not loaded: a decoded reference to one never fails,
// and a stub built later for the same name upgrades the stand-in in place.
import { StubConstructionError } from '../errors.js';
import { DataClayObject } from './dataclay-object.js';
import { META_VERSION, type ClassInfo } from './meta.js';
import { findClassInfo, registerClass } from './registry.js';

function shortName(className: string): string {
  return className.slice(className.lastIndexOf('.') + 1) || 'Stub';
}

/** A class whose instances are only ever proxies: constructing one here throws. */
export function newStubClass(className: string): typeof DataClayObject {
  const name = shortName(className);
  return {
    [name]: class extends DataClayObject {
      constructor() {
        throw new StubConstructionError(className, name);
        // biome-ignore lint/correctness/noUnreachable: a derived constructor must call super for the type checker
        super();
      }
    },
  }[name];
}

/** The class info for a name: the loaded class's, or an open stand-in's (any field name goes to the backend). */
export function classInfoOrPlaceholder(className: string): ClassInfo {
  return (
    findClassInfo(className) ??
    registerClass(newStubClass(className), { $dc: META_VERSION, name: className, fields: [], methods: [] }, true)
  );
}
