// Reading a saved RunResult (result.json) back: parse, check the schema version, validate against
// schema/result.schema.json. Used by `fastbench report`, `compare` and `merge`.
import { readFileSync } from 'node:fs';
import { FastbenchError } from '../core/errors.js';
import { RUN_RESULT_SCHEMA_VERSION, type RunResult } from '../metrics/run-result.js';
import { JsonSchemaValidator, type SchemaProblem } from './json-schema.js';
import type { GeneratorSummary } from './text-report.js';
import type { RequestSeriesData } from './thresholds.js';

/**
 * What result.json holds: RunResult plus the engine's optional additions (declared by shape here:
 * report/ does not import engine/). schema/result.schema.json describes all of it.
 */
export type ResultDocument = RunResult & {
  generator?: GeneratorSummary & { valid?: boolean; invalidReason?: string };
  abortedBy?: string;
  requestSeries?: Record<string, RequestSeriesData>;
};

// src/report/ and dist/report/ both sit two levels below the package root.
const SCHEMA_URL = new URL('../../schema/result.schema.json', import.meta.url);

let validator: JsonSchemaValidator | undefined;

/** The compiled validator of schema/result.schema.json (loaded once). */
export function resultSchemaValidator(): JsonSchemaValidator {
  validator ??= new JsonSchemaValidator(JSON.parse(readFileSync(SCHEMA_URL, 'utf8')));
  return validator;
}

/** Problems of a parsed result document against the schema (empty when valid). */
export function checkRunResult(doc: unknown, limit = 20): SchemaProblem[] {
  return resultSchemaValidator().validate(doc, limit);
}

function bad(file: string, message: string): FastbenchError {
  return new FastbenchError('ERR_RESULT_FILE', `${file}: ${message}`);
}

/** Parse and validate result JSON text; throws ERR_RESULT_FILE naming `file` on any problem. */
export function parseRunResult(text: string, file = 'result'): ResultDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw bad(file, `not JSON (${(e as Error).message})`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw bad(file, 'not a JSON object');
  const version = (doc as { schemaVersion?: unknown }).schemaVersion;
  if (version !== RUN_RESULT_SCHEMA_VERSION) {
    throw bad(file, version === undefined
      ? 'no schemaVersion: not a fastbench result'
      : `schemaVersion ${JSON.stringify(version)} is not supported (this fastbench reads ${RUN_RESULT_SCHEMA_VERSION})`);
  }
  const problems = checkRunResult(doc, 5);
  if (problems.length > 0) {
    throw bad(file, 'does not match schema/result.schema.json: ' + problems.map((p) => `${p.path || '/'} ${p.message}`).join('; '));
  }
  return doc as ResultDocument;
}

/** Read, parse and validate a result file. */
export function readRunResult(file: string): ResultDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new FastbenchError('ERR_USAGE_FILE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseRunResult(text, file);
}
