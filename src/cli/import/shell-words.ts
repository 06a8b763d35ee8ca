// Splits shell command lines into words the way a POSIX shell would for a pasted curl command:
// 'single quotes' (literal), "double quotes" (\" \\ \$ \` and backslash-newline escaped),
// $'ANSI-C quotes' (\n \t \r \\ \' \" \xHH \uHHHH \0NN — what browsers' "Copy as cURL" writes),
// a backslash outside quotes escaping the next character, backslash-newline joining lines, and
// `#` comments at a word's start. A newline (not escaped), `;`, `&&` or `||` ends a command; a
// `|` pipe ends it too (what follows is another program). Each word keeps the line:column where it
// started, so a warning can point at it. No expansion ($VAR, globs, ~) is done: a `$` stays `$`.
import { FastbenchError } from '../../core/errors.js';

export interface Word {
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

/** Commands: each a list of words. */
export function splitCommands(text: string, source: string): Word[][] {
  return new ShellLexer(text, source).commands();
}

const ANSI_C: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', v: '\v', '?': '?' };

/** One pass over the text; `i` is the offset, `line`/`col` its 1-based position. */
class ShellLexer {
  private i = 0;
  private line = 1;
  private col = 1;

  constructor(
    private readonly text: string,
    private readonly source: string,
  ) {}

  commands(): Word[][] {
    const { text } = this;
    const commands: Word[][] = [];
    let words: Word[] = [];
    const end = (): void => {
      if (words.length > 0) commands.push(words);
      words = [];
    };
    while (this.i < text.length) {
      const c = text[this.i]!;
      const next = text[this.i + 1];
      if (c === '\\' && next === '\n') this.advance(2);
      else if (c === '\\' && next === '\r' && text[this.i + 2] === '\n') this.advance(3);
      else if (c === ' ' || c === '\t' || c === '\r') this.advance();
      else if (c === '\n' || c === ';') {
        this.advance();
        end();
      } else if ((c === '&' && next === '&') || (c === '|' && next === '|')) {
        this.advance(2);
        end();
      } else if (c === '|') {
        // A pipe: the rest of this line feeds another program (`curl … | jq`), not curl.
        end();
        this.skipLine();
      } else if (c === '#') this.skipLine();
      else words.push(this.word());
    }
    end();
    return commands;
  }

  private pos(): { line: number; column: number } {
    return { line: this.line, column: this.col };
  }

  private advance(k = 1): void {
    for (let j = 0; j < k && this.i < this.text.length; j++, this.i++) {
      if (this.text[this.i] === '\n') {
        this.line++;
        this.col = 1;
      } else this.col++;
    }
  }

  private skipLine(): void {
    while (this.i < this.text.length && this.text[this.i] !== '\n') this.advance();
  }

  private fail(msg: string, pos: { line: number; column: number }): never {
    throw new FastbenchError('ERR_IMPORT_PARSE', msg, { file: this.source, ...pos });
  }

  /** Runs of unquoted text and quoted pieces, up to unquoted whitespace or an operator. */
  private word(): Word {
    const { text } = this;
    const start = this.pos();
    let w = '';
    while (this.i < text.length) {
      const ch = text[this.i]!;
      const next = text[this.i + 1];
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === ';' || ch === '|' || (ch === '&' && next === '&')) break;
      if (ch === '\\') {
        if (next === undefined) this.fail('a backslash at the end of the input escapes nothing', this.pos());
        if (next !== '\n') w += next;
        this.advance(2);
      } else if (ch === "'") w += this.singleQuoted();
      else if (ch === '$' && next === "'") w += this.ansiC();
      else if (ch === '"') w += this.doubleQuoted();
      else {
        w += ch;
        this.advance();
      }
    }
    return { text: w, ...start };
  }

  private singleQuoted(): string {
    const open = this.pos();
    this.advance();
    const close = this.text.indexOf("'", this.i);
    if (close < 0) this.fail('unterminated single quote', open);
    const s = this.text.slice(this.i, close);
    this.advance(close - this.i + 1);
    return s;
  }

  private doubleQuoted(): string {
    const { text } = this;
    const open = this.pos();
    this.advance();
    let w = '';
    while (this.i < text.length) {
      const q = text[this.i]!;
      if (q === '"') {
        this.advance();
        return w;
      }
      const e = text[this.i + 1];
      if (q === '\\' && e === '\n') {
        this.advance(2);
      } else if (q === '\\' && (e === '"' || e === '\\' || e === '$' || e === '`')) {
        w += e;
        this.advance(2);
      } else {
        w += q;
        this.advance();
      }
    }
    return this.fail('unterminated double quote', open);
  }

  private ansiC(): string {
    const { text } = this;
    const open = this.pos();
    this.advance(2);
    let w = '';
    while (this.i < text.length) {
      const q = text[this.i]!;
      if (q === "'") {
        this.advance();
        return w;
      }
      if (q === '\\' && this.i + 1 < text.length) w += this.ansiEscape();
      else {
        w += q;
        this.advance();
      }
    }
    return this.fail("unterminated $'…' quote", open);
  }

  /** One backslash escape inside $'…'. */
  private ansiEscape(): string {
    const { text } = this;
    const e = text[this.i + 1]!;
    const digits = (re: RegExp, from: number, max: number): string => {
      let d = '';
      while (d.length < max && re.test(text[from + d.length] ?? '')) d += text[from + d.length];
      return d;
    };
    if (ANSI_C[e] !== undefined) {
      this.advance(2);
      return ANSI_C[e]!;
    }
    if (e === 'x' || e === 'u' || e === 'U') {
      const hex = digits(/[0-9a-fA-F]/, this.i + 2, e === 'x' ? 2 : e === 'u' ? 4 : 8);
      this.advance(2 + hex.length);
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) this.fail(`\\${e}${hex} is not a Unicode code point`, this.pos());
      return hex === '' ? `\\${e}` : String.fromCodePoint(cp);
    }
    if (/[0-7]/.test(e)) {
      const oct = digits(/[0-7]/, this.i + 1, 3);
      this.advance(1 + oct.length);
      return String.fromCharCode(parseInt(oct, 8));
    }
    this.advance(2);
    return `\\${e}`;
  }
}
