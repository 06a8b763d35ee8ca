// OpenAPI 3 → requests: $refs (local, external file, circular) resolved by the parser, parameters
// and bodies from examples or schemas, security as {{env}} placeholders, declared statuses.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FastbenchError } from '../../../../src/core/errors.js';
import { ImportLog, renderImport, type RequestDoc, type ScenarioDoc } from '../../../../src/cli/import/import-output.js';
import { importOpenApi } from '../../../../src/cli/import/openapi-import.js';

const PETS = fileURLToPath(new URL('../../../fixtures/import/petstore.openapi.yaml', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'fastbench-openapi-import-'));
const load = [{ connections: 1, duration: '1s' }];

async function imp(file: string, target?: string): Promise<{ doc: ScenarioDoc; log: ImportLog; reqs: RequestDoc[] }> {
  const log = new ImportLog();
  const doc = await importOpenApi(file, { load, ...(target !== undefined ? { target } : {}) }, log);
  const { yaml } = renderImport(doc, log, 'openapi x', join(dir, 'out.yaml'));
  return { doc, log, reqs: (parse(yaml) as ScenarioDoc).requests! };
}

function spec(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

async function rejected(p: Promise<unknown>): Promise<FastbenchError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof FastbenchError) return e;
    throw e;
  }
  throw new Error('did not reject');
}

describe('import openapi', () => {
  it('servers[0] with its variables is the target, its path the base of every request', async () => {
    const { doc, reqs } = await imp(PETS);
    expect(doc.target).toBe('http://example.test:8080');
    expect(reqs.map((r) => `${r.method ?? 'GET'} ${r.path}`)).toEqual([
      'GET /anything/v1/pets?limit=20',
      'POST /anything/v1/pets',
      'GET /anything/v1/pets/7',
      'PUT /anything/v1/pets/7',
      'POST /anything/v1/owners/owner-42/tree',
    ]);
    expect(reqs.map((r) => r.name)).toEqual(['listPets', 'createPet', 'showPet', 'updatePet', 'postTree']);
  });

  it('--target replaces the server origin and keeps the server base path', async () => {
    const { doc, reqs } = await imp(PETS, 'http://127.0.0.1:9999');
    expect(doc.target).toBe('http://127.0.0.1:9999');
    expect(reqs[0]!.path).toBe('/anything/v1/pets?limit=20');
  });

  it('bodies from schemas through $refs: local, in another file, enum, formats, readOnly left out, circular bounded', async () => {
    const { reqs } = await imp(PETS);
    expect(reqs[1]!.body).toEqual({
      name: 'string',
      kind: 'cat',
      born: '2024-01-01',
      owner: { email: 'user@example.com', score: 0.5 },
      tags: ['3fa85f64-5717-4562-b3fc-2c963f66afa6'],
    });
    expect(reqs[3]).toMatchObject({ body: 'name=rex%20%26%20co&age=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    const tree = reqs[4]!.body as { label: string; children: unknown[] };
    expect(tree.label).toBe('string');
    expect(JSON.stringify(tree)).toBe('{"label":"string","children":[{"label":"string","children":[{}]}]}');
  });

  it('security becomes an {{env}} placeholder; required header parameters are sent; declared statuses are expected', async () => {
    const { reqs, log } = await imp(PETS);
    for (const r of reqs) expect(r.headers!['Authorization']).toBe('Bearer {{env.BEARER_TOKEN}}');
    expect(reqs[4]!.headers!['X-Request-Tag']).toBe('load');
    expect(log.secretVars.map((v) => v.name)).toEqual(['BEARER_TOKEN']);
    expect(reqs.map((r) => r.expect?.status)).toEqual([[200], [200, 201], ['2xx'], [200], undefined]);
  });

  it('apiKey in query and cookie, basic auth; an unmapped scheme and path-level servers warned at the operation', async () => {
    const f = spec('keys.yaml', `openapi: 3.1.0
info: { title: keys, version: "1" }
servers: [{ url: "https://api.test" }]
paths:
  /a:
    get:
      security: [{ q: [], c: [] }]
      responses: { "200": { description: ok } }
  /b:
    servers: [{ url: "https://other.test" }]
    get:
      security: [{ basic: [], mtls: [] }]
      responses: { "204": { description: ok } }
components:
  securitySchemes:
    q: { type: apiKey, in: query, name: api_key }
    c: { type: apiKey, in: cookie, name: sid }
    basic: { type: http, scheme: basic }
    mtls: { type: mutualTLS }
`);
    const { reqs, log } = await imp(f);
    expect(reqs[0]).toMatchObject({ path: '/a?api_key={{env.Q}}', headers: { Cookie: 'sid={{env.C}}' } });
    expect(reqs[1]!.headers).toEqual({ Authorization: 'Basic {{env.BASIC_BASIC}}' });
    expect(log.warnings).toEqual([
      { where: '#/paths/~1b/get', message: 'servers given for this path or operation are not used: every request goes to the one target' },
      { where: '#/paths/~1b/get/security', message: 'security scheme "mtls" (mutualTLS) is not mapped' },
    ]);
  });

  it('a relative or missing server is a warning at #/servers/0/url', async () => {
    const f = spec('rel.json', JSON.stringify({ openapi: '3.0.0', info: { title: 'r', version: '1' }, servers: [{ url: '/api' }], paths: { '/x': { get: { responses: {} } } } }));
    const { doc, reqs, log } = await imp(f);
    expect(doc.target).toBe('http://localhost');
    expect(reqs[0]!.path).toBe('/api/x');
    expect(log.warnings[0]!.where).toBe('#/servers/0/url');
    expect((await imp(f, 'http://127.0.0.1:1')).reqs[0]!.path).toBe('/api/x');
  });

  it('bad input: YAML syntax (line:column), Swagger 2, no version, a dangling $ref, no operations', async () => {
    let e = await rejected(imp(spec('bad.yaml', 'openapi: 3.0.0\npaths:\n  /x: [\n')));
    expect([e.code, e.line]).toEqual(['ERR_IMPORT_PARSE', 4]);
    e = await rejected(imp(spec('sw.yaml', 'swagger: "2.0"\ninfo: {}\npaths: {}\n')));
    expect([e.code, e.message]).toEqual(['ERR_IMPORT_FORMAT', '/swagger: Swagger 2.0 is not OpenAPI 3 (convert it first, e.g. with swagger2openapi)']);
    e = await rejected(imp(spec('nover.yaml', 'info: {}\npaths: {}\n')));
    expect(e.message).toBe('/openapi: expected "3.0.x" or "3.1.x", got null');
    e = await rejected(imp(spec('dangling.yaml', `openapi: 3.0.0
info: { title: d, version: "1" }
paths:
  /x:
    post:
      requestBody: { content: { application/json: { schema: { $ref: "#/components/schemas/Nope" } } } }
      responses: {}
`)));
    expect(e.code).toBe('ERR_IMPORT_FORMAT');
    expect(e.message).toMatch(/^\$ref resolution failed: .*Nope/);
    e = await rejected(imp(spec('empty.yaml', 'openapi: 3.1.0\ninfo: { title: e, version: "1" }\npaths: {}\n')));
    expect(e.code).toBe('ERR_IMPORT_EMPTY');
  });
});
