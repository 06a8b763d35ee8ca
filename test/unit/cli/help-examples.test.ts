// Every `--help` ends with 2–4 examples; `serve --help` lists the endpoints of the router itself.
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/main.js';
import { createDefaultRouter } from '../../../src/server/routes/index.js';

/** What `fastbench <command> --help` prints (help text plus the text added after it). */
function helpOf(name: string): string {
  const program = buildProgram();
  const c = name === 'fastbench' ? program : program.commands.find((x) => x.name() === name)!;
  let out = '';
  c.configureOutput({ writeOut: (s) => void (out += s), writeErr: (s) => void (out += s) });
  c.outputHelp();
  return out;
}

describe('--help', () => {
  const names = ['fastbench', ...buildProgram().commands.map((c) => c.name())];

  it.each(names)('%s --help ends with 2–4 examples of itself', (name) => {
    const text = helpOf(name).trimEnd();
    const at = text.lastIndexOf('\nExamples:\n');
    expect(at).toBeGreaterThan(0);
    const lines = text.slice(at + '\nExamples:\n'.length).split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.length).toBeLessThanOrEqual(4);
    const own = name === 'fastbench' ? /^ {2}\$ fastbench [a-z]+ / : new RegExp(`^ {2}\\$ fastbench ${name}( |$)`);
    for (const l of lines) expect(l).toMatch(own);
  });

  it('serve --help lists every route of the default router', () => {
    const text = helpOf('serve');
    const table = createDefaultRouter({ stats: () => ({}) }).routeTable();
    expect(table.length).toBeGreaterThan(10);
    const section = text.slice(text.indexOf('Endpoints'), text.indexOf('Examples:'));
    for (const r of table) expect(section).toMatch(new RegExp(`\\n  ${r.pattern.replace(/[*]/g, '\\*')} `));
    expect(section).toContain('/plaintext');
    expect(section).toContain('/status/:code<int>');
  });
});
