import { fileURLToPath } from 'node:url';
import { checkScenarioText, parseScenario, type LoadOptions, type Scenario } from '../../../src/scenario/index.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/scenario/', import.meta.url));
export const INLINE = `${FIXTURES}inline.yaml`;

/** Loads scenario text as if it were a file in test/fixtures/scenario/. */
export function load(text: string, options: LoadOptions = {}): Scenario {
  return parseScenario(text, INLINE, { processEnv: {}, ...options });
}

/** Every problem as "CODE line:col". */
export function problems(text: string, options: LoadOptions = {}): string[] {
  return checkScenarioText(text, INLINE, { processEnv: {}, ...options }).errors.map((e) => `${e.code} ${e.line}:${e.column}`);
}

/** Every problem as "CODE line:col message". */
export function messages(text: string, options: LoadOptions = {}): string[] {
  return checkScenarioText(text, INLINE, { processEnv: {}, ...options }).errors.map((e) => `${e.code} ${e.line}:${e.column} ${e.message}`);
}

/** Minimal valid scenario text around a requests section. */
export const MIN = 'load:\n  - duration: 1s\nrequests:\n  - path: /\n';
