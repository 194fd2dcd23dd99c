// The app's panels each have a boundary: an inspector that cannot render leaves the canvas, the
// palette and the data panel working.
import { describe, expect, it, vi } from 'vitest';
import { screen } from '@testing-library/react';
import { mountApp } from './mount';

vi.mock('../components/Inspector', () => ({
  Inspector: () => {
    throw new Error('inspector exploded');
  },
}));

describe('the app with a failing panel', () => {
  it('shows the error where the inspector was and keeps everything else', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    await mountApp();
    expect(screen.getByTestId('panel-error-inspector')).toHaveTextContent('inspector exploded');
    expect(screen.getByTestId('node-keep')).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Data panel' })).toBeInTheDocument();
    expect(screen.getByText('Run all')).toBeInTheDocument();
  });
});
