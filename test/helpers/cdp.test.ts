// The shared CDP client's framing, without a browser: NUL-framed JSON split across chunks, answers
// matched by id (errors name the method), events kept and awaited, unanswered commands bounded.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Cdp } from './cdp.js';

function pair(): { cdp: Cdp; sent: () => any[]; reply: (text: string) => void } {
  const toBrowser = new PassThrough();
  const fromBrowser = new PassThrough();
  let written = '';
  toBrowser.on('data', (d) => (written += d));
  return {
    cdp: new Cdp(toBrowser, fromBrowser),
    sent: () => written.split('\0').filter(Boolean).map((m) => JSON.parse(m)),
    reply: (text) => fromBrowser.write(text),
  };
}

describe('Cdp (test/helpers/cdp.ts)', () => {
  it('frames commands with NUL, reassembles split answers, names the method in errors', async () => {
    const { cdp, sent, reply } = pair();
    const a = cdp.send('Target.createTarget', { url: 'about:blank' });
    const b = cdp.send('Network.enable', {}, 'S1');
    await new Promise((ok) => setImmediate(ok));
    expect(sent()).toEqual([
      { id: 1, method: 'Target.createTarget', params: { url: 'about:blank' } },
      { id: 2, method: 'Network.enable', params: {}, sessionId: 'S1' },
    ]);
    reply('{"id":2,"error":{"message":"no such session"}}\0{"id":1,"res');
    reply('ult":{"targetId":"T"}}\0');
    await expect(a).resolves.toEqual({ targetId: 'T' });
    await expect(b).rejects.toThrow('Network.enable: no such session');
  });

  it('keeps events; waitFor finds one already received or waits for the next match', async () => {
    const { cdp, reply } = pair();
    reply('{"method":"Page.loadEventFired","params":{},"sessionId":"S1"}\0');
    await new Promise((ok) => setImmediate(ok));
    await expect(cdp.waitFor((e) => e.method === 'Page.loadEventFired', 'load')).resolves.toMatchObject({ sessionId: 'S1' });
    const later = cdp.waitFor((e) => e.method === 'Network.loadingFinished' && e.params.requestId === 'r2', 'r2 finished');
    reply('{"method":"Network.loadingFinished","params":{"requestId":"r1"}}\0{"method":"Network.loadingFinished","params":{"requestId":"r2"}}\0');
    await expect(later).resolves.toMatchObject({ params: { requestId: 'r2' } });
    expect(cdp.events).toHaveLength(3);
  });

  it('a command never answered fails after its bound; failAll rejects what is pending', async () => {
    const { cdp } = pair();
    await expect(cdp.send('Browser.close', {}, undefined, 20)).rejects.toThrow('Browser.close: no answer within 20 ms');
    const p = cdp.send('Page.navigate', {});
    cdp.failAll(new Error('chromium exited'));
    await expect(p).rejects.toThrow('chromium exited');
  });
});
