// Versioning for parallel computing: several workers each take a version of one object, change it concurrently,
// and the best version is consolidated into the original; the others are simply left aside.
import type { Client } from '../../src/index.js';
import { Simulation } from './model.js';

export interface TuningResult {
  tried: number[];
  scores: number[];
  best: number;
  originalScore: number;
  originalRate: number;
}

export async function tune(
  client: Client,
  rates = [0.05, 0.2, 0.35, 0.5, 0.8],
  log: (line: string) => void = console.log,
): Promise<TuningResult> {
  const backends = [...(await client.getBackends()).keys()];
  const sim = new Simulation('tuning');
  await sim.makePersistent({ backendId: backends[0] });
  // one version per worker, spread over the backends, all evaluated at the same time
  const versions = await Promise.all(rates.map((_, i) => sim.newVersion(backends[i % backends.length])));
  const scores = await Promise.all(versions.map((v, i) => v.evaluate(rates[i])));
  rates.forEach((r, i) => log(`version on ${versions[i].backendId}: learning rate ${r} scores ${scores[i]}`));
  const best = scores.indexOf(Math.max(...scores));
  await versions[best].consolidateVersion();
  const originalScore = await sim.dcGet('score');
  const originalRate = await sim.dcGet('learningRate');
  log(`consolidated the best (rate ${rates[best]}): the original now scores ${originalScore}`);
  return { tried: rates, scores, best, originalScore, originalRate };
}
