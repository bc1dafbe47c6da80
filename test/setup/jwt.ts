// Decentralized NATS auth for tests, without nsc: an operator, one account and its users as signed JWTs, the
// server config that trusts them, and .creds files as nsc writes them.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { nkeys } from '@nats-io/transport-node';

type KeyPair = ReturnType<typeof nkeys.createUser>;

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const b64url = (data: Uint8Array | string) => Buffer.from(data).toString('base64url');

function sign(claims: Record<string, unknown>, issuer: KeyPair): string {
  const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' }));
  const body: Record<string, unknown> = { ...claims, iat: Math.floor(Date.now() / 1000), iss: issuer.getPublicKey() };
  body.jti = createHash('sha256').update(JSON.stringify(body)).digest('hex').toUpperCase();
  const payload = b64url(JSON.stringify(body));
  return `${header}.${payload}.${b64url(issuer.sign(new TextEncoder().encode(`${header}.${payload}`)))}`;
}

export interface TestOperator {
  /** nats-server config text: the operator, and its account preloaded in a memory resolver. */
  config: string;
  /** Writes a .creds file for a new user of the account (mode 0600). */
  writeCreds(file: string): void;
}

export function makeOperator(): TestOperator {
  const operator = nkeys.createOperator();
  const account = nkeys.createAccount();
  const operatorJwt = sign(
    { sub: operator.getPublicKey(), name: 'test', nats: { type: 'operator', version: 2 } },
    operator,
  );
  const unlimited = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };
  const accountJwt = sign(
    { sub: account.getPublicKey(), name: 'A', nats: { type: 'account', version: 2, limits: unlimited } },
    operator,
  );
  return {
    config: [
      `operator: ${JSON.stringify(operatorJwt)}`,
      'resolver: MEMORY',
      `resolver_preload: { ${account.getPublicKey()}: ${JSON.stringify(accountJwt)} }`,
    ].join('\n'),
    writeCreds(file) {
      const user = nkeys.createUser();
      const limits = { pub: {}, sub: {}, subs: -1, data: -1, payload: -1 };
      const jwt = sign({ sub: user.getPublicKey(), name: 'u', nats: { type: 'user', version: 2, ...limits } }, account);
      const creds =
        `-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n\n` +
        `-----BEGIN USER NKEY SEED-----\n${text(user.getSeed())}\n------END USER NKEY SEED------\n`;
      writeFileSync(file, creds, { mode: 0o600 });
    },
  };
}
