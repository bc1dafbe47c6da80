// What a decoded reference becomes where the process does not own the object: the live instance of the identity
// map, or a new proxy of the owner its hint names (a stub's for a class this process lacks).
import type { IdentityMap } from '../object/identity.js';
import { newProxy } from '../object/lifecycle.js';
import { classInfoOrPlaceholder } from '../object/placeholder.js';
import type { RefResolver } from '../serialization/codec.js';

export function proxyResolver(identity: IdentityMap): RefResolver {
  return (id, className, hint) => {
    const known = identity.get(id);
    if (known) return known;
    const proxy = newProxy(classInfoOrPlaceholder(className), id, hint ?? undefined);
    identity.add(proxy);
    return proxy;
  };
}
