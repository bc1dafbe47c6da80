// The cluster block of a generated nats-server config, and the default bucket replicas read from a server's INFO.
import type { NatsConnection } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { defaultReplicas } from '../../src/metadata/buckets.js';
import { clusterBlock } from '../../src/security/server-config.js';

describe('clusterBlock', () => {
  const member = {
    cluster: 'dc',
    server: 'nats-1',
    host: '127.0.0.1',
    port: 6001,
    routes: [6001, 6002],
    user: 'route',
    password: 'p@ss:"/w',
  };

  it('names the server and authenticates its routes, with the login in every route URL', () => {
    const text = clusterBlock(member);
    expect(text).toContain('server_name: "nats-1"');
    expect(text).toContain('listen: "127.0.0.1:6001"');
    expect(text).toContain('authorization { user: "route", password: "p@ss:\\"/w", timeout: 2 }');
    // the password's @ : " / cannot end the URL's userinfo early
    const login = `route:${encodeURIComponent(member.password)}`;
    expect(text).toContain(`"nats-route://${login}@127.0.0.1:6001", "nats-route://${login}@127.0.0.1:6002"`);
    expect(encodeURIComponent(member.password)).not.toMatch(/[@:"/]/);
  });
});

describe('defaultReplicas', () => {
  const nc = (info: Record<string, unknown> | undefined) => ({ info }) as unknown as NatsConnection;

  it('is 3 on a cluster that advertises 3 or more servers, 1 otherwise', () => {
    expect(defaultReplicas(nc(undefined))).toBe(1);
    expect(defaultReplicas(nc({ connect_urls: ['a:1', 'b:1', 'c:1'] }))).toBe(1); // no cluster name: a lone server
    expect(defaultReplicas(nc({ cluster: 'dc', connect_urls: ['a:1', 'b:1'] }))).toBe(1);
    expect(defaultReplicas(nc({ cluster: 'dc', connect_urls: ['a:1', 'a:1', 'b:1'] }))).toBe(1); // counted once
    expect(defaultReplicas(nc({ cluster: 'dc', connect_urls: ['a:1', 'b:1', 'c:1'] }))).toBe(3);
    expect(defaultReplicas(nc({ cluster: 'dc', connect_urls: ['a:1', 'b:1', 'c:1', 'd:1', 'e:1'] }))).toBe(3);
    expect(defaultReplicas(nc({ cluster: 'dc' }))).toBe(1); // no_advertise: nothing to count
  });
});
