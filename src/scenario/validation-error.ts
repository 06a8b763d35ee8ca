// All the problems found in one validation pass, thrown as one error.
import { bug } from '../core/invariant.js';
import { FastbenchError } from '../core/errors.js';

/**
 * Thrown by loadScenario when validation finds problems. It *is* the first problem (same code,
 * message and position, so `format()` and the exit class work as for any FastbenchError) and
 * carries every problem, in source order, in `errors`.
 */
export class ScenarioValidationError extends FastbenchError {
  readonly errors: readonly FastbenchError[];

  constructor(errors: readonly FastbenchError[]) {
    const first = errors[0];
    if (first === undefined) bug('ScenarioValidationError needs at least one error');
    super(first.code, first.message, {
      ...(first.file !== undefined ? { file: first.file } : {}),
      ...(first.line !== undefined ? { line: first.line } : {}),
      ...(first.column !== undefined ? { column: first.column } : {}),
    });
    this.name = 'ScenarioValidationError';
    this.errors = errors;
  }
}
