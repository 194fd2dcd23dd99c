import { describe, expect, it } from 'vitest';
import { kindMap } from '../model/catalog';
import { applyConnection, connectionProblem, isValidConnection, NEW_PORT } from '../model/connect';
import { fixtureCatalog } from './mockBackend';
import { sampleSpec, smallSpec } from './helpers';
import type { Spec } from '../model/types';

const kinds = kindMap(fixtureCatalog);
const c = (source: string, target: string, targetHandle: string) => ({ source, target, sourceHandle: 'out', targetHandle });

describe('connection rules', () => {
  it('refuses cycles, including self-loops', () => {
    expect(isValidConnection(sampleSpec, kinds, c('features', 'parsed_orders', 'input'))).toBe(false);
    expect(connectionProblem(sampleSpec, kinds, c('features', 'parsed_orders', 'input'))).toMatch(/cycle/);
    expect(isValidConnection(sampleSpec, kinds, c('clean_orders', 'clean_orders', 'input'))).toBe(false);
  });

  it('requires a port that exists on a fixed-port kind', () => {
    expect(isValidConnection(sampleSpec, kinds, c('customers', 'orders_with_category', 'left'))).toBe(true);
    expect(isValidConnection(sampleSpec, kinds, c('customers', 'orders_with_category', 'middle'))).toBe(false);
    expect(isValidConnection(sampleSpec, kinds, c('customers', 'orders', 'input'))).toBe(false); // a source has no inputs
  });

  it('a sink has no output', () => {
    const spec = smallSpec();
    spec.nodes.push({ id: 'f2', kind: 'filter', params: {} });
    expect(connectionProblem(spec, kinds, c('out', 'f2', 'input'))).toMatch(/no output/);
  });

  it('replaces the edge on a fixed port that is already connected', () => {
    const r = applyConnection(smallSpec(), kinds, c('other', 'keep', 'input'))!;
    expect(r.port).toBe('input');
    expect(r.spec.nodes.find((n) => n.id === 'keep')!.inputs).toEqual({ input: 'other' });
  });

  it('the + handle of a named-port kind makes a port named after the upstream node, made unique', () => {
    let spec: Spec = { ...smallSpec(), nodes: [...smallSpec().nodes, { id: 'u', kind: 'union', params: {} }] };
    let r = applyConnection(spec, kinds, c('src', 'u', NEW_PORT))!;
    expect(r.port).toBe('src');
    spec = r.spec;
    r = applyConnection(spec, kinds, c('src', 'u', NEW_PORT))!;
    expect(r.port).toBe('src_2');
    spec = r.spec;
    r = applyConnection(spec, kinds, c('other', 'u', NEW_PORT))!;
    expect(r.spec.nodes.find((n) => n.id === 'u')!.inputs).toEqual({ src: 'src', src_2: 'src', other: 'other' });
    // An existing named port can be re-pointed; an unknown one cannot be targeted directly.
    expect(isValidConnection(r.spec, kinds, c('keep', 'u', 'other'))).toBe(true);
    expect(isValidConnection(r.spec, kinds, c('keep', 'u', 'nope'))).toBe(false);
  });

  it('refuses unknown nodes and non-output handles', () => {
    expect(isValidConnection(sampleSpec, kinds, c('ghost', 'features', 'input'))).toBe(false);
    expect(isValidConnection(sampleSpec, kinds, { source: 'orders', target: 'features', sourceHandle: 'input', targetHandle: 'input' })).toBe(false);
  });
});
