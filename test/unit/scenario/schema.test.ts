import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCENARIO_KEYS } from '../../../src/scenario/index.js';

interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, unknown>;
  additionalProperties?: unknown;
  $defs?: Record<string, SchemaNode>;
  [k: string]: unknown;
}

const schema = JSON.parse(readFileSync(new URL('../../../schema/scenario.schema.json', import.meta.url), 'utf8')) as SchemaNode;

// Which schema object describes which validator key group.
const WHERE: Record<keyof typeof SCENARIO_KEYS, SchemaNode> = {
  top: schema,
  client: schema.$defs!.client!,
  phase: schema.$defs!.phase!,
  stairs: schema.$defs!.stairs!,
  search: schema.$defs!.search!,
  request: schema.$defs!.request!,
  expect: schema.$defs!.expect!,
  flow: schema.$defs!.flow!,
  step: schema.$defs!.step!,
  capture: schema.$defs!.capture!,
  data: schema.$defs!.data!,
  threshold: schema.$defs!.threshold!,
  // issue 15 (sess-web)
  cookies: schema.$defs!.cookies!,
  auth: schema.$defs!.auth!,
  multipartFile: schema.$defs!.multipartFile!,
  think: schema.$defs!.think!,
  session: schema.$defs!.session!,
  tls: schema.$defs!.tls!,
  target: schema.$defs!.target!,
  // issue 18 websocket
  ws: schema.$defs!.ws!,
  wsExpect: schema.$defs!.wsExpect!,
};

describe('schema/scenario.schema.json', () => {
  it('is a draft 2020-12 schema', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it.each(Object.keys(SCENARIO_KEYS) as (keyof typeof SCENARIO_KEYS)[])('declares exactly the keys the validator accepts: %s', (group) => {
    const node = WHERE[group];
    expect(node.additionalProperties).toBe(false);
    expect(Object.keys(node.properties ?? {}).sort()).toEqual([...SCENARIO_KEYS[group]].sort());
  });

  it('has no closed object the validator does not know about', () => {
    const closed: SchemaNode[] = [];
    const walk = (n: unknown): void => {
      if (n === null || typeof n !== 'object') return;
      if (Array.isArray(n)) return n.forEach(walk);
      const o = n as SchemaNode;
      if (o.additionalProperties === false) closed.push(o);
      Object.values(o).forEach(walk);
    };
    walk(schema);
    const known = new Set(Object.values(WHERE));
    expect(closed.filter((c) => !known.has(c))).toEqual([]);
    expect(closed).toHaveLength(Object.keys(SCENARIO_KEYS).length);
  });

  it('resolves every $ref', () => {
    const refs: string[] = [];
    const walk = (n: unknown): void => {
      if (n === null || typeof n !== 'object') return;
      if (Array.isArray(n)) return n.forEach(walk);
      for (const [k, v] of Object.entries(n)) {
        if (k === '$ref' && typeof v === 'string') refs.push(v);
        else walk(v);
      }
    };
    walk(schema);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/\$defs\//);
      expect(schema.$defs![ref.slice('#/$defs/'.length)], ref).toBeDefined();
    }
  });
});
