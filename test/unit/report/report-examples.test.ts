// examples/: the Kubernetes Indexed Job and the GitHub Actions perf gate stay valid YAML, wired as
// their comments say, and the scenarios they embed pass fastbench's own validation.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';
import { checkScenarioText } from '../../../src/scenario/index.js';
import { REPORT_FILE_NAMES } from '../../../src/report/report-writer.js';
import { buildProgram } from '../../../src/cli/main.js';

const read = (p: string): string => readFileSync(new URL(`../../../examples/${p}`, import.meta.url), 'utf8');

function parseStrict(text: string): any[] {
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  if (!Array.isArray(docs)) throw new Error('empty YAML stream');
  for (const d of docs) expect(d.errors.map((e) => e.message)).toEqual([]);
  return docs.map((d) => d.toJS());
}

function expectValidScenario(text: string, file: string, env: Record<string, string> = {}): void {
  const { scenario, errors } = checkScenarioText(text, file, { env });
  expect(errors.map((e) => e.format())).toEqual([]);
  expect(scenario).toBeDefined();
}

describe('examples/kubernetes/indexed-job.yaml', () => {
  const docs = parseStrict(read('kubernetes/indexed-job.yaml'));
  const byName = (kind: string, name: string): any => docs.find((d) => d.kind === kind && d.metadata?.name === name);

  it('holds the scenario, run settings, a shared volume and two Jobs', () => {
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'ConfigMap/fastbench-scenario', 'ConfigMap/fastbench-run', 'PersistentVolumeClaim/fastbench-results', 'Job/fastbench-shards', 'Job/fastbench-merge',
    ]);
    expect(byName('PersistentVolumeClaim', 'fastbench-results').spec.accessModes).toEqual(['ReadWriteMany']);
    expect(Number.isNaN(Date.parse(byName('ConfigMap', 'fastbench-run').data.startAt))).toBe(false);
    expectValidScenario(byName('ConfigMap', 'fastbench-scenario').data['scenario.yaml'], 'scenario.yaml');
  });

  it('runs one shard per completion index of an Indexed Job, writing result.json to the shared volume', () => {
    const job = byName('Job', 'fastbench-shards');
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.spec.completionMode).toBe('Indexed');
    expect(job.spec.parallelism).toBe(job.spec.completions);
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    const c = pod.containers[0];
    const shards = c.env.find((e: any) => e.name === 'SHARDS').value;
    expect(Number(shards)).toBe(job.spec.completions);
    const script = c.args.join(' ');
    expect(script).toContain('fastbench run /scenario/scenario.yaml');
    expect(script).toContain('--shard "${JOB_COMPLETION_INDEX}/${SHARDS}"');
    expect(script).toContain('--start-at "${START_AT}"');
    expect(script).toMatch(/--format json\S*/);
    expect(script).toContain('--out "/results/${RUN_ID}/shard-${JOB_COMPLETION_INDEX}"');
    expect(REPORT_FILE_NAMES.json).toBe('result.json');
    const mounts = Object.fromEntries(c.volumeMounts.map((m: any) => [m.name, m.mountPath]));
    expect(mounts).toEqual({ scenario: '/scenario', results: '/results' });
    expect(pod.volumes.find((v: any) => v.name === 'results').persistentVolumeClaim.claimName).toBe('fastbench-results');
  });

  it('merges every shard in a final step and writes the reports', () => {
    const job = byName('Job', 'fastbench-merge');
    const pod = job.spec.template.spec;
    const wait = pod.initContainers[0];
    expect(wait.args.join(' ')).toContain('/results/${RUN_ID}/shard-*/result.json');
    expect(Number(wait.env.find((e: any) => e.name === 'SHARDS').value)).toBe(byName('Job', 'fastbench-shards').spec.completions);
    const script = pod.containers[0].args.join(' ');
    expect(script).toMatch(/fastbench merge \/results\/\$\{RUN_ID\}\/shard-\*\/result\.json --scenario \/scenario\/scenario\.yaml -o \/results\/\$\{RUN_ID\}\/merged\/result\.json;/);
    expect(script).toContain('fastbench report /results/${RUN_ID}/merged/result.json --format html,md,junit,hlog');
    expect(pod.volumes.find((v: any) => v.name === 'results').persistentVolumeClaim.claimName).toBe('fastbench-results');
  });
});

describe('examples/github-actions/perf-gate.yml', () => {
  const text = read('github-actions/perf-gate.yml');
  const wf = parse(text, { uniqueKeys: true });
  const steps: any[] = wf.jobs.perf.steps;
  const step = (name: string): any => steps.find((s) => s.name === name);

  it('is a workflow: triggers, one job, named steps', () => {
    parseStrict(text);
    expect(Object.keys(wf.on)).toEqual(['pull_request', 'push']);
    expect(wf.jobs.perf['runs-on']).toBe('ubuntu-latest');
    expect(steps[0].uses).toBe('actions/checkout@v4');
    expect(steps.map((s) => s.name).filter(Boolean)).toEqual([
      'Install and build', 'Start the server under test', 'Write the scenario', 'Load test', 'Run summary', 'Compare against the baseline', 'Job summary', 'Upload the reports',
    ]);
  });

  it('serves, runs, compares against the stored baseline and uploads the HTML report', () => {
    expect(step('Start the server under test').run).toContain('$FASTBENCH serve --port "$TARGET_PORT"');
    expect(step('Load test').run).toBe('$FASTBENCH run perf/scenario.yaml --format json,html,md,junit,hlog --out "$REPORT_DIR"');
    const compare = step('Compare against the baseline').run as string;
    expect(compare).toMatch(/\$FASTBENCH compare perf\/baseline\.json "\$REPORT_DIR\/result\.json" \\\n\s+--max-regression p50=10%,p99=15%,rps=5%,errors=0\.5% --md > compare\.md/);
    expect(compare).toContain('exit $status');
    // compare --md's table goes on the job page from its own step, gate passed or failed
    const summary = step('Job summary');
    expect(summary.if).toBe("${{ !cancelled() && hashFiles('compare.md') != '' }}");
    expect(summary.run).toMatch(/cat compare\.md\n\} >> "\$GITHUB_STEP_SUMMARY"/);
    const upload = step('Upload the reports');
    expect(upload.uses).toBe('actions/upload-artifact@v4');
    expect(upload.if).toBe('${{ !cancelled() }}');
    expect(upload.with.path).toContain(`reports/current/${REPORT_FILE_NAMES.html}`);
    expect(wf.env.REPORT_DIR).toBe('reports/current');
  });

  it('embeds a scenario that fastbench validates', () => {
    const script = step('Write the scenario').run as string;
    const m = /<<'EOF'\n([\s\S]*?)\nEOF\n/.exec(script);
    expect(m).not.toBeNull();
    expectValidScenario(m![1]!, 'perf/scenario.yaml', { TARGET_PORT: '8080' });
  });
});

describe('examples/kubernetes/fleet.yaml (issue 17: run --fleet + watch)', () => {
  const docs = parseStrict(read('kubernetes/fleet.yaml'));
  const byName = (kind: string, name: string): any => docs.find((d) => d.kind === kind && d.metadata.name === name);

  it('holds the scenario, the run settings, Redis (Deployment + Service), two Jobs and the watcher\'s dashboard Service', () => {
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'ConfigMap/fastbench-fleet-scenario', 'ConfigMap/fastbench-fleet-run', 'Deployment/redis', 'Service/redis', 'Job/fastbench-fleet', 'Job/fastbench-fleet-watch',
      'Service/fastbench-fleet-watch',
    ]);
    const redis = byName('Deployment', 'redis');
    expect(redis.spec.template.spec.containers[0].ports[0].containerPort).toBe(6379);
    expect(redis.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/component': 'fleet-redis' });
    const svc = byName('Service', 'redis');
    expect(svc.spec.selector).toEqual(redis.spec.selector.matchLabels);
    expect(svc.spec.ports[0].port).toBe(6379);
  });

  it('runs shard $(JOB_COMPLETION_INDEX) of N of an Indexed Job, joined to the fleet in Redis', () => {
    const job = byName('Job', 'fastbench-fleet');
    expect(job.spec.completionMode).toBe('Indexed');
    expect(job.spec.parallelism).toBe(job.spec.completions);
    const c = job.spec.template.spec.containers[0];
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(Number(env.SHARDS)).toBe(job.spec.completions);
    expect(env.JOB_ID).toEqual({ configMapKeyRef: { name: 'fastbench-fleet-run', key: 'jobId' } });
    expect([...c.command, ...c.args].join(' ')).toBe(
      'fastbench run /scenario/scenario.yaml --shard $(JOB_COMPLETION_INDEX)/$(SHARDS) --fleet redis://redis:6379/$(JOB_ID) --start-at $(START_AT) --format json,text --out /results',
    );
  });

  it('watches the same fleet, writes the merged result and serves the fleet\'s dashboard through a Service', () => {
    const job = byName('Job', 'fastbench-fleet-watch');
    const c = job.spec.template.spec.containers[0];
    expect([...c.command, ...c.args].join(' ')).toBe('fastbench watch redis://redis:6379/$(JOB_ID) --out /results/merged.json --wait 30m --dashboard=0.0.0.0:5665 --dashboard-keep');
    expect(c.ports).toEqual([{ name: 'dashboard', containerPort: 5665 }]);
    const svc = byName('Service', 'fastbench-fleet-watch');
    const [key, value] = Object.entries(svc.spec.selector)[0] as [string, string];
    expect(Object.keys(svc.spec.selector)).toHaveLength(1);
    expect(job.spec.template.metadata.labels[key]).toBe(value);
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ports).toEqual([{ name: 'dashboard', port: 5665, targetPort: 'dashboard' }]);
  });

  it('embeds a scenario that fastbench validates, with fleet abort-on-fail gates', () => {
    const text = byName('ConfigMap', 'fastbench-fleet-scenario').data['scenario.yaml'];
    expectValidScenario(text, 'scenario.yaml');
    expect(text).toContain('{ check: errors < 1% over 10s windows, abortOnFail: true }');
  });

  it('its command lines parse as fastbench commands', () => {
    const program = buildProgram();
    const run = program.commands.find((x) => x.name() === 'run')!;
    const watch = program.commands.find((x) => x.name() === 'watch')!;
    expect(run.options.some((o) => o.long === '--fleet')).toBe(true);
    expect(watch.options.map((o) => o.long)).toEqual(expect.arrayContaining(['--out', '--wait', '--dashboard', '--dashboard-keep']));
  });
});
