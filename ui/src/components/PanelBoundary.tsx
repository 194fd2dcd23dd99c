// A panel that fails to render shows its error in place, with a way to go on, while the rest of
// the window keeps working: one bad value in a run result or a node's params never blanks the app.

import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** The panel, as people call it ("Inspector", "Canvas"). */
  name: string;
  children: ReactNode;
}

interface State {
  error: Error | null;
}

export class PanelBoundary extends Component<Props, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  componentDidCatch(error: unknown, info: ErrorInfo) {
    // Kept in the console for a bug report: the message alone rarely says where.
    console.error(`${this.props.name} failed to render`, error, info.componentStack);
  }

  render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    const slug = this.props.name.toLowerCase().replace(/\s+/g, '-');
    return (
      <div className="panel-error" role="alert" data-testid={`panel-error-${slug}`}>
        <strong>The {this.props.name} stopped working.</strong>
        <p className="mono">{error.message || String(error)}</p>
        <p>Your pipeline is safe: the rest of the window still works, and saving is unaffected.</p>
        <button type="button" className="btn" data-testid={`panel-retry-${slug}`} onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </div>
    );
  }
}
