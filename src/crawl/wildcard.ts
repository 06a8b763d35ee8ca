// Matching of `*` wildcard patterns without regexes: linear-ish and immune to the backtracking
// blow-up a `.*a.*b.*c` regex has on long inputs. Used by robots.txt rules (prefix match, `$`
// end anchor) and by scope globs (whole-string match).
//
// The pattern is split at `*` into literal segments s0 * s1 * ... * sk. The text matches when it
// starts with s0, contains s1 .. s(k-1) in order after it (leftmost occurrence each — greedy
// leftmost is exact when `*` is the only operator), and then
//   - prefix mode: contains sk somewhere after that;
//   - anchored mode: ends with sk, and that sk starts at or after the cursor.

export type WildcardMatcher = (text: string) => boolean;

/**
 * Compiles `pattern` (only `*` is special). `anchored` means the whole text must be covered
 * (robots `$`, scope globs); otherwise the pattern only has to match a prefix of the text.
 */
export function compileWildcard(pattern: string, anchored: boolean): WildcardMatcher {
  if (!pattern.includes('*')) {
    return anchored ? (t) => t === pattern : (t) => t.startsWith(pattern);
  }
  // Collapse runs of `*`: they mean the same as one.
  const segs = pattern.replace(/\*{2,}/g, '*').split('*');
  const first = segs[0]!;
  const last = segs[segs.length - 1]!;
  const middle = segs.slice(1, -1).filter((s) => s.length > 0);
  if (!anchored && last === '' && middle.length === 0) {
    return (t) => t.startsWith(first); // "/a*" or "/a*" + "" : a plain prefix
  }
  return (t) => {
    if (!t.startsWith(first)) return false;
    let cur = first.length;
    for (let i = 0; i < middle.length; i++) {
      const at = t.indexOf(middle[i]!, cur);
      if (at < 0) return false;
      cur = at + middle[i]!.length;
    }
    if (anchored) return t.length - last.length >= cur && t.endsWith(last);
    return last.length === 0 || t.indexOf(last, cur) >= 0;
  };
}
