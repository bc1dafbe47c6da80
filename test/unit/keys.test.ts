import { describe, expect, it } from 'vitest';
import { escapeKeyPart, unescapeKeyPart } from '../../src/internal.js';

describe('KV key escaping', () => {
  it.each(['plain', 'with space', 'dots.and>wild*', 'é-ü-漢字-🙂', '=x=', '', 'a/b'])(
    'round-trips %j into a safe token',
    (s) => {
      const key = escapeKeyPart(s);
      expect(key).toMatch(/^[A-Za-z0-9_=-]+$/);
      expect(unescapeKeyPart(key)).toBe(s);
    },
  );

  it('is injective on tricky pairs', () => {
    expect(escapeKeyPart('a=2E')).not.toBe(escapeKeyPart('a.'));
    expect(escapeKeyPart('')).not.toBe(escapeKeyPart('='));
  });
});
