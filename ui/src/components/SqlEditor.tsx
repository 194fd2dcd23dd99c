// SQL editing with CodeMirror 6: highlighting and completion of upstream column names (and, for
// full queries, the input tables).

import { useMemo } from 'react';
import CodeMirror, { EditorView, type Extension } from '@uiw/react-codemirror';
import { PostgreSQL, sql, type SQLNamespace } from '@codemirror/lang-sql';
import type { Completion } from '@codemirror/autocomplete';
import type { Column } from '../model/types';

const PLAIN_IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A column name as SQL: bare when it is a plain identifier, double-quoted otherwise. */
export function quoteIdent(name: string): string {
  return PLAIN_IDENT.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

export function columnCompletions(cols: Column[]): Completion[] {
  return cols.map((c) => ({ label: c.name, apply: quoteIdent(c.name), detail: c.type, type: 'property', boost: 10 }));
}

/** The namespace lang-sql completes from: `tables` by name, or `columns` as the default table. */
export function completionSchema(columns: Column[] | undefined, tables: Record<string, Column[]> | undefined): {
  schema: SQLNamespace;
  defaultTable?: string;
} {
  if (tables && Object.keys(tables).length > 0) {
    const schema: Record<string, SQLNamespace> = {};
    for (const [t, cols] of Object.entries(tables)) schema[t] = columnCompletions(cols);
    return { schema };
  }
  return { schema: { input: columnCompletions(columns ?? []) }, defaultTable: 'input' };
}

const theme = EditorView.theme({
  '&': { fontSize: '12px', backgroundColor: 'var(--input-bg)' },
  '&.cm-focused': { outline: 'none' },
  '.cm-content': { fontFamily: 'var(--mono)', padding: '5px 0', caretColor: 'var(--text)' },
  '.cm-line': { padding: '0 8px' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.55' },
  '.cm-gutters': { backgroundColor: 'var(--panel-2)', borderRight: '1px solid var(--border)', color: 'var(--text-3)' },
  '.cm-tooltip-autocomplete': { fontFamily: 'var(--mono)', fontSize: '12px' },
  '.cm-placeholder': { color: 'var(--text-3)' },
});

export interface SqlEditorProps {
  value: string;
  onChange?: (v: string) => void;
  columns?: Column[];
  tables?: Record<string, Column[]>;
  readOnly?: boolean;
  testId?: string;
  placeholder?: string;
  minHeight?: string;
  maxHeight?: string;
  lineNumbers?: boolean;
  invalid?: boolean;
  ariaLabel?: string;
}

export function SqlEditor({
  value,
  onChange,
  columns,
  tables,
  readOnly,
  testId,
  placeholder,
  minHeight,
  maxHeight,
  lineNumbers,
  invalid,
  ariaLabel,
}: SqlEditorProps) {
  const colKey = JSON.stringify([columns, tables]);
  const extensions = useMemo<Extension[]>(() => {
    const { schema, defaultTable } = completionSchema(columns, tables);
    const attrs: Record<string, string> = {};
    if (testId) attrs['data-testid'] = testId;
    if (ariaLabel) attrs['aria-label'] = ariaLabel;
    return [
      sql({ dialect: PostgreSQL, schema, defaultTable, upperCaseKeywords: true }),
      EditorView.lineWrapping,
      EditorView.contentAttributes.of(attrs),
      theme,
    ];
  }, [colKey, testId, ariaLabel]);
  return (
    <div className={`sql-editor${readOnly ? ' readonly' : ''}${invalid ? ' invalid' : ''}`}>
      <CodeMirror
        value={value}
        onChange={onChange}
        extensions={extensions}
        editable={!readOnly}
        readOnly={readOnly}
        placeholder={placeholder}
        minHeight={minHeight}
        maxHeight={maxHeight}
        theme="light"
        basicSetup={{
          lineNumbers: !!lineNumbers,
          foldGutter: false,
          highlightActiveLine: !readOnly && !!lineNumbers,
          highlightActiveLineGutter: !!lineNumbers,
          autocompletion: true,
          closeBrackets: true,
          bracketMatching: true,
          searchKeymap: !!readOnly,
        }}
      />
    </div>
  );
}
