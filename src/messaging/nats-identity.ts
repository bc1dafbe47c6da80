// The name the NATS server knows a connection by, which is also the caller's identity in the subjects it sends on.
import { nkeys } from '@nats-io/transport-node';
import type { NatsSettings } from './connect-options.js';

/** Its user, or its nkey's public key; none for a token or creds. */
export function natsIdentity(settings: NatsSettings): string | undefined {
  if (settings.user !== undefined) return settings.user;
  if (settings.nkeySeed !== undefined) {
    return nkeys.fromSeed(new TextEncoder().encode(settings.nkeySeed)).getPublicKey();
  }
  return undefined;
}
