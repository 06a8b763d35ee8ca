// "Did you mean ...?" for misspelt keys and names, by Levenshtein distance.

/**
 * Edit distance where insert, delete, substitute and swapping two adjacent characters each cost 1
 * (optimal string alignment), so "sqe" is one edit from "seq". Three rolling rows, no matrix.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev2 = new Array<number>(b.length + 1).fill(0);
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const cb = b.charCodeAt(j - 1);
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (ca === cb ? 0 : 1));
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
    }
    const t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return prev[b.length]!;
}

/**
 * The closest candidate to `word`, or undefined when none is close enough. Case is ignored.
 * "Close enough": within a third of the word's length in edits (at least 1, at most 3), or, failing
 * that, a candidate the word (3+ characters) is the start of ("abort" → "abortOnFail").
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.ceil(w.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  let prefixOf: string | undefined;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    const d = editDistance(w, lc);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
    if (prefixOf === undefined && w.length >= 3 && lc.startsWith(w)) prefixOf = c;
  }
  return bestDistance <= limit ? best : prefixOf;
}

/** " (did you mean "x"?)" or "" — ready to append to a message. */
export function suggestion(word: string, candidates: Iterable<string>): string {
  const s = didYouMean(word, candidates);
  return s === undefined ? '' : ` (did you mean "${s}"?)`;
}
