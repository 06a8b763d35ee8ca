// Query-string parsing for the echo and parameterised routes: `a=1&b=2&a=3` → { a: ['1', '3'], b: '2' }.
// `+` is a space and %XX is decoded as UTF-8; a malformed escape is kept as written.

export type Query = Record<string, string | string[]>;

function decode(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  const spaced = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** Parses `query` (the part after '?', without it). Repeated keys become arrays, in order. */
export function parseQuery(query: string): Query {
  const out = Object.create(null) as Query;
  if (query.length === 0) return out;
  for (const part of query.split('&')) {
    if (part.length === 0) continue;
    const eq = part.indexOf('=');
    const key = decode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decode(part.slice(eq + 1));
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[key] = [prev, value];
  }
  return out;
}
