// `protocol: auto | http1 | h2` from the client option through the scenario key and the CLI flags
// (the engine passing it on is proven end to end by test/integration/client/h2-peers.test.ts:
// `bench --http2` against an h2c-only server answers with 0 errors).
import { describe, expect, it } from 'vitest';
import { benchDocument, type BenchFlags } from '../../../src/cli/bench-command.js';
import { protocolFlag } from '../../../src/cli/flags.js';
import { runOverrides } from '../../../src/cli/run-command.js';
import { applyOverrides } from '../../../src/scenario/overrides.js';
import { FastbenchError } from '../../../src/core/errors.js';
import { HostClient } from '../../../src/client/host-client.js';
import { PipelineClient } from '../../../src/client/pipeline-client.js';
import { protocolsFor } from '../../../src/client/protocol-choice.js';
import { MIN, load, problems } from '../scenario/helpers.js';

const names = (choice: Parameters<typeof protocolsFor>[0], tls: boolean): string[] => protocolsFor(choice, tls).map((f) => f.protocol);

describe('protocol choice → the pool\'s factories', () => {
  it('auto offers h2 then http/1.1 over TLS and speaks HTTP/1.1 in cleartext; h2 is h2 only (h2c in cleartext); http1 is HTTP/1.1', () => {
    expect(names('auto', true)).toEqual(['h2', 'http/1.1']);
    expect(names('auto', false)).toEqual(['http/1.1']);
    expect(names('h2', true)).toEqual(['h2']);
    expect(names('h2', false)).toEqual(['h2']);
    expect(names('http1', true)).toEqual(['http/1.1']);
    expect(names('http1', false)).toEqual(['http/1.1']);
  });

  it('pools take it (and the dialer offers it by ALPN); an unknown value is ERR_CONFIG', async () => {
    const p = new PipelineClient({ addr: 'example.test:443', tls: true, protocol: 'auto' });
    expect(p.protocols.map((f) => f.protocol)).toEqual(['h2', 'http/1.1']);
    expect(p.dialer.protocols).toEqual(['h2', 'http/1.1']);
    await p.close();
    const h = new HostClient({ addr: 'example.test:80', protocol: 'h2' });
    expect(h.protocols.map((f) => f.protocol)).toEqual(['h2']);
    await h.close();
    const d = new HostClient({ addr: 'example.test:443', tls: true });
    expect(d.protocols.map((f) => f.protocol)).toEqual(['http/1.1']); // unset: HTTP/1.1 as before
    await d.close();
    let err: unknown;
    try {
      new HostClient({ addr: 'example.test:80', protocol: 'h3' as 'h2' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FastbenchError);
    expect((err as FastbenchError).code).toBe('ERR_CONFIG');
  });
});

describe('scenario client.protocol', () => {
  it('reads auto, http1, h2; absent stays undefined; anything else is ERR_SCENARIO_VALUE at its position', () => {
    expect(load(`client: { protocol: h2 }\n${MIN}`).client.protocol).toBe('h2');
    expect(load(`client: { protocol: http1 }\n${MIN}`).client.protocol).toBe('http1');
    expect(load(`client: { protocol: auto }\n${MIN}`).client.protocol).toBe('auto');
    expect(load(MIN).client.protocol).toBeUndefined();
    expect(problems(`client: { protocol: http3 }\n${MIN}`)).toEqual(['ERR_SCENARIO_VALUE 1:21']);
  });
});

describe('--http2 / --http1.1', () => {
  const defaults: BenchFlags = { connections: '10', pipelining: '1', method: 'GET', header: [], timeout: '10s', workers: '1', threshold: [] };

  it('bench: --http2 becomes client.protocol h2, --http1.1 http1, neither leaves it out', () => {
    expect(benchDocument('http://127.0.0.1:1/', { ...defaults, http2: true }).document.client).toMatchObject({ protocol: 'h2' });
    expect(benchDocument('http://127.0.0.1:1/', { ...defaults, 'http1.1': true }).document.client).toMatchObject({ protocol: 'http1' });
    expect(benchDocument('http://127.0.0.1:1/', defaults).document.client).not.toHaveProperty('protocol');
  });

  it('run: --http2 / --http1.1 override client.protocol of the scenario', () => {
    expect(runOverrides({ env: [], http2: true })).toEqual({ protocol: 'h2' });
    expect(runOverrides({ env: [] })).toEqual({});
    const s = load(`client: { protocol: h2 }\n${MIN}`);
    expect(applyOverrides(s, runOverrides({ env: [], 'http1.1': true })).client.protocol).toBe('http1');
    expect(applyOverrides(s, {}).client.protocol).toBe('h2');
  });

  it('both at once is a usage error', () => {
    expect(() => protocolFlag({ http2: true, 'http1.1': true })).toThrow(/--http2 and --http1.1/);
    try {
      protocolFlag({ http2: true, 'http1.1': true });
    } catch (e) {
      expect((e as FastbenchError).code).toBe('ERR_USAGE_BAD_OPTION');
    }
  });
});
