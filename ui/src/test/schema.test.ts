import { describe, expect, it } from 'vitest';
import { defaultsOf, describeField, emptyValue, fieldInfo, paramProps } from '../model/schema';
import { fixtureCatalog } from './mockBackend';

const schemaOf = (id: string) => fixtureCatalog.kinds.find((k) => k.id === id)!.params_schema;
const props = (id: string) => Object.fromEntries(paramProps(schemaOf(id)).map((p) => [p.name, p]));

describe('reading params schemas', () => {
  it('enums from oneOf keep every value and their descriptions', () => {
    const how = props('join').how.field;
    expect(how.model.type).toBe('enum');
    if (how.model.type !== 'enum') return;
    expect(how.model.options.map((o) => o.value)).toEqual(['inner', 'left', 'right', 'full', 'semi', 'anti']);
    expect(how.model.options.find((o) => o.value === 'semi')!.description).toMatch(/have a match/);
    expect(how.default).toBe('inner');
  });

  it('Option fields are nullable, with their widget hints', () => {
    const agg = props('aggregate').aggregates.field;
    expect(describeField(agg)).toBe('map<object>');
    if (agg.model.type !== 'map' || agg.model.values.model.type !== 'object') throw new Error('shape');
    const inner = Object.fromEntries(agg.model.values.model.properties.map((p) => [p.name, describeField(p.field)]));
    expect(inner).toEqual({
      fn: 'enum(count|count_distinct|sum|mean|median|min|max|stddev|variance)?',
      column: 'string?@column',
      expr: 'string?@sql-expression',
    });
  });

  it('maps, arrays of objects, column widgets and ports', () => {
    expect(describeField(props('derive').columns.field)).toBe('map<string>@sql-expression-map');
    expect(describeField(props('read_csv').types.field)).toBe('map<string>@column-types');
    expect(describeField(props('select').keep.field)).toBe('array<string>@columns');
    const on = props('join').on.field;
    expect(describeField(on)).toBe('array<object>');
    if (on.model.type !== 'array' || on.model.items.model.type !== 'object') throw new Error('shape');
    expect(on.model.items.model.properties.map((p) => [p.name, p.field.port, p.required])).toEqual([
      ['left', 'left', true],
      ['right', 'right', true],
    ]);
    expect(describeField(props('write_parquet').order_by.field)).toBe('array<object>?');
    expect(describeField(props('fill_nulls').columns.field)).toBe('map<object>@column-map');
    expect(describeField(props('limit').n.field)).toBe('integer');
    expect(describeField(props('sample').fraction.field)).toBe('number?');
  });

  it('an untyped value (serde_json::Value) is an any field', () => {
    const fill = props('fill_nulls').columns.field;
    if (fill.model.type !== 'map' || fill.model.values.model.type !== 'object') throw new Error('shape');
    expect(describeField(fill.model.values.model.properties.find((p) => p.name === 'value')!.field)).toBe('any?');
  });

  it('defaults for a new node and empty values for new rows', () => {
    expect(defaultsOf(schemaOf('read_csv'))).toEqual({ header: true });
    expect(defaultsOf(schemaOf('write_parquet'))).toEqual({ mode: 'overwrite', compression: 'zstd' });
    expect(defaultsOf(schemaOf('filter'))).toEqual({});
    const on = props('join').on.field;
    if (on.model.type !== 'array') throw new Error('shape');
    expect(emptyValue(on.model.items)).toEqual({ left: '', right: '' });
    const win = props('window').columns.field;
    if (win.model.type !== 'map') throw new Error('shape');
    expect(emptyValue(win.model.values)).toEqual({ fn: 'row_number' });
  });

  it('follows $ref with sibling keywords', () => {
    const root = { $defs: { E: { type: 'string', enum: ['a', 'b'] } } };
    const f = fieldInfo({ $ref: '#/$defs/E', default: 'b', description: 'd' }, root);
    expect(f.model.type).toBe('enum');
    expect(f.default).toBe('b');
    expect(f.description).toBe('d');
  });
});
