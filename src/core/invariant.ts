// The one place fastbench throws a plain Error: a broken internal promise, i.e. a bug (or a
// library caller breaking a documented rule, such as reusing a Response still in flight).
// Everything a user or a peer can cause is a FastbenchError with a registered code instead.
// The CLI reports an InvariantError as ERR_INTERNAL (exit 70, with a crash report).

export class InvariantError extends Error {
  override readonly name = 'InvariantError';
}

/** Throws an InvariantError: `what` describes the broken rule. */
export function bug(what: string): never {
  throw new InvariantError(what);
}

/** Asserts `cond`; the message is built only when it fails. */
export function invariant(cond: unknown, what: string | (() => string)): asserts cond {
  if (!cond) bug(typeof what === 'string' ? what : what());
}
