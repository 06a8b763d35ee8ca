// The marker a worker keeps, on its own disk, of the shared (Redis) crawl job it joined, so that
// a job whose keys vanished from Redis (a Redis without persistence restarted, a FLUSHALL) is
// noticed instead of silently started over from the seeds: Redis alone cannot tell "new job" from
// "job that was here and is gone" — the marker can.
//
// Where: `--state DIR` → DIR/redis-job.json; otherwise one file per job under
// $XDG_STATE_HOME/fastbench/jobs (default ~/.local/state/fastbench/jobs). Written atomically.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FastbenchError } from '../core/errors.js';
import { makeDirSync } from '../core/make-dir.js';

export interface JobMarker {
  /** redis://host:port/db of the Redis holding the job. */
  redis: string;
  job: string;
  /** The job's id in Redis (its P..'job' key). */
  id: string;
  /** When this worker first joined the job (ISO 8601). */
  joined: string;
}

export const STATE_DIR_MARKER = 'redis-job.json';

/** The marker file for `job` on Redis `host:port` db `db`. */
export function jobMarkerPath(address: string, db: number, job: string, stateDir?: string): string {
  if (stateDir !== undefined) return join(stateDir, STATE_DIR_MARKER);
  const base = process.env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state');
  const name = `${address}-${db}-${job}`.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return join(base, 'fastbench', 'jobs', `${name}.json`);
}

/** The marker at `path`, or undefined when there is none. */
export function readJobMarker(path: string): JobMarker | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FastbenchError('ERR_CRAWL_STATE', `cannot read the job marker ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const m = JSON.parse(text) as Partial<JobMarker>;
    if (typeof m.id === 'string' && typeof m.job === 'string') return { redis: String(m.redis ?? ''), job: m.job, id: m.id, joined: String(m.joined ?? '') };
  } catch {
    // fall through
  }
  throw new FastbenchError('ERR_CRAWL_STATE', `${path} is not a fastbench job marker: delete it, or use another --state`);
}

export function writeJobMarker(path: string, m: JobMarker): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    makeDirSync(join(path, '..'));
    writeFileSync(tmp, JSON.stringify(m, null, 2) + '\n');
    renameSync(tmp, path);
  } catch (e) {
    throw new FastbenchError('ERR_CRAWL_STATE', `cannot write the job marker ${path}: ${(e as Error).message}`, { cause: e });
  }
}
