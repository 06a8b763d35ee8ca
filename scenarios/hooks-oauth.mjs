// Hooks for hooks-oauth.yaml: an OAuth2 client-credentials token (RFC 6749 §4.4), fetched once
// per load worker in setup and refreshed before it expires.
//
// beforeRequest is synchronous (no promise per request on the hot path), so the refresh cannot be
// awaited there: when the token is within REFRESH_BEFORE_MS of its expiry, the hook starts ONE
// refresh in the background and keeps sending the current, still valid token until the new one
// arrives. Pick the margin larger than a token request takes under load.
const EXPIRES_IN_S = 2; // short on purpose: the example (and its test) sees several refreshes
const REFRESH_BEFORE_MS = 1000;
const CLIENT = 'grant_type=client_credentials&client_id=demo&client_secret=demo-secret';

async function fetchToken(origin) {
  const res = await fetch(`${origin}/oauth/token?expires_in=${EXPIRES_IN_S}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: CLIENT,
  });
  if (!res.ok) throw new Error(`token request failed: HTTP ${res.status}`);
  const t = await res.json();
  return { value: t.access_token, expiresAt: Date.now() + t.expires_in * 1000 };
}

// Once per worker, before the load: what it returns is vu.shared for every virtual user.
export async function setup(ctx) {
  return { origin: ctx.target, token: await fetchToken(ctx.target), refreshing: undefined, fetches: 1 };
}

export function beforeRequest(req, vu) {
  const s = vu.shared;
  if (s.refreshing === undefined && s.token.expiresAt - Date.now() < REFRESH_BEFORE_MS) {
    s.refreshing = fetchToken(s.origin)
      .then((t) => {
        s.token = t;
        s.fetches++;
      })
      .catch(() => {}) // keep the current token; the next request tries again
      .finally(() => {
        s.refreshing = undefined;
      });
  }
  req.headers.Authorization = `Bearer ${s.token.value}`;
}
