export * from './people.js';
export * from './shapes.js';
