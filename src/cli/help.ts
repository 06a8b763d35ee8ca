// What every `--help` ends with: 2–4 examples, the same layout in every command.

/** The "Examples:" block for addHelpText('after', …); it is the last thing --help prints. */
export function examples(lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}
