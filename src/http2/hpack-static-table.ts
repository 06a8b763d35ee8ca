// The HPACK static table (RFC 7541 Appendix A), as strings and as bytes, plus encoder lookups.

export const STATIC_TABLE: ReadonlyArray<readonly [name: string, value: string]> = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

export const STATIC_TABLE_LENGTH = 61;

/** Static entries as bytes (index i+1 → STATIC_NAME_BYTES[i]). */
export const STATIC_NAME_BYTES: readonly Buffer[] = STATIC_TABLE.map(([n]) => Buffer.from(n, 'latin1'));
export const STATIC_VALUE_BYTES: readonly Buffer[] = STATIC_TABLE.map(([, v]) => Buffer.from(v, 'latin1'));

/** name → lowest static index with that name. */
export const STATIC_NAME_INDEX = new Map<string, number>();
/** name + '\0' + value → static index of the exact pair. */
export const STATIC_PAIR_INDEX = new Map<string, number>();
for (let i = STATIC_TABLE.length - 1; i >= 0; i--) {
  const [n, v] = STATIC_TABLE[i]!;
  STATIC_NAME_INDEX.set(n, i + 1);
  STATIC_PAIR_INDEX.set(n + '\0' + v, i + 1);
}
