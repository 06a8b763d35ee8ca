// Redirect rules for doRedirects: which statuses redirect, where to, with which method, and which
// headers must not follow the request to another origin.

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export function isRedirect(status: number): boolean {
  return REDIRECT_STATUSES.has(status);
}

/**
 * The method for the next hop: 303 turns anything but HEAD into GET; 301 and 302 turn POST into
 * GET (what browsers, curl and fasthttp do); 307 and 308 keep method and body (RFC 9110 15.4).
 */
export function redirectMethod(status: number, method: string): { method: string; keepBody: boolean } {
  if (status === 303 && method !== 'HEAD') return { method: 'GET', keepBody: false };
  if ((status === 301 || status === 302) && method === 'POST') return { method: 'GET', keepBody: false };
  return { method, keepBody: status === 307 || status === 308 };
}

/** Resolves a Location against the current URL; null when missing or not http(s). */
export function redirectTarget(current: URL, location: string | undefined): URL | null {
  if (location === undefined || location.length === 0) return null;
  let next: URL;
  try {
    next = new URL(location, current);
  } catch {
    return null;
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') return null;
  next.hash = '';
  return next;
}

const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** Headers to keep for the next hop: credentials never cross to another origin. */
export function headersForHop(headers: readonly (readonly [string, string])[], from: URL, to: URL, keepBody: boolean): [string, string][] {
  const sameOrigin = from.origin === to.origin;
  const out: [string, string][] = [];
  for (const [n, v] of headers) {
    const lower = n.toLowerCase();
    if (lower === 'host') continue;
    if (!sameOrigin && CREDENTIAL_HEADERS.has(lower)) continue;
    if (!keepBody && (lower === 'content-length' || lower === 'content-type' || lower === 'transfer-encoding')) continue;
    out.push([n, v]);
  }
  return out;
}
