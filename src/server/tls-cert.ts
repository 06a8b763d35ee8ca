// Certificates for `fastbench serve --tls`: the user's PEM files, or a throwaway self-signed one
// made at start with the openssl CLI (so clients are tested against a real handshake).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FastbenchError } from '../core/errors.js';

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  certFile: string;
  keyFile: string;
  /** Removes files this module created (no-op for the user's own). */
  cleanup(): void;
}

/** Reads a PEM certificate and key given on the command line. */
export function loadCertificate(certFile: string, keyFile: string): TlsMaterial {
  const read = (file: string, what: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new FastbenchError('ERR_USAGE_FILE', `cannot read the TLS ${what} ${file}: ${(err as Error).message}`, { cause: err });
    }
  };
  return { cert: read(certFile, 'certificate'), key: read(keyFile, 'key'), certFile, keyFile, cleanup() {} };
}

/**
 * Makes a self-signed certificate (EC P-256, valid 7 days) for localhost, 127.0.0.1 and ::1 in
 * a new temp directory. Throws ERR_SERVER_START (exit 2) when openssl is missing or fails.
 */
export function makeSelfSignedCertificate(commonName = 'localhost'): TlsMaterial {
  const dir = mkdtempSync(join(tmpdir(), 'fastbench-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', keyFile, '-out', certFile, '-days', '7', '-subj', `/CN=${commonName}`,
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 },
    );
    return { cert: readFileSync(certFile), key: readFileSync(keyFile), certFile, keyFile, cleanup };
  } catch (err) {
    cleanup();
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    const why =
      e.code === 'ENOENT'
        ? 'the openssl command was not found: install openssl, or pass --cert and --key'
        : `openssl failed to make a self-signed certificate: ${e.stderr?.toString().trim() || e.message}`;
    throw new FastbenchError('ERR_SERVER_START', why, { cause: err });
  }
}
