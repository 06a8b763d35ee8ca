// The flag vocabulary end to end, through the built CLI: usage errors in the scenario checker's
// format from main.ts (exit 2, nothing sent), did-you-mean, retired short flags naming their
// replacement, and the old long names that still work.
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

describe('fastbench flags', () => {
  it('-d 5: exit 2 with did you mean "5s"?', async () => {
    const r = await runCli(['run', 'scenarios/smoke.yaml', '-d', '5']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe('error[ERR_USAGE_BAD_DURATION]: --duration "5": a duration needs a unit: did you mean "5s"?');
  });

  it('an unknown option: exit 2, did you mean', async () => {
    const r = await runCli(['bench', 'http://127.0.0.1:1/', '--conections', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error[ERR_USAGE_UNKNOWN_OPTION]: unknown option '--conections' (did you mean --connections?)\n");
  });

  it('a retired short flag names the new one', async () => {
    const c = await runCli(['compare', '-c', 'a.json', 'b.json']);
    expect(c.code).toBe(2);
    expect(c.stderr).toBe("error[ERR_USAGE_UNKNOWN_OPTION]: unknown option '-c' (compare's -c was renamed: use --current)\n");
    const m = await runCli(['bench', 'http://127.0.0.1:1/', '-m', 'POST']);
    expect(m.code).toBe(2);
    expect(m.stderr).toContain('use -X/--method');
  });

  it('-R takes a rate as YAML does; a bad one names the flag', async () => {
    const r = await runCli(['run', 'scenarios/smoke.yaml', '-R', '100/h']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error[ERR_USAGE_BAD_OPTION]: --rate "100/h": not a rate above zero (1000, 1000/s, 6000/m)');
  });

  it('the old long names still parse: request --data, crawl --output, calibrate --conns', async () => {
    // port 1: nothing listens, so request fails to connect (exit 1) — after its flags were accepted
    const r = await runCli(['request', 'http://127.0.0.1:1/', '--data', 'x', '--json']);
    expect(r.code, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toMatch(/^ERR_CONN_REFUSED$/);
    const both = await runCli(['request', 'http://127.0.0.1:1/', '--data', 'x', '-b', 'y']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^error\[ERR_USAGE_BAD_OPTION\]: --body and --data are one option/);
    const out = await runCli(['crawl', 'http://127.0.0.1:1/', '--output', 'a.jsonl', '-o', 'b.jsonl']);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/^error\[ERR_USAGE_BAD_OPTION\]: --out and --output are one option/);
    const conns = await runCli(['calibrate', '--conns', 'lots']);
    expect(conns.code).toBe(2);
    expect(conns.stderr).toMatch(/^error\[ERR_USAGE_BAD_OPTION\]: --conns "lots"/);
  });
});
