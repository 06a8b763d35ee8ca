// The serve command's flag parsing (src/cli/serve-command.ts, src/cli/flags.ts).
import { describe, expect, it } from 'vitest';
import { parseCountFlag, parseDurationFlag, parseSizeFlag } from '../../../src/cli/flags.js';
import { serveOptions } from '../../../src/cli/serve-command.js';

// serve's readings of flags.ts: a duration of 0 means "off"; sizes and counts as everywhere.
const parseDuration = (text: string, flag = '--duration'): number => parseDurationFlag(text, flag, { allowZero: true });
const parseSize = (text: string, flag = '--size'): number => parseSizeFlag(text, flag);
const parseCount = (text: string, flag = '--count'): number => parseCountFlag(text, flag);

describe('parse-units', () => {
  it('durations', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('0')).toBe(0);
    for (const bad of ['10', 'soon', '-1s', '1d', '']) {
      expect(() => parseDuration(bad, '--read-timeout')).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_DURATION' }));
    }
  });

  it('sizes', () => {
    expect(parseSize('512')).toBe(512);
    expect(parseSize('64kb')).toBe(65536);
    expect(parseSize('10MB')).toBe(10 * 1024 * 1024);
    expect(parseSize('1g')).toBe(1024 ** 3);
    expect(() => parseSize('ten', '--max-body-size')).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_OPTION' }));
  });

  it('counts', () => {
    expect(parseCount('4')).toBe(4);
    expect(() => parseCount('-1')).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_OPTION' }));
    expect(() => parseCount('2.5')).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_OPTION' }));
  });
});

describe('serveOptions', () => {
  const defaults = { host: '127.0.0.1', port: '8080', workers: '1', readTimeout: '10s', writeTimeout: '60s', idleTimeout: '60s', maxBodySize: '10mb', grace: '5s' };

  it('maps flags to server options', () => {
    expect(serveOptions({ ...defaults, port: '0', concurrency: '100', maxConnsPerIp: '5', maxRequestsPerConn: '1000', maxHeaderSize: '8kb', sitePages: '50', siteSeed: '7', echoAll: true, quiet: true })).toEqual({
      host: '127.0.0.1',
      port: 0,
      readTimeout: 10_000,
      writeTimeout: 60_000,
      idleTimeout: 60_000,
      maxRequestBodySize: 10 * 1024 * 1024,
      quiet: true,
      echoAll: true,
      concurrency: 100,
      maxConnsPerIP: 5,
      maxRequestsPerConn: 1000,
      maxHeaderBytes: 8192,
      sitePages: 50,
      siteSeed: 7,
    });
  });

  it('maps --handshake-timeout (TLS: from accept to a finished handshake)', () => {
    expect(serveOptions({ ...defaults, handshakeTimeout: '2s' }).handshakeTimeout).toBe(2_000);
    expect(serveOptions(defaults).handshakeTimeout).toBeUndefined(); // the server's default: the read timeout
    expect(() => serveOptions({ ...defaults, handshakeTimeout: 'soon' })).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_DURATION' }));
  });

  it('maps --http2 on|off (unset: the server default, on)', () => {
    expect(serveOptions(defaults).http2).toBeUndefined();
    expect(serveOptions({ ...defaults, http2: 'off' }).http2).toBe(false);
    expect(serveOptions({ ...defaults, http2: 'on' }).http2).toBe(true);
    expect(() => serveOptions({ ...defaults, http2: 'yes' })).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_OPTION' }));
  });

  it('maps --capacity and --capacity-queue (issue 18; unset: no gate at all)', () => {
    expect(serveOptions(defaults).capacity).toBeUndefined();
    expect(serveOptions({ ...defaults, capacity: '5000/s' }).capacity).toEqual({ rate: 5000 });
    expect(serveOptions({ ...defaults, capacity: '6000/m', capacityQueue: '20' }).capacity).toEqual({ rate: 100, queue: 20 });
    expect(() => serveOptions({ ...defaults, capacity: '0' })).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_OPTION' }));
    expect(() => serveOptions({ ...defaults, capacity: 'fast' })).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_OPTION' }));
    expect(() => serveOptions({ ...defaults, capacityQueue: '10' })).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_OPTION', message: expect.stringContaining('needs --capacity') }));
  });

  it('rejects a port out of range', () => {
    expect(() => serveOptions({ ...defaults, port: '70000' })).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_OPTION' }));
  });
});
