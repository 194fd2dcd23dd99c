// The `x-sluice-widget` hints the property form knows, in one place: what each one renders as
// and on which shape of value. A hint the form does not know falls back to the schema's type,
// visibly (see Field in SchemaForm), so a new hint in the catalog shows up in use and
// in the test that checks every hint of the catalog against this table.

/** The editor a known hint picks. */
export type WidgetRole =
  | 'sql-expression'
  | 'sql-query'
  | 'column'
  | 'path'
  | 'columns'
  | 'column-keyed-map'
  | 'sql-expression-map'
  | 'connection'
  | 'table';

/** Hint -> what it renders as. `sql` is the engine's word for a full query too (it treats both
 * as SQL when filling placeholders), so both get the query editor. */
export const WIDGETS: Readonly<Record<string, WidgetRole>> = {
  'sql-expression': 'sql-expression',
  'sql-query': 'sql-query',
  sql: 'sql-query',
  column: 'column',
  path: 'path',
  columns: 'columns',
  'column-types': 'column-keyed-map',
  'column-map': 'column-keyed-map',
  'column-rename': 'column-keyed-map',
  'sql-expression-map': 'sql-expression-map',
  // Database sources: one of the user's connections (of the driver `x-sluice-driver` names), and
  // a table of the node's connection.
  connection: 'connection',
  table: 'table',
};

/** What `hint` renders as; undefined when there is no hint or the form does not know it. */
export function widgetRole(hint: string | undefined): WidgetRole | undefined {
  return hint !== undefined && Object.prototype.hasOwnProperty.call(WIDGETS, hint) ? WIDGETS[hint] : undefined;
}

/** A hint given but not known to the form. */
export function isUnknownWidget(hint: string | undefined): hint is string {
  return hint !== undefined && widgetRole(hint) === undefined;
}

/** Every widget hint anywhere in a JSON Schema (properties, items, map values, `$defs`). */
export function widgetHints(schema: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(schema)) for (const s of schema) widgetHints(s, out);
  else if (schema && typeof schema === 'object') {
    for (const [k, v] of Object.entries(schema)) {
      if (k === 'x-sluice-widget' && typeof v === 'string') out.add(v);
      else widgetHints(v, out);
    }
  }
  return out;
}
