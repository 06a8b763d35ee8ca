// One meaning per short flag: every command's options walked, each short flag standing for the
// same long option everywhere, and that option the one flags.ts's SHORT_FLAGS table names.
import { describe, expect, it } from 'vitest';
import { RETIRED_SHORT_FLAGS, SHORT_FLAGS } from '../../../src/cli/flags.js';
import { buildProgram } from '../../../src/cli/main.js';

describe('short flags', () => {
  const program = buildProgram();
  const uses: { command: string; short: string; long: string | undefined }[] = [];
  for (const c of [program, ...program.commands]) {
    for (const o of c.options) if (o.short !== undefined) uses.push({ command: c.name(), short: o.short, long: o.long });
  }

  it('every command is walked and short flags are in use', () => {
    expect(program.commands.map((c) => c.name()).sort()).toEqual(['bench', 'calibrate', 'compare', 'crawl', 'find', 'import', 'merge', 'report', 'request', 'run', 'serve', 'validate', 'watch']);
    expect(uses.length).toBeGreaterThan(30);
  });

  it('each short flag means one long option in every command, the one in SHORT_FLAGS', () => {
    const meaning = new Map<string, Set<string>>();
    for (const u of uses) {
      const set = meaning.get(u.short) ?? new Set<string>();
      set.add(String(u.long));
      meaning.set(u.short, set);
    }
    const conflicts = [...meaning].filter(([, longs]) => longs.size > 1).map(([s, longs]) => `${s}: ${[...longs].join(' vs ')}`);
    expect(conflicts).toEqual([]);
    for (const u of uses) expect(`${u.command} ${u.short} ${u.long}`).toBe(`${u.command} ${u.short} ${(SHORT_FLAGS as Record<string, string>)[u.short]}`);
  });

  it('the table lists no short flag nobody uses', () => {
    expect(Object.keys(SHORT_FLAGS).sort()).toEqual([...new Set(uses.map((u) => u.short))].sort());
  });

  it('a retired short flag is really gone from its command', () => {
    for (const [command, retired] of Object.entries(RETIRED_SHORT_FLAGS)) {
      const c = program.commands.find((x) => x.name() === command)!;
      for (const short of Object.keys(retired)) expect(c.options.some((o) => o.short === short)).toBe(false);
    }
  });
});
