// Compiled model modules the test backends load: the test models and every sample's.
import { fileURLToPath } from 'node:url';

const dist = (rel: string) => fileURLToPath(new URL(`../../${rel}`, import.meta.url));

export const TEST_MODELS = [
  dist('test/models/index.js'),
  dist('samples/quickstart/model.js'),
  dist('samples/family/model.js'),
  dist('samples/versioning/model.js'),
];
