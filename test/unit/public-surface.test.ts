// The declarations a user sees (the built .d.ts) carry the curated API only: nothing of the runtime's internals.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dts = (file: string) => readFileSync(new URL(`../../src/${file}`, import.meta.url), 'utf8'); // dist/src

describe('the public declarations', () => {
  it('DataClayObject has no internal members (its state slot, a materialize factory)', () => {
    const text = dts('object/dataclay-object.d.ts');
    expect(text).toContain('declare class DataClayObject');
    expect(text).not.toMatch(/STATE|ObjectState|materialize/);
  });

  it("Backend keeps its runtime private, and a BackendHandle's constructor is not public", () => {
    expect(dts('backend/backend.d.ts')).toMatch(/private readonly runtime;/);
    expect(dts('client/backend-handle.d.ts')).not.toMatch(/constructor/);
  });

  it('Client exposes no runtime', () => {
    const text = dts('client/client.d.ts');
    expect(text).not.toMatch(/Runtime|Requests|Placement/);
  });
});
