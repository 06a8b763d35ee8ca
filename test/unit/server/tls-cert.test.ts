import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCertificate, makeSelfSignedCertificate } from '../../../src/server/tls-cert.js';

const savedPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = savedPath;
});

describe('tls-cert', () => {
  it('without openssl on PATH: ERR_SERVER_START (exit 2) saying what to do', () => {
    process.env.PATH = '/nonexistent';
    let err: unknown;
    try {
      makeSelfSignedCertificate();
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'ERR_SERVER_START', exitCode: 2 });
    expect((err as Error).message).toMatch(/openssl command was not found.*--cert and --key/);
  });

  it('loads PEM files, and names a missing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fastbench-tls-test-'));
    try {
      writeFileSync(join(dir, 'c.pem'), 'CERT');
      writeFileSync(join(dir, 'k.pem'), 'KEY');
      const m = loadCertificate(join(dir, 'c.pem'), join(dir, 'k.pem'));
      expect([m.cert.toString(), m.key.toString()]).toEqual(['CERT', 'KEY']);
      expect(() => loadCertificate(join(dir, 'nope.pem'), join(dir, 'k.pem'))).toThrow(expect.objectContaining({ code: 'ERR_USAGE_FILE' }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
