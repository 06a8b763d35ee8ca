// Renders the error registry as the Markdown table in docs/ERRORS.md.
import { ERROR_SPECS } from './errors.js';

const HEADER = `# Errors

Every failure fastbench reports on purpose carries a stable code. Codes are counted in reports
(errors by code), printed by the CLI as \`error[CODE]: message\`, and never reused once retired.
Exit codes: 0 ok, 1 a gate failed (or a counted error ended a one-shot command), 2 usage/config/
scenario error (nothing was sent), 3 the run is invalid because the generator was the bottleneck,
70 internal bug.

This file is generated from \`src/core/errors.ts\` by \`npm run docs:errors\`; a unit test fails
when the two disagree.

| code | id | category | exit | meaning | hint |
|---|---|---|---|---|---|
`;

const esc = (s: string): string => s.replace(/\|/g, '\\|');

export function renderErrorsDoc(): string {
  let out = HEADER;
  for (const s of ERROR_SPECS) {
    const meaning = s.retired ? `(retired) ${s.message}` : s.message;
    out += `| \`${s.code}\` | ${s.id} | ${s.category} | ${s.exit} | ${esc(meaning)} | ${esc(s.hint)} |\n`;
  }
  return out;
}
