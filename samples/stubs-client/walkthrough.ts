// A client that has none of the model's code: only the stubs `dataclay stubs` generated from the running cluster.
import type { Client } from '../../src/index.js';
import { Address, Family } from './generated/index.js';

export interface StubResult {
  census: string;
  bark: string;
  city: string;
  sameFamily: boolean;
  oldest: string | null;
}

export async function stubWalkthrough(
  _client: Client,
  alias: string,
  log: (line: string) => void = console.log,
): Promise<StubResult> {
  const family = await Family.create('Lopez', Address.of({ street: '3 Oak St', city: 'Madrid' })); // runs on a backend
  await family.addAlias(alias);
  log(`1. Family.create(...) ran the constructor on ${family.backendId}`);
  const ana = await family.addMember('Ana', 35);
  await family.addMember('Luis', 37);
  const toby = await ana.adoptDog('Toby', 'terrier');
  log(
    `2. members and a dog created by active methods, typed: ${await ana.dcGet('name')} has ${await toby.dcGet('name')}`,
  );
  const census = await family.census();
  const bark = await toby.bark();
  log(`3. ${census}; ${bark}`);
  const { city } = await family.dcGet('address'); // a value class, typed by the stub's interface
  const oldest = await family.oldest();
  const sameFamily = (await Family.getByAlias(alias)) === family;
  log(
    `4. address in ${city}; oldest ${oldest ? await oldest.dcGet('name') : null}; getByAlias gives the same instance: ${sameFamily}`,
  );
  return { census, bark, city, sameFamily, oldest: oldest ? await oldest.dcGet('name') : null };
}
