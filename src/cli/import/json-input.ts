// Reading an import's input file: JSON (or YAML) with the parser's position on a syntax error,
// and JSON pointers for naming places inside what was read.
import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { FastbenchError } from '../../core/errors.js';

/** The file's text; ERR_USAGE_FILE when it cannot be read. */
export function readInput(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new FastbenchError('ERR_USAGE_FILE', `cannot read ${file} (${code})`);
  }
}

/** Line and column (1-based) of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/**
 * The offset of the first JSON syntax error in `text` (-1 when there is none): a small recursive
 * descent over RFC 8259, because JSON.parse does not always say where (Node 20: `Unexpected token
 * ','` without a position).
 */
export function jsonErrorOffset(text: string): number {
  const scan = new JsonScan(text);
  try {
    scan.value(0);
    scan.ws();
    return scan.i < text.length ? scan.i : -1;
  } catch (at) {
    if (at === scan) return scan.i;
    throw at;
  }
}

/** The scanner behind jsonErrorOffset: throws itself at the first error, `i` pointing there. */
class JsonScan {
  i = 0;

  constructor(private readonly text: string) {}

  ws(): void {
    while (this.i < this.text.length && ' \t\n\r'.includes(this.text[this.i]!)) this.i++;
  }

  private fail(): never {
    throw this;
  }

  private lit(word: string): void {
    for (const ch of word) {
      if (this.text[this.i] !== ch) this.fail();
      this.i++;
    }
  }

  private str(): void {
    const { text } = this;
    this.i++; // the opening quote
    for (;;) {
      const c = text.charCodeAt(this.i);
      if (this.i >= text.length || c < 0x20) this.fail();
      if (c === 0x22) {
        this.i++;
        return;
      }
      if (c !== 0x5c) {
        this.i++;
        continue;
      }
      this.i++;
      const e = text[this.i];
      if (e === 'u') {
        for (let k = 1; k <= 4; k++) {
          if (!/[0-9a-fA-F]/.test(text[this.i + k] ?? '')) {
            this.i += k;
            this.fail();
          }
        }
        this.i += 5;
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) this.i++;
      else this.fail();
    }
  }

  private num(): void {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.i, this.i + 400));
    if (m === null || m[0] === '' || m[0] === '-') this.fail();
    this.i += m![0].length;
  }

  /** A list of `item`s between `open` and `close`, separated by commas. */
  private seq(close: string, item: () => void): void {
    this.i++;
    this.ws();
    if (this.text[this.i] === close) {
      this.i++;
      return;
    }
    for (;;) {
      item();
      this.ws();
      const c = this.text[this.i];
      this.i++;
      if (c === ',') continue;
      if (c === close) return;
      this.i--;
      this.fail();
    }
  }

  value(depth: number): void {
    if (depth > 1000) this.fail();
    this.ws();
    switch (this.text[this.i]) {
      case '{':
        return this.seq('}', () => {
          this.ws();
          if (this.text[this.i] !== '"') this.fail();
          this.str();
          this.ws();
          if (this.text[this.i] !== ':') this.fail();
          this.i++;
          this.value(depth + 1);
        });
      case '[':
        return this.seq(']', () => this.value(depth + 1));
      case '"':
        return this.str();
      case 't':
        return this.lit('true');
      case 'f':
        return this.lit('false');
      case 'n':
        return this.lit('null');
      default:
        return this.num();
    }
  }
}

/** JSON.parse with ERR_IMPORT_PARSE at the line:column of a syntax error. */
export function parseJsonInput(text: string, file: string, what: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (e) {
    const off = jsonErrorOffset(body);
    const at = lineColumn(body, off < 0 ? 0 : off);
    const near = off < 0 || off >= body.length ? 'the end of the input' : JSON.stringify(body.slice(off, off + 12));
    throw new FastbenchError('ERR_IMPORT_PARSE', `${what} is not valid JSON: unexpected ${near}`, { file, ...at });
  }
}

/** YAML or JSON (YAML is read by the scenario's YAML parser), ERR_IMPORT_PARSE with the position. */
export function parseYamlInput(text: string, file: string, what: string): unknown {
  try {
    return parseYaml(text, { uniqueKeys: false, maxAliasCount: 1000 });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const lp = e.linePos?.[0];
      throw new FastbenchError('ERR_IMPORT_PARSE', `${what} is not valid YAML/JSON: ${e.message.split('\n')[0]}`, { file, line: lp?.line ?? 1, column: lp?.col ?? 1 });
    }
    throw e;
  }
}

/** One JSON-pointer token: `~` → `~0`, `/` → `~1` (RFC 6901). */
export function pointerToken(s: string | number): string {
  return String(s).replaceAll('~', '~0').replaceAll('/', '~1');
}

export function pointer(...tokens: (string | number)[]): string {
  return tokens.map((t) => `/${pointerToken(t)}`).join('');
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
