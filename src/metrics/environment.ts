// The machine a run happened on, for RunResult.environment.
import os from 'node:os';
import type { RunEnvironment } from './run-result.js';

export function detectEnvironment(fastbenchVersion: string): RunEnvironment {
  const cpus = os.cpus();
  return {
    fastbenchVersion,
    node: process.version,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    platform: process.platform,
    arch: process.arch,
  };
}
