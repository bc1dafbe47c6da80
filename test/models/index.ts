export * from './people.js';
export * from './shapes.js';
export * from './storage.js';
export * from './counters.js';
export * from './probes.js';
export * from './integrity.js';
export * from './faults.js';
export * from './bank.js';
