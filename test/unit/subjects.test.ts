// The subject scheme: who sends is in the subject (space and user), a backend answers only the caller's inbox, and
// a client's operator operations go to the admin space.
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/index.js';
import { clientIdentity, parseSubject, replyAllowed, senderFor, Subjects } from '../../src/internal.js';

describe('subjects', () => {
  it('name the space and the user; a client sends operator operations in the admin space', () => {
    const client = new Subjects(
      'ns',
      senderFor({ side: 'client', user: 'ann' }, () => 'ignored'),
    );
    expect(client.backend('B1', 'call')).toBe('dc.ns.u.ann.be.B1.call');
    expect(client.backend('B1', 'stop')).toBe('dc.ns.a.ann.be.B1.stop');
    expect(client.backend('B1', 'ping')).toBe('dc.ns.a.ann.be.B1.ping');
    expect(client.metadata('alias.get')).toBe('dc.ns.u.ann.md.alias.get');
    expect(client.metadata('objects')).toBe('dc.ns.a.ann.md.objects');
    expect(client.metadataAt('B1', 'alias.get')).toBe('dc.ns.u.ann.be.B1.md.alias.get');
    expect(client.metadataAtAll('B1')).toBe('dc.ns.*.*.be.B1.md.>');
    // a backend sends on behalf of the user whose request it serves
    let user = 'ann';
    const backend = new Subjects(
      'ns',
      senderFor({ side: 'backend', user: 'backend' }, () => user),
    );
    expect(backend.backend('B2', 'receive')).toBe('dc.ns.b.ann.be.B2.receive');
    // or of the context a request names (a batch of persists sent at a turn's end), whatever the current one is
    expect(backend.backend('B2', 'persistEach', 'bob')).toBe('dc.ns.b.bob.be.B2.persistEach');
    expect(client.backend('B1', 'call', 'bob')).toBe('dc.ns.u.ann.be.B1.call'); // a client is always itself
    expect(() => backend.backend('B2', 'persist', 'a.b')).toThrow(InvalidOptionError);
    user = 'a.b';
    expect(() => backend.metadata('object')).toThrow(InvalidOptionError);
  });

  it('are read back; anything else is not ours', () => {
    expect(parseSubject('dc.ns.u.ann.be.B1.call')).toEqual({ space: 'u', user: 'ann', backendId: 'B1', op: 'call' });
    expect(parseSubject('dc.ns.a.root.md.alias.get')).toEqual({ space: 'a', user: 'root', op: 'alias.get' });
    // a metadata request addressed to one backend is a metadata request
    expect(parseSubject('dc.ns.u.ann.be.B1.md.alias.get')).toEqual({ space: 'u', user: 'ann', op: 'alias.get' });
    // parsed once and kept: the same subject again is the same answer
    expect(parseSubject('dc.ns.u.ann.be.B1.call')).toBe(parseSubject('dc.ns.u.ann.be.B1.call'));
    expect(parseSubject('dc.ns.x.ann.be.B1.call')).toBeUndefined();
    expect(parseSubject('dc.ns.x.ann.be.B1.call')).toBeUndefined();
    expect(parseSubject('dc.ns.x.ann.be.B1.call')).toBeUndefined();
    expect(parseSubject('dc.ns.be.B1.call')).toBeUndefined();
    expect(parseSubject('dc.ns.u.ann.be.B1.call.more')).toBeUndefined();
  });

  it('a reply goes to the caller’s own inbox (any inbox for a backend), else the request is dropped', () => {
    const u = parseSubject('dc.ns.u.ann.be.B1.get')!;
    expect(replyAllowed(u, '_INBOX.ann.x.1')).toBe(true);
    expect(replyAllowed(u, '_INBOX.bob.x.1')).toBe(false);
    expect(replyAllowed(u, '_INBOX.annie.x.1')).toBe(false);
    expect(replyAllowed(u, '$KV.dc_ns_backends.rogue')).toBe(false);
    expect(replyAllowed(u, 'dc.ns.b.ann.be.B2.retire')).toBe(false);
    expect(replyAllowed(u, undefined)).toBe(false);
    const b = parseSubject('dc.ns.b.ann.be.B1.receive')!;
    expect(replyAllowed(b, '_INBOX.backend.x.1')).toBe(true);
    expect(replyAllowed(b, '$KV.dc_ns_objects.x')).toBe(false);
  });

  it('a client is its NATS identity; another username is refused', () => {
    expect(clientIdentity({ servers: [] }, undefined)).toBe('admin');
    expect(clientIdentity({ servers: [] }, 'ann')).toBe('ann');
    expect(clientIdentity({ servers: [], user: 'bob' }, undefined)).toBe('bob');
    expect(clientIdentity({ servers: [], user: 'bob' }, 'bob')).toBe('bob');
    expect(() => clientIdentity({ servers: [], user: 'bob' }, 'root')).toThrow(InvalidOptionError);
    expect(() => clientIdentity({ servers: [] }, 'a*')).toThrow(InvalidOptionError);
  });
});
