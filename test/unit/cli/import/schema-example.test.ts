// Values built from JSON Schemas for OpenAPI bodies and parameters.
import { describe, expect, it } from 'vitest';
import { exampleFor, MAX_DEPTH } from '../../../../src/cli/import/schema-example.js';

describe('exampleFor', () => {
  it('prefers example, examples[0], default, const, enum[0]', () => {
    expect(exampleFor({ type: 'string', example: 'ex', default: 'd' })).toBe('ex');
    expect(exampleFor({ type: 'string', examples: ['first', 'second'], default: 'd' })).toBe('first');
    expect(exampleFor({ type: 'integer', default: 20 })).toBe(20);
    expect(exampleFor({ const: 'fixed' })).toBe('fixed');
    expect(exampleFor({ type: 'string', enum: ['cat', 'dog'] })).toBe('cat');
  });

  it('strings by format, padded to minLength and cut to maxLength', () => {
    expect(exampleFor({ type: 'string', format: 'email' })).toBe('user@example.com');
    expect(exampleFor({ type: 'string', format: 'uuid' })).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(exampleFor({ type: 'string', format: 'date-time' })).toBe('2024-01-01T00:00:00Z');
    expect(exampleFor({ type: 'string', minLength: 10 })).toBe('stringxxxx');
    expect(exampleFor({ type: 'string', maxLength: 3 })).toBe('str');
  });

  it('numbers respect minimum, maximum, exclusive bounds (3.0 and 3.1 forms) and multipleOf', () => {
    expect(exampleFor({ type: 'integer', minimum: 7 })).toBe(7);
    expect(exampleFor({ type: 'integer', maximum: -3 })).toBe(-3);
    expect(exampleFor({ type: 'integer', minimum: 5, exclusiveMinimum: true })).toBe(6);
    expect(exampleFor({ type: 'integer', exclusiveMinimum: 5 })).toBe(6);
    expect(exampleFor({ type: 'number', exclusiveMinimum: 0, multipleOf: 0.25 })).toBe(0.25);
    expect(exampleFor({ type: 'integer', minimum: 3, multipleOf: 5 })).toBe(5);
    expect(exampleFor({ type: 'number' })).toBe(1);
  });

  it('objects: every property but readOnly ones (unless required); arrays of one item or minItems', () => {
    expect(
      exampleFor({
        type: 'object',
        required: ['id2'],
        properties: { id: { type: 'integer', readOnly: true }, id2: { type: 'integer', readOnly: true }, ok: { type: 'boolean' }, tags: { type: 'array', items: { type: 'string' } } },
      }),
    ).toEqual({ id2: 1, ok: true, tags: ['string'] });
    expect(exampleFor({ type: 'array', minItems: 3, items: { type: 'integer' } })).toEqual([1, 1, 1]);
    expect(exampleFor({ type: ['null', 'integer'] })).toBe(1);
  });

  it('allOf merges, oneOf / anyOf take the first non-null', () => {
    expect(exampleFor({ allOf: [{ type: 'object', properties: { a: { type: 'integer' } } }, { type: 'object', properties: { b: { type: 'string' } } }] })).toEqual({ a: 1, b: 'string' });
    expect(exampleFor({ oneOf: [{ type: 'null' }, { type: 'string', format: 'date' }] })).toBe('2024-01-01');
    expect(exampleFor({ anyOf: [{ type: 'boolean' }, { type: 'string' }] })).toBe(true);
  });

  it('a circular schema ends at MAX_DEPTH levels', () => {
    const node: Record<string, unknown> = { type: 'object', properties: {} };
    (node['properties'] as Record<string, unknown>)['child'] = node;
    let v = exampleFor(node) as Record<string, unknown>;
    let depth = 0;
    while (v['child'] !== undefined) {
      v = v['child'] as Record<string, unknown>;
      depth++;
    }
    expect(depth).toBe(MAX_DEPTH);
    expect(v).toEqual({});
  });
});
