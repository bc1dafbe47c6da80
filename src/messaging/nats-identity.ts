// Who a connection is to the NATS server: the authenticator that proves it, and the name the server knows it by,
// which is also the caller's identity in the subjects it sends on.
import { readFileSync } from 'node:fs';
import {
  type Authenticator,
  credsAuthenticator,
  nkeyAuthenticator,
  nkeys,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
} from '@nats-io/transport-node';
import type { NatsSettings } from './connect-options.js';

/** Its user, or its nkey's public key; none for a token or creds. */
export function natsIdentity(settings: NatsSettings): string | undefined {
  if (settings.user !== undefined) return settings.user;
  if (settings.nkeySeed !== undefined) {
    return nkeys.fromSeed(new TextEncoder().encode(settings.nkeySeed)).getPublicKey();
  }
  return undefined;
}

export function authenticator(s: NatsSettings): Authenticator | undefined {
  if (s.user !== undefined) return usernamePasswordAuthenticator(s.user, s.pass);
  if (s.token !== undefined) return tokenAuthenticator(s.token);
  if (s.nkeySeed !== undefined) return nkeyAuthenticator(new TextEncoder().encode(s.nkeySeed));
  // read on every (re)connect: a rotated creds file is picked up without a restart
  const file = s.credsFile;
  if (file !== undefined) return credsAuthenticator(() => readFileSync(file));
  return undefined;
}
