// Shell word splitting for pasted curl commands: quotes, escapes, continuations, positions.
import { describe, expect, it } from 'vitest';
import { FastbenchError } from '../../../../src/core/errors.js';
import { splitCommands } from '../../../../src/cli/import/shell-words.js';

const texts = (src: string): string[][] => splitCommands(src, 'x').map((c) => c.map((w) => w.text));

describe('splitCommands', () => {
  it('splits words on blanks and keeps quoted text whole', () => {
    expect(texts(`curl -H 'A: b c' -d "x \\"y\\" \\$z" plain\\ word`)).toEqual([['curl', '-H', 'A: b c', '-d', 'x "y" $z', 'plain word']]);
  });

  it('joins backslash-newline continuations into one command and splits on newline, ; and &&', () => {
    expect(texts('curl a \\\n  -k\ncurl b; curl c && curl d || curl e')).toEqual([['curl', 'a', '-k'], ['curl', 'b'], ['curl', 'c'], ['curl', 'd'], ['curl', 'e']]);
  });

  it("decodes $'…' ANSI-C quotes as browsers' Copy as cURL writes them", () => {
    expect(texts(`curl --data-raw $'{"a":"it\\'s\\n\\x41\\u00e9\\101"}'`)).toEqual([['curl', '--data-raw', '{"a":"it\'s\nAé' + 'A"}']]);
  });

  it('adjacent quoted pieces form one word; a comment and a pipe end the words', () => {
    expect(texts(`curl 'a'"b"c # comment 'unclosed\ncurl x | jq '.a`)).toEqual([['curl', 'abc'], ['curl', 'x']]);
  });

  it('gives each word the line:column where it starts', () => {
    const [cmd] = splitCommands('curl \\\n  -H "X: y" \\\n  http://h/', 'x');
    expect(cmd!.map((w) => [w.text, w.line, w.column])).toEqual([
      ['curl', 1, 1],
      ['-H', 2, 3],
      ['X: y', 2, 6],
      ['http://h/', 3, 3],
    ]);
  });

  it('an unterminated quote is ERR_IMPORT_PARSE at the quote', () => {
    let err: unknown;
    try {
      splitCommands("curl ok\ncurl -d 'abc", '<curl>');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FastbenchError);
    const e = err as FastbenchError;
    expect(e.code).toBe('ERR_IMPORT_PARSE');
    expect([e.line, e.column]).toEqual([2, 9]);
    expect(e.format()).toBe('error[ERR_IMPORT_PARSE]: unterminated single quote at <curl>:2:9');
    expect(() => splitCommands('curl "abc', 'x')).toThrow(/unterminated double quote/);
    expect(() => splitCommands("curl $'abc", 'x')).toThrow(/unterminated \$'/);
  });
});
