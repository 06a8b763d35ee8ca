// What every importer produces and how it becomes a scenario file.
//
// An importer (HAR, OpenAPI, curl, crawl) reads its input into a ScenarioDoc — the plain object a
// scenario YAML parses into — plus the warnings about what it could not map (each naming the place
// in the input: a HAR entry's JSON pointer, an OpenAPI operation's pointer, a curl token's
// line:column, a crawl record's line) and the `{{env.NAME}}` variables it put where credentials
// were. renderImport() writes the document as YAML with a header comment listing those variables,
// and checks it with the scenario validator itself (the variables filled with dummies), so an
// import that would not pass `fastbench validate` is caught here, as a bug, never handed out.
import { Document } from 'yaml';
import { FastbenchError } from '../../core/errors.js';
import { checkScenarioText } from '../../scenario/index.js';

/** One request or flow step, as written in YAML. */
export interface RequestDoc {
  name?: string;
  weight?: number;
  method?: string;
  path?: string;
  url?: string;
  headers?: Record<string, string>;
  body?: unknown;
  bodyFile?: string;
  /** HTTP Basic auth (curl -u): both placeholders. */
  auth?: { user: string; password?: string };
  /** Offer compression and decode what is read (curl --compressed, a recorded Accept-Encoding). */
  compressed?: boolean;
  expect?: { status: (number | string)[] };
  think?: string;
}

export interface PhaseDoc {
  connections?: number;
  duration?: string;
  rate?: number;
}

export interface ScenarioDoc {
  name: string;
  description?: string;
  target: string;
  /** Cookies every virtual user's jar starts with (placeholders): curl -b, a recorded Cookie header. */
  cookies?: { values: Record<string, string> };
  client?: Record<string, unknown>;
  load: PhaseDoc[];
  requests?: RequestDoc[];
  flows?: { name: string; weight?: number; steps: RequestDoc[] }[];
  thresholds?: Record<string, string[]>;
}

export interface ImportWarning {
  /** Where in the input: "entry 3 (/log/entries/3)", "#/paths/~1users/get", "line 2:14". */
  readonly where: string;
  readonly message: string;
}

/** An env variable standing for a credential, and where the credential was seen. */
export interface SecretVar {
  readonly name: string;
  readonly what: string;
  readonly where: string[];
}

/** Warnings, notes and the credential variables of one import. */
export class ImportLog {
  readonly warnings: ImportWarning[] = [];
  readonly notes: string[] = [];
  private readonly secrets = new Map<string, SecretVar>();
  /** (what + value) → variable name: one credential keeps one name, another gets NAME_2. */
  private readonly byValue = new Map<string, string>();

  warn(where: string, message: string): void {
    this.warnings.push({ where, message });
  }

  note(message: string): void {
    this.notes.push(message);
  }

  /**
   * The `{{env.NAME}}` placeholder standing for `value`, a credential described by `what`
   * ("Cookie header", "query parameter api_key"). `base` proposes the name; equal values share it.
   */
  secret(base: string, value: string, what: string, where: string): string {
    const stem = envName(base);
    const key = `${stem}\0${value}`;
    let name = this.byValue.get(key);
    if (name === undefined) {
      name = stem;
      for (let i = 2; this.secrets.has(name); i++) name = `${stem}_${i}`;
      this.byValue.set(key, name);
      this.secrets.set(name, { name, what, where: [] });
    }
    const v = this.secrets.get(name)!;
    if (!v.where.includes(where)) v.where.push(where);
    return `{{env.${name}}}`;
  }

  get secretVars(): SecretVar[] {
    return [...this.secrets.values()];
  }
}

/** An environment variable name from any text: upper case, [A-Z0-9_], not starting with a digit. */
export function envName(text: string): string {
  let s = text.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  if (s === '') s = 'SECRET';
  if (/^[0-9]/.test(s)) s = `_${s}`;
  return s;
}

/** Recorded text made safe from the template language: every `{{` is written `\{{`. */
export function literal(text: string): string {
  return text.replaceAll('{{', '\\{{');
}

/** `literal` over every string inside a JSON value (keys stay as they are: they are not templated). */
export function literalJson(v: unknown): unknown {
  if (typeof v === 'string') return literal(v);
  if (Array.isArray(v)) return v.map(literalJson);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = literalJson(x);
    return out;
  }
  return v;
}

/** Where requests go: the most frequent origin (the first seen on a tie) and its share. */
export function chooseOrigin(origins: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const o of origins) counts.set(o, (counts.get(o) ?? 0) + 1);
  let best = origins[0]!;
  for (const [o, n] of counts) if (n > counts.get(best)!) best = o;
  return best;
}

/**
 * Moves `key` from the requests to `client` when every request has it with the same value (one
 * scenario-wide setting instead of a copy per request); otherwise leaves it where it is.
 */
export function hoistToClient(requests: RequestDoc[], client: Record<string, unknown>, key: 'auth' | 'compressed'): void {
  const first = requests[0]?.[key];
  if (first === undefined) return;
  const same = JSON.stringify(first);
  if (!requests.every((r) => JSON.stringify(r[key]) === same)) return;
  client[key] = first;
  for (const r of requests) delete r[key];
}

/** A request's place: `path` on the target's origin, an absolute `url` on any other. */
export function placeRequest(u: URL, target: string): { path: string } | { url: string } {
  const pathAndQuery = literal(u.pathname + u.search);
  return u.origin === target ? { path: pathAndQuery } : { url: u.origin + pathAndQuery };
}

export interface LoadFlags {
  connections?: string;
  duration?: string;
  rate?: string;
}

/** The `load:` of an imported scenario: one measured phase, 10 connections for 30 s unless told. */
export function loadPhase(flags: LoadFlags, parse: { count(v: string, flag: string): number; duration(v: string, flag: string): string; rate(v: string, flag: string): number }): PhaseDoc[] {
  const phase: PhaseDoc = {};
  if (flags.rate !== undefined) phase.rate = parse.rate(flags.rate, '--rate');
  phase.connections = flags.connections === undefined ? 10 : parse.count(flags.connections, '--connections');
  phase.duration = flags.duration === undefined ? '30s' : parse.duration(flags.duration, '--duration');
  return [phase];
}

export interface RenderedImport {
  yaml: string;
  /** The env variables the scenario needs (credentials), for the stderr note. */
  secrets: SecretVar[];
}

/** The header comment: what made the file, and the variables to set before run/validate. */
function headerComment(source: string, log: ImportLog): string {
  const lines = [` Imported by \`fastbench import ${source}\`.`];
  const vars = log.secretVars;
  if (vars.length > 0) {
    lines.push(' Credentials were replaced by environment variables; set them before `run` or `validate`', ' (export NAME=value, or -e NAME=value):');
    for (const v of vars) lines.push(`   ${v.name}: ${v.what} (${v.where.slice(0, 3).join(', ')}${v.where.length > 3 ? ', …' : ''})`);
  }
  for (const n of log.notes) lines.push(` note: ${n}`);
  return lines.join('\n');
}

/**
 * The document as YAML, checked by the scenario validator (credential variables set to dummies,
 * `file` as the place relative paths are read from). A document that does not validate is a bug
 * of the importer: ERR_INTERNAL with the validator's first message.
 */
export function renderImport(doc: ScenarioDoc, log: ImportLog, source: string, file: string): RenderedImport {
  const d = new Document(doc);
  d.commentBefore = headerComment(source, log);
  const yaml = d.toString({ lineWidth: 0 });
  const env: Record<string, string> = {};
  for (const v of log.secretVars) env[v.name] = 'x';
  const { errors } = checkScenarioText(yaml, file, { env });
  if (errors.length > 0) {
    throw new FastbenchError('ERR_INTERNAL', `the imported scenario does not validate: ${errors.map((e) => e.format()).join('; ')}`);
  }
  return { yaml, secrets: log.secretVars };
}

/** `import …` warnings as stderr lines: `warning: message (at where)`. */
export function formatWarnings(log: ImportLog): string {
  return log.warnings.map((w) => `warning: ${w.message} (at ${w.where})\n`).join('');
}
