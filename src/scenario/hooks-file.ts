// `hooks: ./hooks.mjs` — the scripting hooks module of a scenario (engine/hook-runner.ts loads and
// runs it in each load worker). Here only what can be judged before anything runs: the path
// (relative to the scenario file), that the file exists, its extension, and for TypeScript that
// the running Node strips types (Node 23.6+, or 22.6+ with --experimental-strip-types).
import { statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import type { NodeReader, YNode } from './node-reader.js';

const MODULE_EXTENSIONS = ['.mjs', '.js'];
const TS_EXTENSIONS = ['.ts', '.mts'];

/** Whether this Node runs .ts modules (type stripping on by default, or asked for). */
export function nodeStripsTypes(): boolean {
  const features = process.features as { typescript?: unknown };
  if (features.typescript !== undefined) return features.typescript !== false;
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return flags.some((f) => f === '--experimental-strip-types' || f === '--experimental-transform-types');
}

/** Reads `hooks:`: the module's absolute path, or undefined (with an error recorded). */
export function readHooksFile(r: NodeReader, node: YNode, dir: string): string | undefined {
  const rel = r.string(node, 'hooks', { nonEmpty: true });
  if (rel === undefined) return undefined;
  const file = resolve(dir, rel);
  const ext = extname(file).toLowerCase();
  if (!MODULE_EXTENSIONS.includes(ext) && !TS_EXTENSIONS.includes(ext)) {
    r.error('ERR_SCENARIO_VALUE', `hooks: "${rel}" is not an ES module file (.mjs, .js, or .ts/.mts where Node strips types)`, node);
    return undefined;
  }
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) {
    r.error('ERR_HOOK_LOAD', `hooks: no such file "${rel}" (resolved to ${file})`, node);
    return undefined;
  }
  if (TS_EXTENSIONS.includes(ext) && !nodeStripsTypes()) {
    r.error(
      'ERR_HOOK_TS_UNSUPPORTED',
      `hooks: "${rel}" is TypeScript, and Node ${process.versions.node} does not strip types (Node 23.6+ does by default, 22.6+ with --experimental-strip-types); compile it to .mjs or use a newer Node`,
      node,
    );
    return undefined;
  }
  return file;
}
