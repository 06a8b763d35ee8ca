// A value that fits a JSON Schema (as OpenAPI 3.0 / 3.1 use it), for request bodies and parameters
// an OpenAPI file gives no example for.
//
// Order of preference at every level: `example`, the first of `examples` (3.1), `default`,
// `const`, the first `enum` value; else one is built from the type: objects get every property
// that is required or not readOnly (up to MAX_DEPTH levels: deeper objects are {} and arrays []),
// arrays one item (or minItems), strings a value for their `format` (padded to minLength, cut to
// maxLength), numbers their minimum (respecting exclusive bounds and multipleOf), booleans true.
// allOf merges its parts, oneOf / anyOf take the first. $refs are already resolved by the parser;
// a circular schema is a cycle of objects, which MAX_DEPTH bounds.

export const MAX_DEPTH = 4;

type Schema = Record<string, unknown>;

const FORMATS: Record<string, string> = {
  'date-time': '2024-01-01T00:00:00Z',
  date: '2024-01-01',
  time: '00:00:00Z',
  duration: 'P1D',
  email: 'user@example.com',
  'idn-email': 'user@example.com',
  hostname: 'example.com',
  'idn-hostname': 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  uri: 'https://example.com/',
  'uri-reference': '/example',
  iri: 'https://example.com/',
  url: 'https://example.com/',
  uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
  byte: 'ZmFzdGJlbmNo',
  binary: 'fastbench',
  password: 'password',
  regex: '.*',
  'json-pointer': '/a',
};

function isSchema(v: unknown): v is Schema {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The one type a schema stands for (3.1 allows a list: the first that is not "null"). */
function typeOf(s: Schema): string | undefined {
  const t = s['type'];
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return (t.find((x) => x !== 'null') ?? t[0]) as string | undefined;
  if (isSchema(s['properties'])) return 'object';
  if (s['items'] !== undefined) return 'array';
  return undefined;
}

/** A given value, when the schema has one. */
function givenValue(s: Schema): { value: unknown } | undefined {
  if (s['example'] !== undefined) return { value: s['example'] };
  if (Array.isArray(s['examples']) && s['examples'].length > 0) return { value: s['examples'][0] };
  if (s['default'] !== undefined) return { value: s['default'] };
  if (s['const'] !== undefined) return { value: s['const'] };
  if (Array.isArray(s['enum']) && s['enum'].length > 0) return { value: s['enum'][0] };
  return undefined;
}

function num(s: Schema, integer: boolean): number {
  const min = typeof s['minimum'] === 'number' ? s['minimum'] : undefined;
  const max = typeof s['maximum'] === 'number' ? s['maximum'] : undefined;
  // 3.0: exclusiveMinimum is a boolean beside minimum; 3.1: it is the bound itself.
  const exMin = typeof s['exclusiveMinimum'] === 'number' ? s['exclusiveMinimum'] : s['exclusiveMinimum'] === true ? min : undefined;
  const exMax = typeof s['exclusiveMaximum'] === 'number' ? s['exclusiveMaximum'] : s['exclusiveMaximum'] === true ? max : undefined;
  const step = typeof s['multipleOf'] === 'number' && s['multipleOf'] > 0 ? s['multipleOf'] : integer ? 1 : undefined;
  let v: number;
  if (exMin !== undefined) v = exMin + (step ?? 0.5);
  else if (min !== undefined) v = min;
  else if (max !== undefined || exMax !== undefined) v = Math.min(1, (exMax ?? max!) - (exMax !== undefined ? (step ?? 0.5) : 0));
  else v = 1;
  if (step !== undefined) v = Math.ceil(v / step - 1e-9) * step;
  return integer ? Math.ceil(v) : v;
}

function str(s: Schema): string {
  const format = typeof s['format'] === 'string' ? s['format'] : '';
  let v = FORMATS[format] ?? 'string';
  const minLength = typeof s['minLength'] === 'number' ? s['minLength'] : 0;
  const maxLength = typeof s['maxLength'] === 'number' ? s['maxLength'] : Infinity;
  while (v.length < minLength) v += 'x';
  if (v.length > maxLength) v = v.slice(0, maxLength);
  return v;
}

/** A value for `schema`; `depth` counts object/array levels already entered. */
export function exampleFor(schema: unknown, depth = 0): unknown {
  if (!isSchema(schema)) return {};
  const given = givenValue(schema);
  if (given !== undefined) return given.value;
  if (Array.isArray(schema['allOf']) && schema['allOf'].length > 0) {
    const parts = schema['allOf'].map((p) => exampleFor(p, depth));
    if (parts.every(isSchema)) {
      const own = typeOf(schema) === 'object' ? exampleFor({ ...schema, allOf: undefined }, depth) : {};
      return Object.assign({}, ...parts, isSchema(own) ? own : {});
    }
    return parts[0];
  }
  for (const k of ['oneOf', 'anyOf']) {
    const list = schema[k];
    if (Array.isArray(list) && list.length > 0) return exampleFor(list.find((x) => !(isSchema(x) && x['type'] === 'null')) ?? list[0], depth);
  }
  switch (typeOf(schema)) {
    case 'object': {
      if (depth >= MAX_DEPTH) return {};
      const out: Record<string, unknown> = {};
      const props = isSchema(schema['properties']) ? schema['properties'] : {};
      const required = Array.isArray(schema['required']) ? (schema['required'] as unknown[]) : [];
      for (const [name, p] of Object.entries(props)) {
        if (isSchema(p) && p['readOnly'] === true && !required.includes(name)) continue;
        out[name] = exampleFor(p, depth + 1);
      }
      return out;
    }
    case 'array': {
      if (depth >= MAX_DEPTH) return [];
      const n = typeof schema['minItems'] === 'number' && schema['minItems'] > 1 ? Math.min(schema['minItems'], 10) : 1;
      const item = exampleFor(schema['items'], depth + 1);
      return Array.from({ length: n }, () => item);
    }
    case 'string':
      return str(schema);
    case 'integer':
      return num(schema, true);
    case 'number':
      return num(schema, false);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return {};
  }
}
