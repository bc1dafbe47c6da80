// The log of schema evolution: records of an older class shape loaded into the current class, counted per class,
// a line for the first of each class and then one per 1,000 (a cluster loading a million old records stays readable).
import type { Logger } from 'pino';
import type { Evolution } from '../object/evolution.js';

const EVERY = 1000;

export function evolutionLog(log: Pick<Logger, 'info'>): (className: string, evolution: Evolution) => void {
  const counts = new Map<string, { loaded: number; fieldsDropped: number }>();
  return (className, e) => {
    const c = counts.get(className) ?? { loaded: 0, fieldsDropped: 0 };
    c.loaded++;
    c.fieldsDropped += e.dropped.length;
    counts.set(className, c);
    if (c.loaded === 1 || c.loaded % EVERY === 0) {
      log.info(
        { className, fromVersion: e.from, renamed: e.renamed, dropped: e.dropped, defaulted: e.defaulted, ...c },
        'loaded records of an older class shape',
      );
    }
  };
}
