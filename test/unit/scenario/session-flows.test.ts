// setup / teardown flows: names, shared variables, validation.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../src/scenario/index.js';
import { load, messages } from './helpers.js';

const BASE = `load:
  - duration: 1s
setup:
  - name: login
    method: POST
    path: /login
    capture: { token: $.token }
flows:
  - name: shop
    steps:
      - name: home
        path: /home
        headers: { Authorization: "Bearer {{vars.token}}" }
        capture: { item: $.id }
      - path: /item/{{vars.item}}
teardown:
  steps:
    - name: logout
      path: /logout?t={{vars.token}}
`;

describe('setup and teardown flows', () => {
  it('prefix their step names, share setup\'s variables, and give flows the later slots', () => {
    const s = load(BASE);
    expect(s.setup!.steps.map((st) => st.name)).toEqual(['setup/login']);
    expect(s.teardown!.steps.map((st) => st.name)).toEqual(['teardown/logout']);
    expect(s.sharedVars).toBe(1);
    expect(s.setup!.vars).toEqual(['token']);
    expect(s.flows[0]!.vars).toEqual(['token', 'item']);
    expect(s.flows[0]!.steps[0]!.headers.find(([n]) => n === 'Authorization')![1].parts[0]).toMatchObject({ slot: 0, name: 'vars.token' });
    expect(s.flows[0]!.steps[1]!.path.parts[0]).toMatchObject({ slot: 1 });
    expect(s.teardown!.steps[0]!.path.parts[0]).toMatchObject({ slot: 0 });
  });

  it('thresholds may name setup and teardown steps', () => {
    const s = load(`${BASE}thresholds:\n  setup/login: [p99 < 1s]\n`);
    expect(s.thresholds[0]!.request).toBe('setup/login');
    expect(messages(`${BASE}thresholds:\n  login: [p99 < 1s]\n`)).toEqual([expect.stringMatching(/^ERR_SCENARIO_THRESHOLD/)]);
  });

  it('a step name may repeat across setup and a flow (they are reported apart)', () => {
    expect(load(BASE.replace('name: home', 'name: login')).flows[0]!.steps[0]!.name).toBe('login');
  });

  it('teardown cannot use a flow\'s variables; setup needs flows', () => {
    expect(messages(BASE.replace('/logout?t={{vars.token}}', '/logout?i={{vars.item}}'))).toEqual([expect.stringMatching(/^ERR_SCENARIO_TEMPLATE 19:25 vars\.item is not captured/)]);
    expect(messages('load:\n  - duration: 1s\nsetup:\n  - path: /login\nrequests:\n  - path: /\n')).toEqual([
      expect.stringMatching(/^ERR_SCENARIO_VALUE 3:1 "setup" needs "flows"/),
    ]);
    expect(messages(BASE.replace('teardown:\n  steps:', 'teardown:\n  stepz:'))).toContainEqual(expect.stringMatching(/ERR_SCENARIO_UNKNOWN_KEY .*"stepz".*did you mean "steps"/));
  });

  it('refuses duplicate names inside setup', () => {
    const text = BASE.replace('    capture: { token: $.token }\n', '    capture: { token: $.token }\n  - name: login\n    path: /again\n');
    expect(messages(text)).toEqual([expect.stringMatching(/ERR_SCENARIO_VALUE .*duplicate request name "login"/)]);
  });
});

describe('docs/SCENARIOS.md examples', () => {
  const doc = readFileSync(new URL('../../../docs/SCENARIOS.md', import.meta.url), 'utf8');
  const block = (heading: string): string => /```yaml\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf(heading)))![1]!;
  // As if the snippet were a file in scenarios/ (its data path is relative to that).
  const file = fileURLToPath(new URL('../../../scenarios/doc-snippet.yaml', import.meta.url));

  it('the think time and pacing example validates', () => {
    const s = parseScenario(`load:\n  - duration: 1s\n${block('### Think time and pacing')}`, file, { processEnv: {} });
    expect(s.flows[0]!.paceMs).toBe(2000);
    expect(s.flows[0]!.steps.map((st) => st.think?.dist ?? st.thinkMs)).toEqual([1000, 'exponential', 'normal']);
  });

  it('the sessions example validates', () => {
    const s = parseScenario(`load:\n  - duration: 1s\n${block('### Sessions: setup and teardown')}`, file, { processEnv: {} });
    expect(s.setup!.steps[0]!.name).toBe('setup/login');
    expect(s.teardown!.steps[0]!.name).toBe('teardown/logout');
    expect(s.data!.order).toBe('unique');
  });
});
