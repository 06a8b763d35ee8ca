import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FastbenchError } from '../../../src/core/errors.js';
import { parseSpeed } from '../../../src/scenario/load-phases.js';
import { parseReplayLog } from '../../../src/scenario/replay-log.js';
import { checkScenarioText, loadScenario, type ReplayPhase } from '../../../src/scenario/index.js';

const dir = mkdtempSync(join(tmpdir(), 'fastbench-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function parseError(text: string): FastbenchError {
  try {
    parseReplayLog(text, '/logs/access.log');
  } catch (e) {
    return e as FastbenchError;
  }
  throw new Error('parsed');
}

describe('replay log', () => {
  it('reads common and combined log format, time zones and fractional seconds', () => {
    const log = [
      '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326',
      '10.0.0.2 - - [10/Oct/2000:20:55:36.250 +0000] "POST /form?x=1 HTTP/1.1" 302 - "http://ref/" "Mozilla/5.0 (X11)"',
      '',
      '# a comment',
      '10.0.0.3 - - [10/Oct/2000:22:55:37 +0200] "HEAD / HTTP/1.1" 200 0',
    ].join('\n');
    const r = parseReplayLog(log, 'x.log');
    expect(r.offsetsMs).toEqual([0, 250, 1000]);
    expect(r.methods).toEqual(['GET', 'POST', 'HEAD']);
    expect(r.targets).toEqual(['/a.gif', '/form?x=1', '/']);
  });

  it('reads JSONL: ts in seconds or ms or ISO, time/url aliases, default GET; sorts by time; applies speed', () => {
    const log = [
      '{"ts": 1733470000.5, "method": "get", "path": "/b", "status": 200}',
      '{"ts": 1733470000000, "path": "/a"}',
      '{"time": "2024-12-06T07:26:41.000Z", "method": "DELETE", "url": "http://h:8080/c?d=1"}',
    ].join('\n');
    const r = parseReplayLog(log, 'x.jsonl', 2);
    expect(r.targets).toEqual(['/a', '/b', '/c?d=1']);
    expect(r.methods).toEqual(['GET', 'GET', 'DELETE']);
    expect(r.offsetsMs).toEqual([0, 250, 500]);
  });

  it('names the line it cannot read', () => {
    const e = parseError('{"ts": 1, "path": "/a"}\nnot a log line\n');
    expect(e.code).toBe('ERR_REPLAY_LOG');
    expect([e.file, e.line]).toEqual(['/logs/access.log', 2]);
    expect(parseError('{"path": "/a"}').message).toContain('needs "ts"');
    expect(parseError('{"ts": 1, "path": "a"}').message).toContain('needs "path"');
    expect(parseError('{"ts": 1, "path": "/a", "method": "G T"}').message).toContain('not an HTTP method');
    expect(parseError('\n# only comments\n').message).toContain('no requests');
  });

  it('speed: 2, "2x", "0.5x"; nothing else', () => {
    expect([parseSpeed(2), parseSpeed('2x'), parseSpeed('0.5x'), parseSpeed('.5')]).toEqual([2, 2, 0.5, 0.5]);
    expect([parseSpeed(0), parseSpeed('fast'), parseSpeed(-1), parseSpeed('2y')]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('a replay phase: offsets ÷ speed, duration to just after the last request, open-model connections cap', () => {
    writeFileSync(join(dir, 'a.jsonl'), '{"ts": 10, "path": "/x"}\n{"ts": 11.5, "path": "/y"}\n{"ts": 13, "path": "/z"}\n');
    writeFileSync(join(dir, 's.yaml'), 'name: r\ntarget: http://127.0.0.1:1\nload:\n  - replay: a.jsonl\n    speed: 2x\n    connections: 3\nrequests: [{ path: / }]\n');
    const p = loadScenario(join(dir, 's.yaml'), { processEnv: {} }).phases[0] as ReplayPhase;
    expect(p.model).toBe('replay');
    expect(p.offsetsMs).toEqual([0, 750, 1500]);
    expect(p.durationMs).toBe(1501);
    expect(p.maxConnections).toBe(3);
  });

  it('rejects speed without replay, replay with a rate, a missing log, and replay with flows', () => {
    const check = (load: string, rest = 'requests: [{ path: / }]'): string[] =>
      checkScenarioText(`name: r\ntarget: http://127.0.0.1:1\nload:\n${load}\n${rest}\n`, join(dir, 't.yaml'), { processEnv: {} }).errors.map((e) => `${e.code} ${e.message}`);
    expect(check('  - { speed: 2x, connections: 1, duration: 1s }')[0]).toContain('speed needs "replay"');
    expect(check('  - { replay: a.jsonl, rate: 5 }')[0]).toContain('remove "rate"');
    expect(check('  - { replay: nope.log }')[0]).toMatch(/^ERR_SCENARIO_FILE cannot read replay log "nope.log"/);
    expect(check('  - { replay: a.jsonl }', 'flows: [{ steps: [{ path: / }] }]')[0]).toContain('not "flows"');
  });
});
