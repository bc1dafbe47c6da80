// `dataclay stubs`: ask a running cluster for its classes and write typed stubs for them.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '../client/client.js';
import { generateStubs } from '../stubs/codegen.js';
import { type NatsFlags, natsOptionsFrom } from './nats-flags.js';

export interface StubsOptions extends NatsFlags {
  namespace: string;
  out: string;
  class?: string[];
  import: string;
}

export async function runStubs(options: StubsOptions): Promise<void> {
  const client = await new Client({
    ...natsOptionsFrom(options),
    namespace: options.namespace,
    timeoutMs: 10_000,
  }).start();
  try {
    const names = options.class?.length
      ? options.class
      : [...new Set([...(await client.getBackends()).values()].flatMap((b) => b.classes))];
    const classes = await Promise.all(names.map((n) => client.getClassInfo(n)));
    mkdirSync(options.out, { recursive: true });
    const file = path.join(options.out, 'index.ts');
    writeFileSync(file, generateStubs(classes, { runtimeModule: options.import }));
    console.log(`${classes.length} classes → ${file}`);
  } finally {
    await client.stop();
  }
}
