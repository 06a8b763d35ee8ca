// Several problems found before anything was sent, thrown to main.ts as one error: it *is* the
// first problem (code, exit class) and carries all of them, plus the closing line to print.
import { FastbenchError } from '../core/errors.js';

export class Refusal extends FastbenchError {
  readonly errors: readonly FastbenchError[];
  /** The line after the problems ("the run was refused; nothing was sent"). */
  readonly note: string | undefined;

  constructor(errors: readonly FastbenchError[], note?: string) {
    const first = errors[0] ?? new FastbenchError('ERR_INTERNAL', 'a refusal without a problem');
    super(first.code, first.message, {
      ...(first.file !== undefined ? { file: first.file } : {}),
      ...(first.line !== undefined ? { line: first.line } : {}),
      ...(first.column !== undefined ? { column: first.column } : {}),
    });
    this.name = 'Refusal';
    this.errors = errors.length > 0 ? errors : [first];
    this.note = note;
  }
}

/** Problems of a scenario (or a command line) as one thrown error; "N problems" when several. */
export function refuseProblems(errors: readonly FastbenchError[], note?: string): Refusal {
  return new Refusal(errors, note ?? (errors.length > 1 ? `${errors.length} problems; nothing was sent` : undefined));
}
