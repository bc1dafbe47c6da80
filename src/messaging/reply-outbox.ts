// The replies of one serving subscription, sent once per event-loop turn: nats.js writes to the socket once per
// microtask checkpoint, and each request's reply comes in a checkpoint of its own (fewer writes). The replies to
// members of the same batch (batch.ts) that are ready in that turn share one message.
import type { NatsConnection } from '@nats-io/transport-node';
import { PayloadTooLargeError } from '../errors.js';
import { encodeBatchReply, frameBudget, frameCost } from './batch.js';
import { chunkBySize } from './chunks.js';
import { encodeError } from './envelope.js';
import type { PartStore } from './part-store.js';
import { partSize } from './parts.js';

export interface Answer {
  /** The request's subject: a reply in parts is fetched from it. */
  subject: string;
  /** Where the reply goes alone. */
  reply: string;
  bytes: Uint8Array;
  /** Runs once the reply is sent (or could not be). */
  sent: () => void;
  /** For a member of a batch: the batch's reply subject, and the member's id in it. */
  batch?: { reply: string; id: number };
}

export class ReplyOutbox {
  private waiting: Answer[] = [];

  /** `parts`: where a reply too large for one message waits to be fetched; none in a queue group (parts.ts). */
  constructor(
    private readonly nc: NatsConnection,
    private readonly parts: PartStore | undefined,
    private readonly report: (err: unknown, subject: string) => void,
  ) {}

  add(answer: Answer): void {
    if (this.waiting.length === 0) setImmediate(() => this.sendAll());
    this.waiting.push(answer);
  }

  /** Publishes `bytes` as the answer to a request on `subject`: in parts when larger than a message may be. */
  publish(subject: string, reply: string, bytes: Uint8Array): void {
    const max = this.nc.info?.max_payload;
    try {
      if (max === undefined || bytes.length <= max) this.nc.publish(reply, bytes);
      else if (!this.parts) this.nc.publish(reply, encodeError(new PayloadTooLargeError(reply, bytes.length, max)));
      else {
        const { first, headers } = this.parts.offer(subject, bytes, partSize(max));
        this.nc.publish(reply, first, { headers });
      }
    } catch (err) {
      this.report(err, subject); // connection closing: the caller's timeout answers for us
    }
  }

  private sendAll(): void {
    const sending = this.waiting;
    this.waiting = [];
    const byBatch = new Map<string, Answer[]>();
    for (const answer of sending) {
      if (!answer.batch) this.sendAlone(answer);
      else {
        const same = byBatch.get(answer.batch.reply);
        if (same) same.push(answer);
        else byBatch.set(answer.batch.reply, [answer]);
      }
    }
    for (const [reply, answers] of byBatch) this.sendFramed(reply, answers);
  }

  /** Replies to members of one batch: in frames of what fits, a reply alone when it is the only one or too large. */
  private sendFramed(reply: string, answers: Answer[]): void {
    const budget = frameBudget(this.nc.info?.max_payload);
    // one larger than the budget is a chunk of its own: it goes alone
    for (const frame of chunkBySize(answers, (a) => frameCost(a.bytes), budget)) {
      if (frame.length === 1) this.sendAlone(frame[0]);
      else this.sendTogether(reply, frame);
    }
  }

  private sendTogether(reply: string, answers: Answer[]): void {
    try {
      this.nc.publish(reply, encodeBatchReply(answers.map((a) => ({ id: a.batch!.id, bytes: a.bytes }))));
    } catch (err) {
      this.report(err, reply);
    } finally {
      for (const a of answers) this.done(a);
    }
  }

  private sendAlone(answer: Answer): void {
    try {
      this.publish(answer.subject, answer.reply, answer.bytes);
    } finally {
      this.done(answer);
    }
  }

  private done(answer: Answer): void {
    try {
      answer.sent();
    } catch (err) {
      this.report(err, answer.subject); // nothing here may throw; if it does, it is logged, never fatal
    }
  }
}
