// Reading a saved RunResult (result.json) back: parse, check the schema version, upgrade what an
// older fastbench wrote, validate against schema/result.schema.json. Used by `fastbench report`,
// `compare` and `merge` — the one place old files are brought up to date.
//
// Upgrades (same schemaVersion, fields added since):
//   threshold outcomes without scope/metric/op/unit/limit (written before verdicts named their
//   scope): metric, op, unit and limit come from parsing the stored expression again; the scope is
//   the one whose figures in this file reproduce the stored `actual` — overall when it does (or when
//   nothing decides), else the one request that does.
import { readFileSync } from 'node:fs';
import { FastbenchError } from '../core/errors.js';
import { RUN_RESULT_SCHEMA_VERSION, type RunResult } from '../metrics/run-result.js';
import type { ThresholdOutcome } from '../metrics/run-result.js';
import type { Threshold } from '../scenario/scenario.js';
import { parseThreshold, thresholdUnit, type ParsedThreshold } from '../scenario/thresholds.js';
import { JsonSchemaValidator, type SchemaProblem } from './json-schema.js';
import { evaluateThreshold } from './thresholds.js';

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
export function parseRunResult(text: string, file = 'result'): RunResult {
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
  const legacy = upgradeThresholdFields(doc as Record<string, unknown>);
  const problems = checkRunResult(doc, 5);
  if (problems.length > 0) {
    throw bad(file, 'does not match schema/result.schema.json: ' + problems.map((p) => `${p.path || '/'} ${p.message}`).join('; '));
  }
  const result = doc as RunResult;
  for (const [outcome, parsed] of legacy) outcome.scope = inferScope(result, outcome, parsed);
  return result;
}

const OUTCOME_FIELDS = ['scope', 'metric', 'op', 'unit', 'limit'] as const;
const NOWHERE = { file: '', line: 0, column: 0 };

/**
 * Fills metric/op/unit/limit of outcomes written without them from their expression (scope
 * 'overall' for now: inferScope decides once the document is known valid). Returns those outcomes.
 */
function upgradeThresholdFields(doc: Record<string, unknown>): Array<[ThresholdOutcome, ParsedThreshold]> {
  const out: Array<[ThresholdOutcome, ParsedThreshold]> = [];
  if (!Array.isArray(doc.thresholds)) return out;
  for (const o of doc.thresholds as unknown[]) {
    if (o === null || typeof o !== 'object') continue;
    const outcome = o as Record<string, unknown>;
    if (typeof outcome.expression !== 'string' || OUTCOME_FIELDS.every((k) => k in outcome)) continue;
    const parsed = parseThreshold(outcome.expression);
    if ('error' in parsed) continue; // the schema check names the missing fields
    outcome.scope ??= 'overall';
    outcome.metric ??= parsed.metric;
    outcome.op ??= parsed.op;
    outcome.unit ??= thresholdUnit(parsed.kind, parsed.stream);
    outcome.limit ??= parsed.value;
    out.push([outcome as unknown as ThresholdOutcome, parsed]);
  }
  return out;
}

function sameActual(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
}

/** The scope whose figures reproduce an old outcome's `actual`: overall first, else a unique request. */
function inferScope(result: RunResult, outcome: ThresholdOutcome, parsed: ParsedThreshold): string {
  const make = (request: string | undefined): Threshold => ({ text: outcome.expression, ...parsed, request, abortOnFail: false, pos: NOWHERE });
  const fits = (request: string | undefined): boolean => sameActual(evaluateThreshold(make(request), result).actual, outcome.actual);
  if (outcome.actual === null || fits(undefined)) return 'overall';
  const matches = result.requests.map((r) => r.name).filter((name) => fits(name));
  return matches.length === 1 ? matches[0]! : 'overall';
}

/** Read, parse and validate a result file. */
export function readRunResult(file: string): RunResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new FastbenchError('ERR_USAGE_FILE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseRunResult(text, file);
}
