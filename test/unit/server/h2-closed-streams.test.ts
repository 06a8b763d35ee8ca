// The ring of recently closed HTTP/2 stream ids: how each closed decides the answer to a late
// frame (ignored after our RST_STREAM, stream error after the peer's, connection error after
// END_STREAM both ways), and ids that fell out of the ring are unknown.
import { describe, expect, it } from 'vitest';
import { ClosedHow, ClosedStreams } from '../../../src/server/h2/closed-streams.js';

describe('ClosedStreams', () => {
  it('records how a stream closed; a reset wins over a plain end, our own reset wins over all', () => {
    const c = new ClosedStreams();
    c.add(1, ClosedHow.ENDED);
    c.add(3, ClosedHow.RESET_BY_PEER);
    c.add(3, ClosedHow.ENDED); // the close that follows the peer's reset
    c.add(5, ClosedHow.RESET_BY_US);
    c.add(5, ClosedHow.ENDED);
    c.add(7, ClosedHow.ENDED);
    c.add(7, ClosedHow.RESET_BY_US); // we answered a late frame with RST_STREAM
    c.add(3, ClosedHow.RESET_BY_US);
    expect([1, 3, 5, 7].map((id) => c.howClosed(id))).toEqual([ClosedHow.ENDED, ClosedHow.RESET_BY_US, ClosedHow.RESET_BY_US, ClosedHow.RESET_BY_US]);
    expect(c.resetByUs(5)).toBe(true);
    expect(c.resetByUs(1)).toBe(false);
    expect(c.howClosed(9)).toBe(ClosedHow.UNKNOWN);
    expect(c.has(9)).toBe(false);
  });

  it('remembers the read batch a stream closed in', () => {
    const c = new ClosedStreams();
    c.add(1, ClosedHow.ENDED, 7);
    c.add(3, ClosedHow.ENDED, 8);
    expect([c.closedIn(1), c.closedIn(3), c.closedIn(5)]).toEqual([7, 8, -1]);
  });

  it('keeps the last 128 ids, in any closing order', () => {
    const c = new ClosedStreams();
    for (let id = 1; id <= 2 * 200; id += 2) c.add(id, id % 4 === 1 ? ClosedHow.ENDED : ClosedHow.RESET_BY_PEER);
    c.add(3, ClosedHow.RESET_BY_US); // long gone: added anew, not a duplicate
    expect(c.howClosed(3)).toBe(ClosedHow.RESET_BY_US);
    expect(c.howClosed(5)).toBe(ClosedHow.UNKNOWN);
    expect(c.howClosed(399)).toBe(ClosedHow.RESET_BY_PEER);
    expect(c.howClosed(397)).toBe(ClosedHow.ENDED);
    // a lower id closing after higher ones is found again, not added twice
    c.add(397, ClosedHow.RESET_BY_US);
    expect(c.howClosed(397)).toBe(ClosedHow.RESET_BY_US);
  });
});
