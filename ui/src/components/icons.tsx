// Inline SVG icons (16 px grid, 1.5 px strokes).

import type { SVGProps } from 'react';
import type { Category } from '../model/types';

type P = SVGProps<SVGSVGElement> & { size?: number };

function Svg({ size = 16, children, ...rest }: P & { children: React.ReactNode }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 16 16"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.5}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      {...rest}
    >
      {children}
    </svg>
  );
}

export const IconNew = (p: P) => (
  <Svg {...p}>
    <path d="M9 1.75H4.25a1 1 0 0 0-1 1v10.5a1 1 0 0 0 1 1h7.5a1 1 0 0 0 1-1V5.5L9 1.75Z" />
    <path d="M9 1.75V5.5h3.75M8 8v4M6 10h4" />
  </Svg>
);
export const IconOpen = (p: P) => (
  <Svg {...p}>
    <path d="M1.75 4.25a1 1 0 0 1 1-1h3.5l1.5 1.5h5.5a1 1 0 0 1 1 1v6.5a1 1 0 0 1-1 1h-10.5a1 1 0 0 1-1-1v-8Z" />
  </Svg>
);
export const IconSave = (p: P) => (
  <Svg {...p}>
    <path d="M2.75 2.75a1 1 0 0 1 1-1h7l2.5 2.5v8.5a1 1 0 0 1-1 1h-8.5a1 1 0 0 1-1-1v-10Z" />
    <path d="M5 1.75v3h5v-3M5 14.25v-4.5h6v4.5" />
  </Svg>
);
export const IconPlay = (p: P) => (
  <Svg {...p}>
    <path d="M4.5 2.75v10.5a.5.5 0 0 0 .77.42l8.1-5.25a.5.5 0 0 0 0-.84l-8.1-5.25a.5.5 0 0 0-.77.42Z" fill="currentColor" stroke="none" />
  </Svg>
);
export const IconPlayTo = (p: P) => (
  <Svg {...p}>
    <path d="M2.5 3.5v9a.45.45 0 0 0 .7.37l6.6-4.5a.45.45 0 0 0 0-.74l-6.6-4.5a.45.45 0 0 0-.7.37Z" fill="currentColor" stroke="none" />
    <path d="M12.75 3v10" />
  </Svg>
);
export const IconStop = (p: P) => (
  <Svg {...p}>
    <rect x="3.5" y="3.5" width="9" height="9" rx="1.5" fill="currentColor" stroke="none" />
  </Svg>
);
export const IconLayout = (p: P) => (
  <Svg {...p}>
    <rect x="1.75" y="2.25" width="4" height="3.5" rx="0.75" />
    <rect x="1.75" y="10.25" width="4" height="3.5" rx="0.75" />
    <rect x="10.25" y="6.25" width="4" height="3.5" rx="0.75" />
    <path d="M5.75 4h2a1 1 0 0 1 1 1v6a1 1 0 0 1-1 1h-2M8.75 8h1.5" />
  </Svg>
);
export const IconTerminal = (p: P) => (
  <Svg {...p}>
    <rect x="1.75" y="2.75" width="12.5" height="10.5" rx="1.5" />
    <path d="m4.5 6 2 2-2 2M8.5 10.5h3" />
  </Svg>
);
export const IconChevronDown = (p: P) => (
  <Svg {...p}>
    <path d="m4 6 4 4 4-4" />
  </Svg>
);
export const IconChevronRight = (p: P) => (
  <Svg {...p}>
    <path d="m6 4 4 4-4 4" />
  </Svg>
);
export const IconSearch = (p: P) => (
  <Svg {...p}>
    <circle cx="7" cy="7" r="4.25" />
    <path d="m10.25 10.25 3.5 3.5" />
  </Svg>
);
export const IconPlus = (p: P) => (
  <Svg {...p}>
    <path d="M8 3v10M3 8h10" />
  </Svg>
);
export const IconX = (p: P) => (
  <Svg {...p}>
    <path d="m4 4 8 8M12 4l-8 8" />
  </Svg>
);
export const IconCheck = (p: P) => (
  <Svg {...p}>
    <path d="m3.25 8.5 3 3 6.5-7" />
  </Svg>
);
export const IconWarning = (p: P) => (
  <Svg {...p}>
    <path d="M7.13 2.5a1 1 0 0 1 1.74 0l5.4 9.5a1 1 0 0 1-.87 1.5H2.6a1 1 0 0 1-.87-1.5l5.4-9.5Z" />
    <path d="M8 6.25v3M8 11.25v.01" />
  </Svg>
);
export const IconError = (p: P) => (
  <Svg {...p}>
    <circle cx="8" cy="8" r="6.25" />
    <path d="m5.75 5.75 4.5 4.5M10.25 5.75l-4.5 4.5" />
  </Svg>
);
export const IconSkip = (p: P) => (
  <Svg {...p}>
    <circle cx="8" cy="8" r="6.25" />
    <path d="m3.6 12.4 8.8-8.8" />
  </Svg>
);
export const IconShield = (p: P) => (
  <Svg {...p}>
    <path d="M8 1.75 13.25 3.5v4.25c0 3.1-2.2 5.3-5.25 6.5-3.05-1.2-5.25-3.4-5.25-6.5V3.5L8 1.75Z" />
    <path d="m5.75 8 1.6 1.6 3-3.1" />
  </Svg>
);
export const IconInfo = (p: P) => (
  <Svg {...p}>
    <circle cx="8" cy="8" r="6.25" />
    <path d="M8 7.25v4M8 4.75v.01" />
  </Svg>
);
export const IconUndo = (p: P) => (
  <Svg {...p}>
    <path d="M5.5 3.5 2.75 6.25 5.5 9" />
    <path d="M2.75 6.25h6.5a4 4 0 0 1 0 8h-2" />
  </Svg>
);
export const IconRedo = (p: P) => (
  <Svg {...p}>
    <path d="m10.5 3.5 2.75 2.75L10.5 9" />
    <path d="M13.25 6.25h-6.5a4 4 0 0 0 0 8h2" />
  </Svg>
);
export const IconTable = (p: P) => (
  <Svg {...p}>
    <rect x="1.75" y="2.75" width="12.5" height="10.5" rx="1.25" />
    <path d="M1.75 6.25h12.5M1.75 9.75h12.5M6 6.25v7" />
  </Svg>
);
/** A plug: connections to databases. */
export const IconPlug = (p: P) => (
  <Svg {...p}>
    <path d="M5.75 1.75v3M10.25 1.75v3M3.75 4.75h8.5v2.5a4.25 4.25 0 0 1-8.5 0v-2.5ZM8 11.5v2.75" />
  </Svg>
);
export const IconChart = (p: P) => (
  <Svg {...p}>
    <path d="M2.5 13.5h11" />
    <rect x="3.5" y="8" width="2" height="4" rx="0.4" />
    <rect x="7" y="4" width="2" height="8" rx="0.4" />
    <rect x="10.5" y="6.5" width="2" height="5.5" rx="0.4" />
  </Svg>
);
export const IconCode = (p: P) => (
  <Svg {...p}>
    <path d="m5.5 4.5-3.5 3.5 3.5 3.5M10.5 4.5l3.5 3.5-3.5 3.5" />
  </Svg>
);
export const IconList = (p: P) => (
  <Svg {...p}>
    <path d="M5.5 4h8M5.5 8h8M5.5 12h8M2.5 4h.01M2.5 8h.01M2.5 12h.01" />
  </Svg>
);
export const IconHistory = (p: P) => (
  <Svg {...p}>
    <path d="M2.5 8a5.5 5.5 0 1 0 1.6-3.9M2.5 2.75v2.5H5M8 5v3l2 1.5" />
  </Svg>
);
export const IconTrash = (p: P) => (
  <Svg {...p}>
    <path d="M2.75 4.25h10.5M6.25 4.25v-1.5h3.5v1.5M4.25 4.25l.6 8.6a1 1 0 0 0 1 .9h4.3a1 1 0 0 0 1-.9l.6-8.6" />
  </Svg>
);
export const IconFolder = IconOpen;
export const IconGrip = (p: P) => (
  <Svg {...p}>
    <path d="M6 4h.01M10 4h.01M6 8h.01M10 8h.01M6 12h.01M10 12h.01" strokeWidth={2} />
  </Svg>
);
export const IconBook = (p: P) => (
  <Svg {...p}>
    <path d="M2.75 3.25c1.8-.9 3.6-.9 5.25.5 1.65-1.4 3.45-1.4 5.25-.5v9.5c-1.8-.9-3.6-.9-5.25.5-1.65-1.4-3.45-1.4-5.25-.5v-9.5Z" />
    <path d="M8 3.75v9.5" />
  </Svg>
);

// Category glyphs: the palette and node headers use these (kinds are data; categories are fixed).
export const CategoryIcon = ({ category, ...p }: P & { category: Category }) => {
  switch (category) {
    case 'source':
      return (
        <Svg {...p}>
          <ellipse cx="8" cy="3.75" rx="5" ry="1.75" />
          <path d="M3 3.75v8.5c0 .97 2.24 1.75 5 1.75s5-.78 5-1.75v-8.5M3 8c0 .97 2.24 1.75 5 1.75S13 8.97 13 8" />
        </Svg>
      );
    case 'transform':
      return (
        <Svg {...p}>
          <path d="M2 4.5h3.5c2.5 0 2.5 7 5 7H14M2 11.5h3.5c1.2 0 1.8-1.6 2.3-3.3M10.5 4.5H14M12 2.5l2 2-2 2M12 9.5l2 2-2 2" />
        </Svg>
      );
    case 'feature':
      return (
        <Svg {...p}>
          <path d="M8 1.75 9.3 6.7l4.95 1.3L9.3 9.3 8 14.25 6.7 9.3 1.75 8 6.7 6.7 8 1.75Z" />
        </Svg>
      );
    case 'check':
      return (
        <Svg {...p}>
          <path d="M8 1.75 13.25 3.5v4.25c0 3.1-2.2 5.3-5.25 6.5-3.05-1.2-5.25-3.4-5.25-6.5V3.5L8 1.75Z" />
          <path d="m5.75 8 1.6 1.6 3-3.1" />
        </Svg>
      );
    case 'sink':
      return (
        <Svg {...p}>
          <path d="M8 2v7.5M4.75 6.5 8 9.75l3.25-3.25M2.25 10.5v2.25a1 1 0 0 0 1 1h9.5a1 1 0 0 0 1-1V10.5" />
        </Svg>
      );
  }
};

export function Spinner({ size = 12 }: { size?: number }) {
  return (
    <svg className="spinner" width={size} height={size} viewBox="0 0 16 16" aria-hidden="true">
      <circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" strokeOpacity="0.25" strokeWidth="2" />
      <path d="M14 8a6 6 0 0 0-6-6" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
    </svg>
  );
}

export function Logo() {
  return (
    <svg width="20" height="20" viewBox="0 0 20 20" aria-hidden="true">
      <rect width="20" height="20" rx="5" fill="var(--accent)" />
      <path d="M4.5 7h5.5c1.6 0 1.6 6 3.2 6h2.3M4.5 13h3.2c.8 0 1.3-1 1.6-2.2M12.2 7h3.3" stroke="#fff" strokeWidth="1.6" fill="none" strokeLinecap="round" />
    </svg>
  );
}
