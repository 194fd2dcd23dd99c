// A text input with a dropdown of choices (free text allowed), for fields whose choices are not
// columns: a connection by name, a table of a connection. Picking an option may do more than set
// the text (a table of another schema sets the schema too), so `onPick` gets the option.

import { useEffect, useId, useMemo, useRef, useState } from 'react';

export interface PickOption {
  /** Unique among the options. */
  key: string;
  /** What picking it writes into the field. */
  value: string;
  /** Shown on the right, dimmed. */
  detail?: string;
}

interface PickInputProps {
  value: string;
  onChange: (v: string) => void;
  options: PickOption[];
  /** A pick; default: onChange(option.value). */
  onPick?: (o: PickOption) => void;
  /** The field got focus (to ask for its options). */
  onFocus?: () => void;
  placeholder?: string;
  testId?: string;
  invalid?: boolean;
  /** Marks a value that is none of the options. */
  unknown?: boolean;
  ariaLabel?: string;
  /** Shown in the list when there are no options. */
  empty?: string;
}

export function PickInput({ value, onChange, options, onPick, onFocus, placeholder, testId, invalid, unknown, ariaLabel, empty }: PickInputProps) {
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const listId = useId();
  const ref = useRef<HTMLDivElement>(null);
  const q = value.trim().toLowerCase();
  const shown = useMemo(() => {
    // While the value is exactly an option, show them all (the user is browsing).
    const exact = options.some((o) => o.value.toLowerCase() === q);
    return exact || !q ? options : options.filter((o) => `${o.value} ${o.detail ?? ''}`.toLowerCase().includes(q));
  }, [options, q]);

  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);

  const pick = (o: PickOption) => {
    if (onPick) onPick(o);
    else onChange(o.value);
    setOpen(false);
  };

  return (
    <div className="combo" ref={ref}>
      <input
        className={`input mono${invalid ? ' invalid' : ''}${unknown ? ' unknown-col' : ''}`}
        value={value}
        placeholder={placeholder}
        data-testid={testId}
        aria-label={ariaLabel}
        role="combobox"
        aria-expanded={open}
        aria-controls={listId}
        aria-autocomplete="list"
        autoComplete="off"
        spellCheck={false}
        onFocus={() => {
          setOpen(true);
          // Opened on an option: it is the one under the keyboard.
          setActive(Math.max(0, shown.findIndex((o) => o.value === value)));
          onFocus?.();
        }}
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
            setActive((a) => Math.min(a + 1, shown.length - 1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setActive((a) => Math.max(a - 1, 0));
          } else if (e.key === 'Enter') {
            e.preventDefault();
            if (open && shown[active] && shown[active].value !== value) pick(shown[active]);
            else setOpen(false);
          } else if (e.key === 'Escape' || e.key === 'Tab') {
            setOpen(false);
          }
        }}
      />
      {open && (shown.length > 0 || empty) && (
        <ul className="combo-list" id={listId} role="listbox">
          {shown.length === 0 && <li className="combo-empty">{empty}</li>}
          {shown.slice(0, 300).map((o, i) => (
            <li
              key={o.key}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : ''}
              data-testid={testId ? `${testId}-option-${o.key}` : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(o);
              }}
              onMouseEnter={() => setActive(i)}
            >
              <span className="mono">{o.value}</span>
              {o.detail && <span className="combo-opt-type">{o.detail}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
