import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { EditorView } from '@codemirror/view';
import { SchemaForm, type FormContext } from '../components/form/SchemaForm';
import { fixtureCatalog } from './mockBackend';
import type { Column, Diagnostic, JsonObject } from '../model/types';

const schemaOf = (id: string) => fixtureCatalog.kinds.find((k) => k.id === id)!.params_schema;

const LEFT: Column[] = [
  { name: 'customer_id', type: 'BIGINT' },
  { name: 'amount', type: 'DECIMAL(12,2)' },
  { name: 'order date', type: 'DATE' },
];
const RIGHT: Column[] = [
  { name: 'customer_id', type: 'BIGINT' },
  { name: 'segment', type: 'VARCHAR' },
];

function Harness({ kind, initial, diagnostics = [], onChange }: { kind: string; initial: JsonObject; diagnostics?: Diagnostic[]; onChange: (v: JsonObject) => void }) {
  const [value, setValue] = useState<JsonObject>(initial);
  const ctx: FormContext = {
    diagnostics,
    columnsFor: (port) => (port === 'right' ? RIGHT : LEFT),
    tables: () => ({ left: LEFT, right: RIGHT }),
  };
  return (
    <SchemaForm
      schema={schemaOf(kind)}
      value={value}
      context={ctx}
      onChange={(v) => {
        setValue(v);
        onChange(v);
      }}
    />
  );
}

function lastCall<T>(fn: { mock: { calls: T[][] } }): T {
  return fn.mock.calls[fn.mock.calls.length - 1][0];
}

function typeInto(el: HTMLElement, text: string) {
  const view = EditorView.findFromDOM(el)!;
  act(() => {
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
  });
}

describe('generated property forms', () => {
  it('join: enum select with descriptions, key pair rows with column pickers per port', () => {
    const onChange = vi.fn();
    render(<Harness kind="join" initial={{ how: 'inner', suffix: '_right' }} onChange={onChange} />);
    const how = screen.getByTestId('field-how') as HTMLSelectElement;
    expect(Array.from(how.options).map((o) => o.value)).toEqual(['', 'inner', 'left', 'right', 'full', 'semi', 'anti']);
    fireEvent.change(how, { target: { value: 'semi' } });
    expect(lastCall(onChange)).toEqual({ how: 'semi', suffix: '_right' });
    expect(screen.getByText(/Left rows that have a match/)).toBeInTheDocument();
    // `on` is required and missing.
    expect(screen.getByText('Required')).toBeInTheDocument();
    fireEvent.click(screen.getByTestId('add-on'));
    expect(lastCall(onChange)).toEqual({ how: 'semi', suffix: '_right', on: [{ left: '', right: '' }] });
    // The right key offers the right input's columns.
    const right = screen.getByTestId('field-on[0].right');
    fireEvent.focus(right);
    const list = screen.getByRole('listbox');
    expect(within(list).getAllByRole('option').map((o) => o.textContent)).toEqual(['customer_idBIGINT', 'segmentVARCHAR']);
    fireEvent.mouseDown(within(list).getByText('segment'));
    expect(lastCall(onChange)).toEqual({ how: 'semi', suffix: '_right', on: [{ left: '', right: 'segment' }] });
    fireEvent.change(screen.getByTestId('field-on[0].left'), { target: { value: 'customer_id' } });
    expect(lastCall(onChange)).toMatchObject({ on: [{ left: 'customer_id', right: 'segment' }] });
    fireEvent.click(screen.getByTestId('remove-on-0'));
    expect(lastCall(onChange)).toMatchObject({ on: [] });
  });

  it('derive: a map of name -> SQL expression rows', () => {
    const onChange = vi.fn();
    render(<Harness kind="derive" initial={{}} onChange={onChange} />);
    fireEvent.click(screen.getByTestId('add-columns'));
    expect(lastCall(onChange)).toEqual({ columns: { new_column: '' } });
    fireEvent.change(screen.getByTestId('key-columns-0'), { target: { value: 'net' } });
    expect(lastCall(onChange)).toEqual({ columns: { net: '' } });
    typeInto(screen.getByTestId('value-columns-0'), 'amount * 2');
    expect(lastCall(onChange)).toEqual({ columns: { net: 'amount * 2' } });
    fireEvent.click(screen.getByTestId('add-columns'));
    fireEvent.change(screen.getByTestId('key-columns-1'), { target: { value: 'net' } });
    // A duplicate key is not committed.
    expect(Object.keys(lastCall<JsonObject>(onChange).columns as JsonObject)).toEqual(['net', 'new_column']);
    expect(screen.getByTestId('key-columns-1')).toHaveClass('invalid');
  });

  it('filter: the SQL editor highlights and completes upstream columns', () => {
    const onChange = vi.fn();
    render(<Harness kind="filter" initial={{ predicate: 'amount > 0' }} onChange={onChange} />);
    const el = screen.getByTestId('field-predicate');
    expect(el.getAttribute('contenteditable')).toBe('true');
    expect(el.textContent).toBe('amount > 0');
    typeInto(el, 'amount > 10');
    expect(lastCall(onChange)).toEqual({ predicate: 'amount > 10' });
  });

  it('aggregate: map of objects with optional enum, column and expression', () => {
    const onChange = vi.fn();
    render(<Harness kind="aggregate" initial={{ aggregates: { orders: { fn: 'count' } } }} onChange={onChange} />);
    const fn = screen.getByTestId('field-aggregates.orders.fn') as HTMLSelectElement;
    expect(fn.value).toBe('count');
    fireEvent.change(fn, { target: { value: 'sum' } });
    fireEvent.change(screen.getByTestId('field-aggregates.orders.column'), { target: { value: 'amount' } });
    expect(lastCall(onChange)).toEqual({ aggregates: { orders: { fn: 'sum', column: 'amount' } } });
    // Clearing an optional field removes the key.
    fireEvent.change(screen.getByTestId('field-aggregates.orders.fn'), { target: { value: '' } });
    expect(lastCall(onChange)).toEqual({ aggregates: { orders: { column: 'amount' } } });
    // group_by chips pick from the input's columns.
    const add = screen.getByTestId('field-group_by-input');
    fireEvent.focus(add);
    fireEvent.mouseDown(within(within(screen.getByTestId('field-group_by')).getByRole('listbox')).getByText('customer_id'));
    expect(lastCall(onChange)).toMatchObject({ group_by: ['customer_id'] });
  });

  it('read_csv: path, boolean switch with default, optional string, types keyed by column', () => {
    const onChange = vi.fn();
    render(<Harness kind="read_csv" initial={{ header: true }} onChange={onChange} />);
    fireEvent.change(screen.getByTestId('field-path'), { target: { value: 'data/orders.csv' } });
    expect(lastCall(onChange)).toEqual({ header: true, path: 'data/orders.csv' });
    const header = screen.getByTestId('field-header');
    expect(header).toHaveAttribute('aria-checked', 'true');
    fireEvent.click(header);
    expect(lastCall(onChange)).toMatchObject({ header: false });
    fireEvent.change(screen.getByTestId('field-delimiter'), { target: { value: ';' } });
    expect(lastCall(onChange)).toMatchObject({ delimiter: ';' });
    fireEvent.change(screen.getByTestId('field-delimiter'), { target: { value: '' } });
    expect(lastCall<JsonObject>(onChange)).not.toHaveProperty('delimiter');
    fireEvent.click(screen.getByTestId('add-types'));
    // The first column not yet used.
    expect(lastCall(onChange)).toMatchObject({ types: { customer_id: '' } });
    fireEvent.change(screen.getByTestId('value-types-0'), { target: { value: 'VARCHAR' } });
    expect(lastCall(onChange)).toMatchObject({ types: { customer_id: 'VARCHAR' } });
    // String lists that are not columns are plain rows (so "" can be a value).
    fireEvent.click(screen.getByTestId('add-nulls'));
    fireEvent.change(screen.getByTestId('field-nulls[0]'), { target: { value: 'N/A' } });
    expect(lastCall(onChange)).toMatchObject({ nulls: ['N/A'] });
  });

  it('write_parquet: an Option<Vec> gets an explicit toggle; numbers parse', () => {
    const onChange = vi.fn();
    render(<Harness kind="write_parquet" initial={{ path: 'o.parquet' }} onChange={onChange} />);
    expect(screen.queryByTestId('field-order_by')).toBeNull();
    expect(screen.getByText(/Not set/)).toBeInTheDocument();
    fireEvent.click(screen.getByTestId('toggle-order_by'));
    expect(lastCall(onChange)).toEqual({ path: 'o.parquet', order_by: [] });
    fireEvent.click(screen.getByTestId('toggle-order_by'));
    expect(lastCall(onChange)).toEqual({ path: 'o.parquet' });
  });

  it('limit: integer input emits numbers and drops the key when cleared', () => {
    const onChange = vi.fn();
    render(<Harness kind="limit" initial={{}} onChange={onChange} />);
    fireEvent.change(screen.getByTestId('field-n'), { target: { value: '25' } });
    expect(lastCall(onChange)).toEqual({ n: 25 });
    fireEvent.change(screen.getByTestId('field-n'), { target: { value: '2.5' } });
    expect(lastCall(onChange)).toEqual({ n: 25 });
    fireEvent.change(screen.getByTestId('field-n'), { target: { value: '' } });
    expect(lastCall(onChange)).toEqual({});
  });

  it('shows diagnostics under the field their path points at', () => {
    const diags: Diagnostic[] = [
      { severity: 'error', code: 'S020', fault: 'spec', node: 'n', path: 'params.keep[1]', message: "column 'amout' does not exist in input 'input'", help: "did you mean 'amount'?" },
      { severity: 'warning', code: 'W001', fault: 'spec', node: 'n', path: 'params.drop', message: 'drop overlaps keep' },
    ];
    render(<Harness kind="select" initial={{ keep: ['customer_id', 'amout'], drop: ['amount'] }} diagnostics={diags} onChange={() => {}} />);
    const keepField = screen.getByTestId('field-keep').closest('.field') as HTMLElement;
    expect(within(keepField).getByText(/column 'amout' does not exist/)).toBeInTheDocument();
    expect(within(keepField).getByText(/did you mean 'amount'/)).toBeInTheDocument();
    expect(screen.getByTestId('chip-keep-1')).toHaveClass('invalid');
    expect(screen.getByTestId('chip-keep-0')).not.toHaveClass('invalid');
    const dropField = screen.getByTestId('field-drop').closest('.field') as HTMLElement;
    expect(within(dropField).getByText('drop overlaps keep')).toBeInTheDocument();
    expect(within(dropField).queryByText(/amout/)).toBeNull();
  });

  it('fill_nulls: an untyped value reads numbers and booleans as such', () => {
    const onChange = vi.fn();
    render(<Harness kind="fill_nulls" initial={{ columns: { amount: { strategy: 'constant' } } }} onChange={onChange} />);
    fireEvent.change(screen.getByTestId('field-columns.amount.value'), { target: { value: '0' } });
    expect(lastCall(onChange)).toEqual({ columns: { amount: { strategy: 'constant', value: 0 } } });
    fireEvent.change(screen.getByTestId('field-columns.amount.value'), { target: { value: 'unknown' } });
    expect(lastCall(onChange)).toEqual({ columns: { amount: { strategy: 'constant', value: 'unknown' } } });
  });
});
