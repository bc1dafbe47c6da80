import { describe, expect, it } from 'vitest';
import { detached } from '../../src/serialization/strings.js';

describe('detached', () => {
  it('returns an equal string, for any text an id or a name may hold', () => {
    for (const text of ['', 'backend-1', '0f3c2a1e-1111-2222-3333-444455556666', 'dataset-ñ-日本', 'x'.repeat(5000)])
      expect(detached(text)).toBe(text);
  });
});
