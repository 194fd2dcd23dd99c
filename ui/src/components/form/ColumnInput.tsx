// A text input with a dropdown of upstream columns (free text allowed), and a chips input for
// lists of columns.

import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { Column } from '../../model/types';
import { IconX } from '../icons';

interface ColumnInputProps {
  value: string;
  onChange: (v: string) => void;
  columns: Column[] | null;
  exclude?: Set<string>;
  placeholder?: string;
  testId?: string;
  invalid?: boolean;
  /** Clear the input after a pick (for adding chips). */
  clearOnPick?: boolean;
  onPick?: (v: string) => void;
  onEnter?: (v: string) => void;
  onBackspaceEmpty?: () => void;
  ariaLabel?: string;
  className?: string;
}

export function ColumnInput({
  value,
  onChange,
  columns,
  exclude,
  placeholder,
  testId,
  invalid,
  clearOnPick,
  onPick,
  onEnter,
  onBackspaceEmpty,
  ariaLabel,
  className,
}: ColumnInputProps) {
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const listId = useId();
  const ref = useRef<HTMLDivElement>(null);
  const q = value.trim().toLowerCase();
  const options = useMemo(() => {
    const all = (columns ?? []).filter((c) => !exclude?.has(c.name));
    // While the value is exactly a column, show every column (the user is browsing).
    const exact = all.some((c) => c.name.toLowerCase() === q);
    return exact || !q ? all : all.filter((c) => c.name.toLowerCase().includes(q));
  }, [columns, exclude, q]);

  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);

  const pick = (name: string) => {
    if (onPick) onPick(name);
    else onChange(name);
    if (clearOnPick) onChange('');
    setOpen(false);
  };

  const known = !columns || !value || columns.some((c) => c.name === value);
  const type = columns?.find((c) => c.name === value)?.type;

  return (
    <div className={`combo${className ? ' ' + className : ''}`} ref={ref}>
      <input
        className={`input mono${invalid ? ' invalid' : ''}${!known && !clearOnPick ? ' unknown-col' : ''}`}
        value={value}
        placeholder={placeholder ?? (columns && columns.length ? 'column' : 'column name')}
        data-testid={testId}
        aria-label={ariaLabel}
        role="combobox"
        aria-expanded={open}
        aria-controls={listId}
        aria-autocomplete="list"
        autoComplete="off"
        spellCheck={false}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onChange={(e) => {
          onChange(e.target.value);
          setOpen(true);
          setActive(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setOpen(true);
            setActive((a) => Math.min(a + 1, options.length - 1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setActive((a) => Math.max(a - 1, 0));
          } else if (e.key === 'Enter') {
            e.preventDefault();
            if (open && options[active] && q && !options.some((o) => o.name === value)) pick(options[active].name);
            else if (open && options[active] && !q) pick(options[active].name);
            else {
              onEnter?.(value);
              setOpen(false);
            }
          } else if (e.key === 'Escape') {
            setOpen(false);
          } else if (e.key === 'Backspace' && value === '') {
            onBackspaceEmpty?.();
          } else if (e.key === 'Tab') {
            setOpen(false);
          }
        }}
      />
      {type && !clearOnPick && <span className="combo-type">{type}</span>}
      {open && options.length > 0 && (
        <ul className="combo-list" id={listId} role="listbox">
          {options.slice(0, 200).map((c, i) => (
            <li
              key={c.name}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : ''}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(c.name);
              }}
              onMouseEnter={() => setActive(i)}
            >
              <span className="mono">{c.name}</span>
              <span className="combo-opt-type">{c.type}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

interface ChipsProps {
  value: string[];
  onChange: (v: string[]) => void;
  columns: Column[] | null;
  testId: string;
  invalidIndexes?: Set<number>;
  placeholder?: string;
}

/** A list of column names as removable chips, with a column picker to add more. */
export function ColumnChips({ value, onChange, columns, testId, invalidIndexes, placeholder }: ChipsProps) {
  const [draft, setDraft] = useState('');
  const add = (name: string) => {
    const n = name.trim();
    if (!n || value.includes(n)) return;
    onChange([...value, n]);
    setDraft('');
  };
  const types = new Map((columns ?? []).map((c) => [c.name, c.type]));
  return (
    <div className="chips" data-testid={testId}>
      {value.map((c, i) => (
        <span
          key={`${c}-${i}`}
          className={`chip${invalidIndexes?.has(i) ? ' invalid' : ''}${columns && !types.has(c) ? ' unknown-col' : ''}`}
          data-testid={`chip-${testId.replace(/^field-/, '')}-${i}`}
          title={types.get(c) ?? (columns ? 'not in the input' : c)}
        >
          <span className="mono">{c}</span>
          <button
            className="chip-x"
            aria-label={`Remove ${c}`}
            onClick={() => onChange(value.filter((_, j) => j !== i))}
            data-testid={`remove-${testId.replace(/^field-/, '')}-${i}`}
          >
            <IconX size={10} />
          </button>
        </span>
      ))}
      <ColumnInput
        className="chips-input"
        value={draft}
        onChange={setDraft}
        onPick={add}
        onEnter={add}
        clearOnPick
        columns={columns}
        exclude={new Set(value)}
        placeholder={placeholder ?? (value.length ? 'add column' : 'pick columns')}
        testId={`${testId}-input`}
        onBackspaceEmpty={() => value.length && onChange(value.slice(0, -1))}
      />
    </div>
  );
}
