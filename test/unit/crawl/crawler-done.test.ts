// The crawler's one done-check, through a fake queue whose answers are Promises (as a shared
// frontier's are): the crawl ends only when it is settled and the queue says it is drained, and
// a "not drained" answer keeps it going.
import { describe, expect, it } from 'vitest';
import type { Client } from '../../../src/client/client.js';
import type { CrawlQueue } from '../../../src/crawl/crawl-queue.js';
import type { RecordSink } from '../../../src/crawl/crawl-record.js';
import { Crawler } from '../../../src/crawl/crawler.js';

function fakeSink(): RecordSink {
  return { write: () => 0, flush: () => {}, close: () => Promise.resolve(), backedUp: false, onDrain: undefined, onError: undefined };
}

function fakeQueue(answers: boolean[]): CrawlQueue & { asked: number } {
  const q = {
    asked: 0,
    size: 0,
    offer: () => Promise.resolve(0),
    pop: () => undefined,
    nextReadyAt: () => Infinity,
    hold: () => {},
    release: () => {},
    setHostDelay: () => {},
    deferHost: () => {},
    markDone: () => undefined,
    tick: () => {},
    close: () => Promise.resolve(),
    drained: () => {
      const a = answers[q.asked++] ?? true;
      return Promise.resolve(a);
    },
  };
  return q as unknown as CrawlQueue & { asked: number };
}

const client = { dispatch: () => {}, close: () => Promise.resolve() } as unknown as Client;

describe('Crawler done-check', () => {
  it('finishes once an asynchronous "drained" answer says so, asking again after a "no"', async () => {
    const queue = fakeQueue([false, false, true]);
    const crawler = new Crawler({ seeds: ['http://a.test/'], robots: false }, { queue, sink: fakeSink(), client });
    const summary = await crawler.run();
    expect(queue.asked).toBe(3);
    expect(summary.pages).toBe(0);
  });

  it('does not finish while an offer to the queue is still on its way', async () => {
    let resolveOffer!: (n: number) => void;
    const queue = fakeQueue([true]);
    queue.offer = () => new Promise<number>((r) => (resolveOffer = r));
    const crawler = new Crawler({ seeds: ['http://a.test/'], robots: false }, { queue, sink: fakeSink(), client });
    let done = false;
    const p = crawler.run().then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    expect(queue.asked).toBe(0);
    resolveOffer(1);
    await p;
    expect(queue.asked).toBe(1);
  });
});
