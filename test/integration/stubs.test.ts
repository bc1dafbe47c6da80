// Using objects without the model's code: dynamic stubs (client.stub) and generated stubs (`dataclay stubs`).
// This file imports no model: its process has none of the classes the cluster's backends run.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { FieldNotFoundError, NotLocalError, type StubObject } from '../../src/index.js';
import { ROOT } from '../transformer/compile.js';
import { envFor, tempDir, testClient, uniqueAlias } from '../setup/helpers.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

interface PersonFields {
  name: string;
  age: number;
}
interface PersonStub extends StubObject<PersonFields> {
  addYear(): Promise<number>;
  adopt(name: string): Promise<PersonStub>;
}

describe('dynamic stubs', () => {
  it('construct on a backend, call, read and write known fields only', async () => {
    await using client = await testClient();
    const Person = await client.stub<PersonStub, [name: string, age: number]>('test/models/people.Person');
    const ann = await Person.create('Ann', 30);
    expect(ann.isRegistered).toBe(true);
    expect(ann.isLocal).toBe(false);
    expect(await ann.addYear()).toBe(31);
    expect(await ann.dcGet('age')).toBe(31);
    await ann.dcSet('name', 'Anna');
    expect(await ann.dcGet('name')).toBe('Anna');
    await expect(ann.dcGet('salary' as 'name')).rejects.toBeInstanceOf(FieldNotFoundError);
    expect(() => (ann as unknown as { age: number }).age).toThrow(NotLocalError);
    const alias = uniqueAlias();
    await ann.addAlias(alias);
    expect(await Person.getByAlias(alias)).toBe(ann);
    const kid = await ann.adopt('Kid');
    expect(await kid.dcGet('name')).toBe('Kid');
    expect(await client.stub('test/models/people.Person')).toBe(Person);
    const onB2 = await Person.createOn('backend-2', 'Bea', 1);
    expect(onB2.backendId).toBe('backend-2');
  });

  it('a reference to a class this process lacks decodes as a stub, upgraded in place by client.stub', async () => {
    await using client = await testClient();
    const Family = await client.stub<StubObject & { addMember(n: string, a: number): Promise<StubObject> }>(
      'samples/family/model.Family',
    );
    const { defineValueStub } = await import('../../src/index.js');
    const Address = defineValueStub<{ street: string; city: string }>({
      name: 'samples/family/model.Address',
      kind: 'value',
      fields: [],
      methods: [],
    });
    const family = await Family.create('Stub', Address.of({ street: 's', city: 'c' }));
    const member = await family.addMember('Zoe', 9); // samples/family/model.Person: not stubbed yet
    expect(member.className).toBe('samples/family/model.Person');
    expect(await member.dcGet('name' as never)).toBe('Zoe Stub'); // fields unknown here: the backend checks them
    await client.stub('samples/family/model.Person');
    const dog = await (member as unknown as { adoptDog(n: string, b: string): Promise<StubObject> }).adoptDog(
      'Rex',
      'pug',
    );
    expect(await dog.dcGet('name' as never)).toBe('Rex');
  });
});

describe('generated stubs', () => {
  const committed = path.join(ROOT, 'samples/stubs-client/generated/index.ts');
  const generate = async (out: string) => {
    const classes = [
      'samples/family/model.Address',
      'samples/family/model.Dog',
      'samples/family/model.Family',
      'samples/family/model.Person',
    ];
    await run(
      process.execPath,
      [
        CLI,
        'stubs',
        '--nats',
        inject('natsUrl'),
        '--out',
        out,
        '--import',
        '../../../src/index.js',
        '--class',
        ...classes,
      ],
      { env: envFor() },
    );
    return readFileSync(path.join(out, 'index.ts'), 'utf8');
  };

  it('are deterministic and match the committed sample', async () => {
    const first = await generate(tempDir('stubs-a'));
    const second = await generate(tempDir('stubs-b'));
    expect(second).toBe(first);
    expect(first).toBe(readFileSync(committed, 'utf8'));
  });

  it('compile with tsc --strict, alone', async () => {
    const dir = tempDir('stubs-check', path.join(ROOT, 'dist')); // in the project: tsc finds node_modules/@types
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'ES2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          skipLibCheck: true,
          types: ['node'],
        },
        files: [committed, path.join(ROOT, 'samples/stubs-client/walkthrough.ts')],
      }),
    );
    const result = await run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir]).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('a client process that has only the generated stubs works against the cluster', async () => {
    const alias = uniqueAlias('lopez');
    const { stdout } = await run(
      process.execPath,
      [path.join(ROOT, 'dist/samples/stubs-client/main.js'), inject('natsUrl'), alias, 'json'],
      { env: envFor() },
    );
    expect(JSON.parse(stdout)).toEqual({
      census: 'The Lopezs at 3 Oak St, Madrid: 2 members, 1 dogs (Toby)',
      bark: 'Toby (terrier) barks for Ana Lopez',
      city: 'Madrid',
      sameFamily: true,
      oldest: 'Luis Lopez',
    });
  });
});
