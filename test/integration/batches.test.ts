// Requests in flight together to one backend share messages (messaging/batch.ts), on the real cluster: each keeps
// its own outcome, a bad batch is refused whole and the backend keeps serving, a reply too large to share a message
// comes alone (in parts if it must), and a backend of an older build gets them alone after its first refusal.
import { connect, type Msg, type NatsConnection, headers as natsHeaders } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { inject } from 'vitest';
import { AbortedError, PermissionDeniedError, ProtocolError, RemoteError } from '../../src/index.js';
import {
  BATCH_OP,
  decode,
  decodeBatch,
  encodeBatch,
  encodeError,
  encodeOk,
  readReply,
  RequestMux,
  Requests,
} from '../../src/internal.js';
import { BankAccount, Counter, Holder, Person } from '../models/index.js';
import { rawRequest, useClient, waitFor } from '../setup/helpers.js';

useClient(); // the models below need a started client
const NS = 'default';

/** A connection with the spare backend identity: it may watch every backend's subjects, and answer on them. */
async function asBackend(): Promise<NatsConnection> {
  const { servers, user, pass } = inject('natsBackend');
  return connect({ servers, user, pass, inboxPrefix: `_INBOX.${user}` });
}

/** The objects the calls of a batch name (a call's request is `[session, objectId, method, args]`). */
function objectsIn(batch: Uint8Array): string[] {
  return decodeBatch(batch)
    .filter((m) => m.op === 'call')
    .map((m) => (decode(m.payload) as [unknown, string])[1]);
}

describe('requests in flight together share messages', () => {
  let watcher: NatsConnection;
  /** The batches sent to each backend: its id, then the frames. */
  const seen: [string, Uint8Array][] = [];
  const batchesTo = (backendId: string) => seen.filter(([to]) => to === backendId).map(([, b]) => b);

  beforeAll(async () => {
    watcher = await asBackend();
    // a plain subscription gets a copy of every batch sent to a backend, and changes nothing
    watcher.subscribe(`dc.${NS}.*.*.be.*.${BATCH_OP}`, {
      callback: (_e, msg) => {
        seen.push([msg.subject.split('.')[5], msg.data]);
      },
    });
    await watcher.flush();
  });
  afterAll(async () => {
    await watcher?.close();
  });

  it('calls made together go in batches, and each gets its own answer', async () => {
    const people = await Promise.all(
      Array.from({ length: 5 }, async (_, i) => {
        const p = new Person(`p${i}`, i);
        await p.makePersistent({ backendId: 'backend-2' });
        return p;
      }),
    );
    const before = batchesTo('backend-2').length;
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => people[i % 5].echo(`call ${i}`)));
    expect(answers).toEqual(Array.from({ length: 200 }, (_, i) => `call ${i}`));
    await waitFor(() => batchesTo('backend-2').length > before, { what: 'a batch seen on the wire' });
    const members = batchesTo('backend-2')
      .slice(before)
      .flatMap((b) => decodeBatch(b));
    expect(members.length).toBeGreaterThan(100); // the first goes alone, at once; the others wait for nothing
    expect(new Set(members.map((m) => m.op))).toEqual(new Set(['call']));
  });

  it('a member that fails fails alone: the others of its batch get their answers', async () => {
    const rich = new BankAccount('rich', 1_000_000);
    const poor = new BankAccount('poor', 0);
    await rich.makePersistent({ backendId: 'backend-1' });
    await poor.makePersistent({ backendId: 'backend-1' });
    const before = batchesTo('backend-1').length;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? rich.withdraw(1) : poor.withdraw(1))),
    );
    outcomes.forEach((o, i) => {
      if (i % 2 === 0) expect(o.status).toBe('fulfilled');
      else {
        expect(o.status).toBe('rejected');
        expect((o as PromiseRejectedResult).reason).toBeInstanceOf(RemoteError);
        expect((o as PromiseRejectedResult).reason.message).toMatch(/InsufficientFunds|poor/);
      }
    });
    expect(await rich.dcGet('balance')).toBe(1_000_000 - 20);
    // one batch carried calls on both accounts: the refused ones failed alone beside the others
    const ids = new Set([rich.id, poor.id]);
    await waitFor(
      () =>
        batchesTo('backend-1')
          .slice(before)
          .some((b) => new Set(objectsIn(b).filter((id) => ids.has(id))).size === 2),
      {
        what: 'a batch with calls on both accounts',
      },
    );
  });

  it('a reply too large to share a message comes alone, in parts when it must', async () => {
    const big = new Holder();
    big.blob = 'x'.repeat(3 * 1024 * 1024); // over max_payload (1 MiB): the reply comes in parts
    const middling = new Holder();
    middling.blob = 'y'.repeat(300 * 1024); // over a batch's budget, under max_payload: alone, whole
    await big.makePersistent({ backendId: 'backend-3' });
    await middling.makePersistent({ backendId: 'backend-3' });
    const before = batchesTo('backend-3').length;
    const first = middling.peek(); // alone, at once: the others wait for the end of the checkpoint, together
    const [bigBlob, middlingBlob, ...peeks] = await Promise.all([
      big.dcGet('blob'),
      middling.dcGet('blob'),
      ...Array.from({ length: 30 }, () => middling.peek()),
    ]);
    expect(await first).toBe(0);
    expect(bigBlob).toHaveLength(3 * 1024 * 1024);
    expect(middlingBlob).toHaveLength(300 * 1024);
    expect(peeks).toEqual(Array(30).fill(0));
    await waitFor(() => batchesTo('backend-3').length > before, { what: 'a batch seen on the wire' });
    const ops = batchesTo('backend-3')
      .slice(before)
      .flatMap((b) => decodeBatch(b).map((m) => m.op));
    expect(ops.filter((op) => op === 'get')).toHaveLength(2); // both large replies were asked for in a batch
  });

  it('a member aborted before its batch goes is not sent, and the others are', async () => {
    const fake = await asBackend();
    const arrived: string[] = [];
    fake.subscribe(`dc.${NS}.*.*.be.fake-1.*`, {
      callback: (_e, msg) => {
        const members = msg.subject.endsWith(`.${BATCH_OP}`) ? decodeBatch(msg.data).map((m) => m.payload) : [msg.data];
        for (const m of members) arrived.push(new TextDecoder().decode(m));
        msg.respond(msg.data); // a single's echo; a batch is never answered here (none is expected)
      },
    });
    await fake.flush();
    const { servers, user, pass } = inject('natsUser');
    const nc = await connect({ servers, user, pass, inboxPrefix: `_INBOX.${user}` });
    const mux = new RequestMux(nc, `_INBOX.${user}`);
    try {
      const abort = new AbortController();
      const subject = `dc.${NS}.u.user.be.fake-1.call`;
      const ask = (text: string, signal?: AbortSignal) =>
        mux.request(subject, new TextEncoder().encode(text), { timeoutMs: 30_000, batch: true, signal });
      const first = ask('first'); // alone, at once: nothing else waits
      const aborted = ask('aborted', abort.signal); // these two wait for the end of the checkpoint
      const third = ask('third');
      abort.abort();
      await expect(aborted).rejects.toBeInstanceOf(AbortedError);
      expect(new TextDecoder().decode(await first)).toBe('first');
      expect(new TextDecoder().decode(await third)).toBe('third'); // the one left went alone
      expect(arrived).toEqual(['first', 'third']);
    } finally {
      mux.close();
      await nc.close();
      await fake.close();
    }
  });
});

describe('a bad batch', () => {
  it('is refused whole with a ProtocolError, and the backend keeps serving', async () => {
    const subject = `dc.${NS}.u.user.be.backend-1.${BATCH_OP}`;
    await expect(rawRequest(subject, new Uint8Array([0xc1, 0xff]))).rejects.toBeInstanceOf(ProtocolError);
    await expect(rawRequest(subject, encodeOk([1, 2, 3]))).rejects.toThrow(/batch must be/);
    const forged = encodeBatch([{ op: 'no.such', id: 1, payload: new Uint8Array(0) }]);
    await expect(rawRequest(subject, forged)).rejects.toThrow(/member 0 of a batch/);
    // in parts (or with any header) a batch would hold the backend's buffers for hundreds of requests
    const { servers, user, pass } = inject('natsUser');
    const nc = await connect({ servers, user, pass, inboxPrefix: `_INBOX.${user}` });
    try {
      const part = natsHeaders();
      part.set('Dc-Part', 'x 0 2');
      const ok = encodeBatch([{ op: 'call', id: 1, payload: encodeOk(null) }]);
      const reply = await nc.request(subject, ok, { timeout: 10_000, headers: part });
      expect(() => readReply(reply.data)).toThrow(/a batch comes in one message/);
    } finally {
      await nc.close();
    }
    const c = new Counter();
    await c.makePersistent({ backendId: 'backend-1' });
    expect((await c.servedBy())[0]).toBe('backend-1');
  });

  it("whose member names an operation nobody serves gets that member's error, alone", async () => {
    const { servers, user, pass } = inject('natsUser');
    const nc = await connect({ servers, user, pass, inboxPrefix: `_INBOX.${user}` });
    try {
      const subject = `dc.${NS}.u.user.be.backend-1.${BATCH_OP}`;
      const reply = `_INBOX.${user}.test.b1`;
      const got = new Promise<Msg[]>((resolve) => {
        const msgs: Msg[] = [];
        nc.subscribe(`_INBOX.${user}.test.*`, {
          callback: (_e, msg) => {
            msgs.push(msg);
            if (msgs.length === 1) resolve(msgs);
          },
        });
      });
      await nc.flush();
      nc.publish(subject, encodeBatch([{ op: 'nonsense', id: 7, payload: encodeOk(null) }]), { reply });
      const [msg] = await got;
      expect(msg.subject).toBe(`_INBOX.${user}.test.7`); // a group of one is answered alone, on its own id
      expect(() => readReply(msg.data)).toThrow(/unknown operation 'nonsense'/);
    } finally {
      await nc.close();
    }
  });
});

describe('a batch the server refuses to publish', () => {
  it('fails each of its members with PermissionDeniedError, at once', async () => {
    const { servers, user, pass } = inject('natsUser');
    const nc = await connect({ servers, user, pass, inboxPrefix: `_INBOX.${user}` });
    const published: string[] = [];
    const publish = nc.publish.bind(nc);
    nc.publish = (subject, ...rest) => {
      published.push(subject); // what the mux hands the connection, which the server then refuses
      return publish(subject, ...rest);
    };
    const mux = new RequestMux(nc, `_INBOX.${user}`);
    try {
      // another user's prefix: never this user's to publish on
      const subject = `dc.${NS}.u.alice.be.backend-1.call`;
      const options = { timeoutMs: 60_000, batch: true };
      const started = Date.now();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 5 }, () => mux.request(subject, encodeOk(null), options)),
      );
      for (const o of outcomes) {
        expect(o.status).toBe('rejected');
        expect((o as PromiseRejectedResult).reason).toBeInstanceOf(PermissionDeniedError);
      }
      expect(Date.now() - started).toBeLessThan(30_000); // refused, not timed out
      expect(published).toEqual([subject, `dc.${NS}.u.alice.be.backend-1.${BATCH_OP}`]); // one alone, 4 in a batch
    } finally {
      mux.close();
      await nc.close();
    }
  });
});

describe('a backend of an older build', () => {
  let old: NatsConnection;
  const seen: string[] = [];

  beforeAll(async () => {
    old = await asBackend();
    // answers what a build without batches answers: an unknown operation, for the batch as a whole
    old.subscribe(`dc.${NS}.*.*.be.old-1.*`, {
      callback: (_e, msg) => {
        const op = msg.subject.slice(msg.subject.lastIndexOf('.') + 1);
        seen.push(op);
        const unknown = new ProtocolError(`unknown operation '${op}'`, { operation: op });
        msg.respond(op === BATCH_OP ? encodeError(unknown) : encodeOk(`answered ${op}`));
      },
    });
    await old.flush();
  });
  afterAll(async () => {
    await old?.close();
  });

  it('refuses the first batch; its members are sent again alone, and so is everything after', async () => {
    const { servers, user, pass } = inject('natsUser');
    const nc = await connect({ servers, user, pass, inboxPrefix: `_INBOX.${user}` });
    const requests = new Requests({
      nc,
      namespace: NS,
      timeoutMs: 30_000,
      session: () => ({ username: user!, dataset: 'default' }),
      resolver: () => {
        throw new Error('no references expected');
      },
      encodeRefs: (encodeFn) => encodeFn(() => undefined),
      identity: { side: 'client', user: user! },
    });
    onTestFinished(async () => {
      requests.close();
      await nc.close();
    });
    const ask = () => requests.send('old-1', 'get', encodeOk(null));
    expect(await Promise.all(Array.from({ length: 6 }, ask))).toEqual(Array(6).fill('answered get'));
    expect(seen.filter((op) => op === BATCH_OP)).toHaveLength(1);
    expect(seen.filter((op) => op === 'get')).toHaveLength(6); // the first alone, the 5 refused sent again
    expect(await Promise.all(Array.from({ length: 6 }, ask))).toEqual(Array(6).fill('answered get'));
    expect(seen.filter((op) => op === BATCH_OP)).toHaveLength(1);
    expect(seen.filter((op) => op === 'get')).toHaveLength(12);
  });
});
