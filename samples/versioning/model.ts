// A simulation whose parameters are tuned in parallel: each worker explores a version, the best one wins.
import { DataClayObject, activemethod, persistent } from '../../src/index.js';

@persistent
export class Simulation extends DataClayObject {
  name: string;
  learningRate = 0.1;
  score = 0;
  history: string[] = [];

  constructor(name: string) {
    super();
    this.name = name;
  }

  /** Runs on the version's backend: a deterministic stand-in for an expensive evaluation. */
  @activemethod
  async evaluate(learningRate: number): Promise<number> {
    this.learningRate = learningRate;
    this.score = Math.round(1000 * (1 - Math.abs(learningRate - 0.37)));
    this.history = [...this.history, `tried ${learningRate}: ${this.score}`];
    return this.score;
  }
}
