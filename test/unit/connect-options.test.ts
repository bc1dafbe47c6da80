// How options, DC_NATS_* variables and URL userinfo resolve into connection settings, and what is redacted.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/index.js';
import { natsEnv, redactUrl, resolveNatsSettings } from '../../src/internal.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dc-connect-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const invalid = (fn: () => unknown): InvalidOptionError => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidOptionError);
    return err as InvalidOptionError;
  }
  throw new Error('expected an InvalidOptionError');
};

describe('resolving connection settings', () => {
  it('defaults to the local server; several servers from an array or a comma-separated string', () => {
    expect(resolveNatsSettings({}, {})).toEqual({ servers: ['nats://127.0.0.1:4222'] });
    expect(resolveNatsSettings({ servers: ['a:1', 'tls://b:2'] }, {}).servers).toEqual(['nats://a:1', 'tls://b:2']);
    expect(resolveNatsSettings({}, { DC_NATS_URL: 'nats://a:1, nats://b:2' }).servers).toEqual([
      'nats://a:1',
      'nats://b:2',
    ]);
    expect(resolveNatsSettings({ natsUrl: 'a:1,b:2' }, {}).servers).toEqual(['nats://a:1', 'nats://b:2']);
  });

  it('options win over the environment, field by field', () => {
    const env = { DC_NATS_URL: 'nats://env:1', DC_NATS_USER: 'env-user', DC_NATS_PASSWORD: 'env-pw' };
    expect(resolveNatsSettings({ user: 'opt-user' }, env)).toEqual({
      servers: ['nats://env:1'],
      user: 'opt-user',
      pass: 'env-pw',
    });
    expect(resolveNatsSettings({ servers: 'nats://opt:2' }, env).servers).toEqual(['nats://opt:2']);
  });

  it('takes userinfo out of the URL: user:pass, or a lone token', () => {
    expect(resolveNatsSettings({ servers: 'nats://al%40ce:p%3Ass@h:1' }, {})).toEqual({
      servers: ['nats://h:1'],
      user: 'al@ce',
      pass: 'p:ss',
    });
    expect(resolveNatsSettings({}, { DC_NATS_URL: 'nats://tok@h:1' })).toEqual({
      servers: ['nats://h:1'],
      token: 'tok',
    });
  });

  it('reads secrets from the files *_FILE variables name', () => {
    const file = path.join(dir, 'token');
    writeFileSync(file, 'from-file\n');
    expect(resolveNatsSettings({}, { DC_NATS_TOKEN_FILE: file }).token).toBe('from-file');
    expect(invalid(() => resolveNatsSettings({}, { DC_NATS_TOKEN_FILE: `${file}.gone` })).data.option).toBe(
      'DC_NATS_TOKEN_FILE',
    );
  });

  it('takes a variable set to the empty string as unset', () => {
    const env = { DC_NATS_URL: '', DC_NATS_TOKEN: '', DC_NATS_USER: 'u', DC_NATS_PASSWORD: 'p' };
    expect(resolveNatsSettings({}, env)).toEqual({ servers: ['nats://127.0.0.1:4222'], user: 'u', pass: 'p' });
  });

  it('refuses two ways to authenticate, a password without a user, unreadable files', () => {
    expect(invalid(() => resolveNatsSettings({ user: 'u', pass: 'p' }, { DC_NATS_TOKEN: 't' })).data.option).toBe(
      'auth',
    );
    expect(invalid(() => resolveNatsSettings({ pass: 'p' }, {})).data.option).toBe('user');
    expect(invalid(() => resolveNatsSettings({ credsFile: path.join(dir, 'none.creds') }, {})).data.option).toBe(
      'credsFile',
    );
    expect(invalid(() => resolveNatsSettings({ tls: { ca: path.join(dir, 'none.pem') } }, {})).data.option).toBe(
      'tls.ca',
    );
  });

  it('names a bad URL without the password in it', () => {
    const err = invalid(() => resolveNatsSettings({ servers: 'nats://u:hunter2@' }, {}));
    expect(err.data.option).toBe('servers');
    expect(err.message).not.toContain('hunter2');
    expect(err.data.value).toBe('nats://***@');
  });
});

describe('redaction and child environments', () => {
  it('redactUrl hides userinfo, with or without a scheme', () => {
    expect(redactUrl('nats://u:p@h:1')).toBe('nats://***@h:1');
    expect(redactUrl('tok@h:1')).toBe('***@h:1');
    expect(redactUrl('nats://h:1')).toBe('nats://h:1');
  });

  it('natsEnv gives a child process its settings as DC_NATS_* variables', () => {
    const settings = resolveNatsSettings({ servers: ['nats://u:p@a:1', 'b:2'] }, {});
    expect(natsEnv(settings)).toEqual({
      DC_NATS_URL: 'nats://a:1,nats://b:2',
      DC_NATS_USER: 'u',
      DC_NATS_PASSWORD: 'p',
    });
  });
});
