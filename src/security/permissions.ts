// The nats-server permissions of each role (docs/security.md): allow-lists only, every entry naming its namespace.
// A user publishes only under its own prefix and reads only its own inbox; backends serve every space, reply to
// any inbox and hold the minimal JetStream set for their buckets. nats-server never checks a reply subject against
// these: backends do (messaging/subjects.ts replyAllowed).
import { assertToken, inboxPrefix, METADATA_QUEUE } from '../messaging/subjects.js';
import type { Role } from '../protocol/operation.js';

/** The namespace's KV buckets, dc_<ns>_<name>: backends only. */
export const BUCKETS = ['objects', 'aliases', 'backends', 'grants'] as const;

export interface Permissions {
  publish: { allow: string[] };
  subscribe: { allow: string[] };
}

/**
 * A role's permissions. `backendId` narrows a backend user to serving that backend and writing its own heartbeat
 * record (one NATS user per backend).
 */
export function permissionsFor(
  role: Role,
  user: string,
  namespaces: readonly string[],
  options: { backendId?: string } = {},
): Permissions {
  const inbox = `${inboxPrefix(user)}.>`;
  const nss = namespaces.map((ns) => assertToken('namespace', ns));
  switch (role) {
    case 'client':
      return { publish: { allow: nss.map((ns) => `dc.${ns}.u.${user}.>`) }, subscribe: { allow: [inbox] } };
    case 'admin':
      return {
        publish: { allow: nss.flatMap((ns) => [`dc.${ns}.u.${user}.>`, `dc.${ns}.a.${user}.>`]) },
        subscribe: { allow: [inbox] },
      };
    case 'backend': {
      const id = options.backendId === undefined ? '*' : assertToken('backendId', options.backendId);
      const publish = ['_INBOX.>']; // answers every caller; only backends may, so nobody forges a reply
      const subscribe = [inbox];
      for (const ns of nss) {
        publish.push(`dc.${ns}.b.>`, ...kvSubjects(ns, options.backendId));
        // a queue subscription is allowed only in the group the entry names
        subscribe.push(`dc.${ns}.*.*.be.${id}.>`, `dc.${ns}.*.*.md.> ${METADATA_QUEUE}`);
      }
      publish.push('$JS.API.INFO'); // the JetStream manager checks the API once
      return { publish: { allow: publish }, subscribe: { allow: subscribe } };
    }
  }
}

/**
 * What @nats-io/kv 3.4 publishes to create, open, read, write, list and watch a namespace's buckets, and nothing
 * more: no stream deletion, purge, update or listing. Each entry was shown necessary by removing it (see
 * docs/security.md). NATS wildcards are whole tokens, hence one set per bucket.
 */
export function kvSubjects(namespace: string, backendId?: string): string[] {
  return BUCKETS.flatMap((name) => {
    const bucket = `dc_${namespace}_${name}`;
    const stream = `KV_${bucket}`;
    const writes = name === 'backends' && backendId !== undefined ? `$KV.${bucket}.${backendId}` : `$KV.${bucket}.>`;
    return [
      `$JS.API.STREAM.INFO.${stream}`, // create/open: does the bucket exist?
      `$JS.API.STREAM.CREATE.${stream}`, // the first backend makes it
      `$JS.API.DIRECT.GET.${stream}.>`, // get(): 2.9 buckets allow direct gets
      `$JS.API.STREAM.MSG.GET.${stream}`, // get() on a bucket bound without direct get
      `$JS.API.CONSUMER.CREATE.${stream}.>`, // keys(), watch(), history(): ordered push consumers
      `$JS.API.CONSUMER.INFO.${stream}.*`, // keys(): consumer info
      `$JS.FC.${stream}.>`, // flow-control answers of those consumers
      writes, // put, create, update, delete, purge
    ];
  });
}
