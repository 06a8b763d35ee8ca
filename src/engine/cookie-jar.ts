// A virtual user's cookies (issue 15): an RFC 6265 jar (tough-cookie: domain and path matching,
// expiry, Secure, HttpOnly; SameSite is not applied — a load tool has no "site" to protect).
//
// When do virtual users have jars? (cookieJarsEnabled)
//   - `cookies: off`                          never
//   - `cookies:` given (or `--cookie` seeds)  always
//   - otherwise                               when some flow has more than one step (a session:
//                                             what one step is told, the next sends back), as k6
//                                             and browsers do
// So `bench` and `requests:` scenarios — the single-request hot path — have no jar, no header
// scan and no Cookie rendering unless asked. With jars, a jar is fresh at each iteration (a flow
// run; in `requests:` mode one request) unless `cookies: keep`; `cookies.values` / `--cookie`
// seed every fresh jar, for every origin the scenario talks to. A request's own Cookie header
// replaces the jar's for that request. A `setup:` flow (log in once) also turns jars on, and what
// the jar holds when the setup succeeds is the user's baseline: each iteration's fresh jar starts
// from it, so the login's session cookie survives the per-iteration reset.
import { CookieJar } from 'tough-cookie';
import type { Response } from '../client/response.js';
import type { CookieSettings, Scenario } from '../scenario/index.js';

/** Whether the scenario's virtual users get cookie jars (see the rule above). */
export function cookieJarsEnabled(s: Scenario): boolean {
  if (s.cookies !== undefined) return s.cookies.mode !== 'off';
  return s.setup !== undefined || s.flows.some((f) => f.steps.length > 1);
}

const SET_COOKIE = Buffer.from('set-cookie', 'latin1');
const SET_OPTIONS = { ignoreError: true } as const;

export class UserCookies {
  private jar: CookieJar;
  /** A Set-Cookie was stored since the jar was (re)made: an iteration reset must make a new one. */
  private dirty = false;
  private readonly keep: boolean;
  /** The jar as the user's setup flow left it (serialized), the start of every fresh jar. */
  private baseline: ReturnType<CookieJar['serializeSync']> = undefined;

  /** `origins` ("http://host:port") are where seed values apply. */
  constructor(private readonly settings: CookieSettings | undefined, private readonly origins: readonly string[]) {
    this.keep = settings?.mode === 'keep';
    this.jar = this.fresh();
  }

  /** The start of an iteration: a fresh (seeded) jar, unless kept or untouched since the last one. */
  beginIteration(): void {
    if (this.keep || !this.dirty) return;
    this.jar = this.fresh();
    this.dirty = false;
  }

  /** The setup flow succeeded: what the jar holds now starts every later fresh jar. */
  markBaseline(): void {
    this.baseline = this.jar.serializeSync();
    this.dirty = false;
  }

  /** The Cookie header value for a request to `url` ("" when no cookie matches). */
  header(url: string): string {
    return this.jar.getCookieStringSync(url);
  }

  /** Stores the response's Set-Cookie fields, as received from `url` (invalid ones are ignored, as browsers do). */
  store(res: Response, url: string): void {
    const h = res.headers;
    for (let i = 0; i < h.count; i++) {
      if (!h.nameIs(i, SET_COOKIE)) continue;
      this.jar.setCookieSync(h.value(i), url, SET_OPTIONS);
      this.dirty = true;
    }
  }

  /** Every cookie in the jar as name=value (tests, debugging). */
  all(): string[] {
    return this.jar.serializeSync()?.cookies.map((c) => `${c.key}=${c.value}`) ?? [];
  }

  private fresh(): CookieJar {
    if (this.baseline !== undefined) return CookieJar.deserializeSync(this.baseline);
    const jar = new CookieJar();
    const values = this.settings?.values ?? [];
    for (const origin of this.origins) {
      for (const [name, value] of values) jar.setCookieSync(`${name}=${value}; Path=/`, `${origin}/`, SET_OPTIONS);
    }
    return jar;
  }
}
