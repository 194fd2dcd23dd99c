// Every `x-sluice-widget` hint the catalog uses is one the property form knows; an unknown one
// falls back to the schema's type, visibly. The full catalog is a snapshot of
// `sluice catalog --json`; with SLUICE_BIN (or the default debug build) present, the live one
// is checked too.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { EditorView } from '@codemirror/view';
import { SchemaForm, type FormContext } from '../components/form/SchemaForm';
import { WIDGETS, isUnknownWidget, widgetHints, widgetRole } from '../components/form/widgets';
import type { Catalog, JsonObject, JsonSchema } from '../model/types';
import { fixtureCatalog } from './mockBackend';
import fullCatalogJson from './fixtures/catalog-full.json';

const fullCatalog = fullCatalogJson as unknown as Catalog;
const bin = process.env.SLUICE_BIN ?? `${homedir()}/.cache/sluice/target/debug/sluice`;

function hintsOf(catalog: Catalog): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const k of catalog.kinds) for (const h of widgetHints(k.params_schema)) out.set(h, [...(out.get(h) ?? []), k.id]);
  return out;
}

function unknownHints(catalog: Catalog): string[] {
  return [...hintsOf(catalog)].filter(([h]) => isUnknownWidget(h)).map(([h, kinds]) => `${h} (${kinds.join(', ')})`);
}

const COLUMNS = [
  { name: 'id', type: 'BIGINT' },
  { name: 'amount', type: 'DOUBLE' },
];

function Form({ schema, initial = {} }: { schema: JsonSchema; initial?: JsonObject }) {
  const [value, setValue] = useState<JsonObject>(initial);
  const ctx: FormContext = { diagnostics: [], columnsFor: () => COLUMNS, tables: () => ({ input: COLUMNS }) };
  return <SchemaForm schema={schema} value={value} context={ctx} onChange={setValue} />;
}

const schemaOf = (id: string) => fullCatalog.kinds.find((k) => k.id === id)!.params_schema;

describe('widget hints', () => {
  it('the form knows every hint of the test catalog and of the full catalog', () => {
    expect(unknownHints(fixtureCatalog)).toEqual([]);
    expect(unknownHints(fullCatalog)).toEqual([]);
    // The snapshot is the whole catalog, so the hints above are all there are.
    expect([...hintsOf(fullCatalog).keys()].sort()).toEqual(expect.arrayContaining(['sql', 'sql-query', 'column-map', 'path']));
  });

  it.skipIf(!existsSync(bin))('the form knows every hint of the live catalog', () => {
    const live = JSON.parse(execFileSync(bin, ['catalog', '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 })) as Catalog;
    expect(unknownHints(live)).toEqual([]);
    const rolling = live.kinds.find((k) => k.id === 'rolling')!.params_schema as { properties: Record<string, Record<string, unknown>> };
    expect(widgetRole(rolling.properties.aggregates['x-sluice-widget'] as string)).toBe('column-keyed-map');
  });

  it('reads `sql` as a full query, like the engine', () => {
    expect(widgetRole('sql')).toBe('sql-query');
    expect(widgetRole('sql-query')).toBe('sql-query');
    expect(widgetRole('toString')).toBeUndefined();
    expect(isUnknownWidget(undefined)).toBe(false);
    expect(Object.keys(WIDGETS)).toContain('sql');
  });

  it("check_sql's query gets the SQL editor, not a text box", () => {
    render(<Form schema={schemaOf('check_sql')} initial={{ query: 'SELECT * FROM input WHERE amount < 0' }} />);
    const el = screen.getByTestId('field-query');
    expect(el.tagName).not.toBe('INPUT');
    const view = EditorView.findFromDOM(el);
    expect(view).not.toBeNull();
    expect(view!.state.doc.toString()).toBe('SELECT * FROM input WHERE amount < 0');
    expect(screen.queryByTestId('widget-unknown-query')).toBeNull();
  });

  it("rolling's aggregates are keyed by a column picker", () => {
    render(<Form schema={schemaOf('rolling')} initial={{ time_column: 'id', windows: ['7 days'], aggregates: { amount: ['sum'] } }} />);
    const key = screen.getByTestId('key-aggregates-0');
    // The column picker (a combobox over the input's columns), not a free-text name.
    expect(key).toHaveAttribute('role', 'combobox');
    expect(key).toHaveValue('amount');
  });

  it("database sources' connection and table are pickers, the driver read from the schema", () => {
    const schema = schemaOf('read_postgres') as { properties: Record<string, Record<string, unknown>> };
    expect(schema.properties.connection['x-sluice-driver']).toBe('postgres');
    expect(widgetRole(schema.properties.connection['x-sluice-widget'] as string)).toBe('connection');
    expect(widgetRole(schema.properties.table['x-sluice-widget'] as string)).toBe('table');
    render(<Form schema={schemaOf('read_mysql')} initial={{ connection: 'crm', table: 'leads' }} />);
    expect(screen.getByTestId('field-connection')).toHaveAttribute('role', 'combobox');
    expect(screen.getByTestId('field-connection')).toHaveValue('crm');
    expect(screen.getByTestId('field-table')).toHaveAttribute('role', 'combobox');
    expect(screen.queryByTestId('widget-unknown-connection')).toBeNull();
  });

  it('an unknown hint falls back to the type, and says so', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: { shape: { type: 'string', description: 'A shape.', 'x-sluice-widget': 'polygon' } },
      required: ['shape'],
    } as unknown as JsonSchema;
    render(<Form schema={schema} initial={{ shape: 'square' }} />);
    expect(screen.getByTestId('field-shape')).toHaveValue('square');
    expect(screen.getByTestId('widget-unknown-shape')).toHaveTextContent('No editor for “polygon”');
  });
});
