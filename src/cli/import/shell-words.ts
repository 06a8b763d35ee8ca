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
  const commands: Word[][] = [];
  let words: Word[] = [];
  let line = 1;
  let col = 1;
  let i = 0;
  const n = text.length;
  const at = (): { line: number; column: number } => ({ line, column: col });
  const advance = (k = 1): void => {
    for (let j = 0; j < k && i < n; j++, i++) {
      if (text[i] === '\n') {
        line++;
        col = 1;
      } else col++;
    }
  };
  const endCommand = (): void => {
    if (words.length > 0) commands.push(words);
    words = [];
  };
  const err = (msg: string, pos: { line: number; column: number }): never => {
    throw new FastbenchError('ERR_IMPORT_PARSE', msg, { file: source, ...pos });
  };

  while (i < n) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '\n') {
      advance(2);
      continue;
    }
    if (c === '\\' && text[i + 1] === '\r' && text[i + 2] === '\n') {
      advance(3);
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      advance();
      continue;
    }
    if (c === '\n' || c === ';') {
      advance();
      endCommand();
      continue;
    }
    if ((c === '&' && text[i + 1] === '&') || (c === '|' && text[i + 1] === '|')) {
      advance(2);
      endCommand();
      continue;
    }
    if (c === '|') {
      // A pipe: the rest of this line feeds another program (`curl … | jq`), not curl.
      advance();
      endCommand();
      while (i < n && text[i] !== '\n') advance();
      continue;
    }
    if (c === '#') {
      while (i < n && text[i] !== '\n') advance();
      continue;
    }
    // A word: runs of unquoted text and quoted pieces, up to unquoted whitespace or an operator.
    const start = at();
    let w = '';
    while (i < n) {
      const ch = text[i]!;
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === ';' || ch === '|' || (ch === '&' && text[i + 1] === '&')) break;
      if (ch === '\\') {
        if (text[i + 1] === '\n') {
          advance(2);
          continue;
        }
        if (i + 1 >= n) err('a backslash at the end of the input escapes nothing', at());
        w += text[i + 1];
        advance(2);
        continue;
      }
      if (ch === "'") {
        const open = at();
        advance();
        const close = text.indexOf("'", i);
        if (close < 0) err('unterminated single quote', open);
        w += text.slice(i, close);
        advance(close - i + 1);
        continue;
      }
      if (ch === '$' && text[i + 1] === "'") {
        const open = at();
        advance(2);
        let closed = false;
        while (i < n) {
          const q = text[i]!;
          if (q === "'") {
            advance();
            closed = true;
            break;
          }
          if (q === '\\' && i + 1 < n) {
            const e = text[i + 1]!;
            const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', v: '\v', '?': '?' };
            if (simple[e] !== undefined) {
              w += simple[e];
              advance(2);
            } else if (e === 'x' || e === 'u' || e === 'U') {
              const max = e === 'x' ? 2 : e === 'u' ? 4 : 8;
              let hex = '';
              while (hex.length < max && /[0-9a-fA-F]/.test(text[i + 2 + hex.length] ?? '')) hex += text[i + 2 + hex.length];
              if (hex === '') {
                w += `\\${e}`;
                advance(2);
              } else {
                w += String.fromCodePoint(parseInt(hex, 16));
                advance(2 + hex.length);
              }
            } else if (/[0-7]/.test(e)) {
              let oct = '';
              while (oct.length < 3 && /[0-7]/.test(text[i + 1 + oct.length] ?? '')) oct += text[i + 1 + oct.length];
              w += String.fromCharCode(parseInt(oct, 8));
              advance(1 + oct.length);
            } else {
              w += `\\${e}`;
              advance(2);
            }
            continue;
          }
          w += q;
          advance();
        }
        if (!closed) err("unterminated $'…' quote", open);
        continue;
      }
      if (ch === '"') {
        const open = at();
        advance();
        let closed = false;
        while (i < n) {
          const q = text[i]!;
          if (q === '"') {
            advance();
            closed = true;
            break;
          }
          if (q === '\\' && i + 1 < n) {
            const e = text[i + 1]!;
            if (e === '\n') {
              advance(2);
              continue;
            }
            if (e === '"' || e === '\\' || e === '$' || e === '`') {
              w += e;
              advance(2);
              continue;
            }
          }
          w += q;
          advance();
        }
        if (!closed) err('unterminated double quote', open);
        continue;
      }
      w += ch;
      advance();
    }
    words.push({ text: w, ...start });
  }
  endCommand();
  return commands;
}
