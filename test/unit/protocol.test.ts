// The operation registry: every operation declares its shape, roles and idempotency; a malformed request is a
// ProtocolError naming the operation and the bad part.
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/index.js';
import { assertShape, backendOps, metadataOps } from '../../src/internal.js';

const s = ['ann', 'ds', 'chain-1'];

function failure(fn: () => void): ProtocolError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    throw err;
  }
  throw new Error('expected a ProtocolError');
}

describe('the operation registry', () => {
  it('declares roles and idempotency for every operation', () => {
    for (const op of [...Object.values(backendOps), ...Object.values(metadataOps)]) {
      expect(op.roles.length).toBeGreaterThan(0);
      expect(typeof op.idempotent).toBe('boolean');
    }
    expect(backendOps.get.idempotent).toBe(true);
    expect(backendOps.call.idempotent).toBe(false);
    expect(backendOps.receive.roles).toEqual(['backend']);
  });

  it('accepts well-formed requests, a session without a chain included', () => {
    assertShape('call', backendOps.call.shape, [s, 'id', 'm', [1, 2]]);
    assertShape('call', backendOps.call.shape, [['ann', 'ds'], 'id', 'm', []]);
    assertShape('persist', backendOps.persist.shape, [s, [['id', 'cls', new Uint8Array(1)]], 'alias']);
    assertShape('alias.add', metadataOps['alias.add'].shape, { s, a: 'x', id: 'id' });
  });

  it('names the operation and the bad part of a malformed request', () => {
    const args = failure(() => assertShape('call', backendOps.call.shape, [s, 'id', 'm', 'not-an-array']));
    expect(args.data).toEqual({ operation: 'call', part: 'args' });
    const session = failure(() => assertShape('get', backendOps.get.shape, [['ann', 3], 'id', 'f']));
    expect(session.data).toEqual({ operation: 'get', part: 'session.dataset' });
    const record = failure(() => assertShape('persist', backendOps.persist.shape, [s, [['id', 'cls', 'no bytes']]]));
    expect(record.data).toEqual({ operation: 'persist', part: 'records[0].state' });
    const empty = failure(() => assertShape('persist', backendOps.persist.shape, [s, []]));
    expect(empty.data.part).toBe('records');
    const alias = failure(() => assertShape('alias.get', metadataOps['alias.get'].shape, { s, d: 'ds' }));
    expect(alias.data).toEqual({ operation: 'alias.get', part: 'a' });
    const whole = failure(() => assertShape('object', metadataOps.object.shape, 'garbage'));
    expect(whole.data).toEqual({ operation: 'object', part: 'request' });
  });
});
