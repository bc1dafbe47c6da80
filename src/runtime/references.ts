// What a decoded reference becomes where the process does not own the object: the live instance of the identity
// map, or a new proxy of the owner its hint names (a stub's for a class this process lacks).
import { DataClayObject } from '../object/dataclay-object.js';
import type { IdentityMap } from '../object/identity.js';
import { classInfoOrPlaceholder } from '../object/placeholder.js';
import type { RefResolver } from '../serialization/codec.js';

export function proxyResolver(identity: IdentityMap): RefResolver {
  return (id, className, hint) => {
    const known = identity.get(id);
    if (known) return known;
    const proxy = DataClayObject.materialize(classInfoOrPlaceholder(className), id, false, hint ?? undefined);
    identity.add(proxy);
    return proxy;
  };
}
