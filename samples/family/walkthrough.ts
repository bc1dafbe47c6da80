// The family walk-through: objects created by active methods, links across objects, value classes, clones.
import type { Client } from '../../src/index.js';
import { Address, Family } from './model.js';

export interface FamilyResult {
  census: string;
  bark: string;
  oldest: string;
  sameDog: boolean;
  cloneMembers: number;
  cloneIsLocal: boolean;
  movedTo: string;
}

export async function familyWalkthrough(
  _client: Client,
  alias = 'smiths',
  log: (line: string) => void = console.log,
): Promise<FamilyResult> {
  const family = new Family('Smith', new Address('1 Main St', 'Springfield'));
  await family.makePersistent({ alias });
  log(`1. the ${await family.dcGet('surname')} family lives on ${family.backendId}`);

  const anna = await family.addMember('Anna', 41);
  const ben = await family.addMember('Ben', 43);
  await family.addMember('Cleo', 9);
  log(
    `2. three members created by Family.addMember on ${anna.backendId}: ${await anna.dcGet('name')}, ${await ben.dcGet('name')}, ...`,
  );

  const rex = await anna.adoptDog('Rex', 'beagle');
  await ben.adoptDog('Fido', 'collie');
  log(`3. Anna adopts ${await rex.dcGet('name')}, created on her backend (${rex.backendId})`);

  const bark = await rex.bark();
  log(`4. rex.bark(): ${bark}`);

  const census = await family.census();
  log(`5. family.census(): ${census}`);

  const oldest = await family.oldest();
  log(`6. family.oldest(): ${await oldest!.dcGet('name')}`);

  const sameDog = (await anna.dcGet('dogs'))[0] === rex;
  log(`7. anna's first dog is the same object as rex: ${sameDog}`);

  const copy = await Family.dcCloneByAlias(alias);
  log(`8. Family.dcCloneByAlias('${alias}'): a local copy (local=${copy.isLocal}) with ${copy.members.length} members`);

  const address = await family.dcGet('address');
  await family.dcSet('address', new Address('2 Elm St', address.city));
  const movedTo = String(await family.dcGet('address'));
  log(`9. the family moves house: ${movedTo}`);

  return {
    census,
    bark,
    oldest: await oldest!.dcGet('name'),
    sameDog,
    cloneMembers: copy.members.length,
    cloneIsLocal: copy.isLocal,
    movedTo,
  };
}
