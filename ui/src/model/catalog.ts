// Lookups over the catalog. Nothing here knows any particular kind.

import type { Catalog, KindInfo, NodeSpec } from './types';
import { defaultsOf } from './schema';

export type KindMap = Map<string, KindInfo>;

export function kindMap(catalog: Catalog | null): KindMap {
  return new Map((catalog?.kinds ?? []).map((k) => [k.id, k]));
}

/** The input ports a node shows: fixed ports of its kind, or the named ports it has. */
export function nodePorts(kind: KindInfo | undefined, node: NodeSpec): string[] {
  if (!kind) return Object.keys(node.inputs ?? {});
  if (kind.inputs.type === 'fixed') return kind.inputs.ports.map((p) => p.name);
  return Object.keys(node.inputs ?? {}).sort();
}

/** The port whose schema feeds a column picker: `x-sluice-port`, else `input`, else the first. */
export function pickerPort(kind: KindInfo | undefined, node: NodeSpec, hint?: string): string | null {
  if (hint) return hint;
  const ports = nodePorts(kind, node);
  if (ports.includes('input')) return 'input';
  return ports[0] ?? null;
}

/** The params a new node starts with: the schema's defaults. */
export function initialParams(kind: KindInfo): Record<string, import('./types').Json> {
  return defaultsOf(kind.params_schema);
}

/** Other words analysts search the palette by, per kind id: the names the same operation goes by
 * in pandas, scikit-learn, SQL and spreadsheets. Kinds the catalog declares `keywords` for add
 * those too. */
export const KIND_KEYWORDS: Readonly<Record<string, readonly string[]>> = {
  read_csv: ['load', 'import', 'input', 'file', 'tsv'],
  read_parquet: ['load', 'import', 'input', 'file'],
  read_json: ['load', 'import', 'input', 'file', 'ndjson', 'jsonl'],
  read_postgres: ['load', 'import', 'input', 'database', 'db', 'postgresql', 'pg', 'table', 'warehouse'],
  read_mysql: ['load', 'import', 'input', 'database', 'db', 'mariadb', 'table'],
  read_sqlite: ['load', 'import', 'input', 'database', 'db', 'file', 'table'],
  read_excel: ['load', 'import', 'input', 'file', 'excel', 'spreadsheet', 'workbook', 'sheet', 'xlsx', 'xls', 'ods'],
  read_http: ['load', 'import', 'input', 'api', 'rest', 'web', 'url', 'endpoint', 'fetch', 'json'],
  select: ['project', 'rename', 'drop columns', 'keep columns', 'reorder'],
  filter: ['where', 'query', 'subset', 'remove rows', 'keep rows'],
  derive: ['compute', 'calculate', 'formula', 'new column', 'assign', 'mutate', 'with column'],
  cast: ['convert', 'type', 'astype', 'parse'],
  fill_nulls: ['fill', 'fillna', 'impute', 'missing', 'coalesce', 'replace nulls', 'na'],
  deduplicate: ['dedupe', 'dedup', 'distinct', 'unique', 'drop duplicates', 'duplicates'],
  sort: ['order by', 'sort values', 'arrange'],
  limit: ['head', 'top', 'first rows', 'take'],
  sample: ['random', 'subsample', 'downsample'],
  join: ['merge', 'lookup', 'vlookup', 'left join', 'inner join'],
  union: ['append', 'concat', 'concatenate', 'stack', 'union all', 'combine'],
  aggregate: ['group by', 'groupby', 'summarise', 'summarize', 'pivot', 'sum', 'count', 'mean'],
  window: ['row number', 'rank', 'partition', 'running total', 'cumulative', 'over'],
  split: ['train test split', 'holdout', 'validation', 'partition'],
  scale: ['normalize', 'normalise', 'standardize', 'standardise', 'standard scaler', 'min max', 'z-score'],
  one_hot: ['one hot', 'onehot', 'dummy', 'dummies', 'get dummies', 'indicator', 'categorical'],
  ordinal_encode: ['label encode', 'label encoder', 'ordinal', 'categorical', 'factorize'],
  frequency_encode: ['count encode', 'categorical'],
  target_encode: ['mean encode', 'likelihood encode', 'categorical'],
  hash_encode: ['hashing trick', 'feature hashing', 'categorical'],
  bin: ['bucket', 'bucketize', 'discretize', 'discretise', 'quantile', 'cut', 'qcut', 'histogram'],
  impute: ['fill', 'fillna', 'missing', 'simple imputer', 'nulls', 'na'],
  transform: ['log', 'sqrt', 'power', 'box cox', 'yeo johnson', 'function'],
  winsorize: ['clip', 'cap', 'outliers', 'trim', 'clamp'],
  interact: ['interaction', 'product', 'ratio', 'polynomial', 'cross'],
  text_features: ['nlp', 'string', 'length', 'word count'],
  rolling: ['moving average', 'rolling mean', 'rolling window', 'time window', 'sliding window', 'trailing'],
  lag: ['shift', 'lead', 'previous', 'prior', 'time since', 'diff'],
  datetime_features: ['date parts', 'day of week', 'month', 'year', 'hour', 'weekday', 'timestamp'],
  point_in_time_join: ['as of join', 'asof', 'merge asof', 'time travel', 'feature store'],
  sql: ['query', 'select', 'custom'],
  check_not_null: ['test', 'assert', 'validate', 'expectation', 'missing', 'required'],
  check_unique: ['test', 'assert', 'validate', 'expectation', 'duplicates', 'primary key'],
  check_accepted_values: ['test', 'assert', 'validate', 'expectation', 'enum', 'allowed values', 'in set'],
  check_between: ['test', 'assert', 'validate', 'expectation', 'range', 'min max', 'bounds'],
  check_regex: ['test', 'assert', 'validate', 'expectation', 'pattern', 'format', 'match'],
  check_null_fraction: ['test', 'assert', 'validate', 'expectation', 'missing', 'completeness'],
  check_row_count: ['test', 'assert', 'validate', 'expectation', 'volume', 'size'],
  check_row_count_change: ['test', 'assert', 'validate', 'expectation', 'volume', 'anomaly'],
  check_sql: ['test', 'assert', 'validate', 'expectation', 'custom', 'query'],
  check_duplicate_fraction: ['test', 'assert', 'validate', 'expectation', 'duplicates', 'dedupe'],
  check_freshness: ['test', 'assert', 'validate', 'expectation', 'stale', 'recency', 'latency'],
  check_relationships: ['test', 'assert', 'validate', 'expectation', 'foreign key', 'referential integrity'],
  check_schema: ['test', 'assert', 'validate', 'expectation', 'columns', 'types', 'contract'],
  check_drift: ['test', 'assert', 'validate', 'distribution shift', 'data drift', 'psi', 'ks test', 'monitoring'],
  write_parquet: ['save', 'export', 'output', 'file'],
  write_csv: ['save', 'export', 'output', 'file'],
  write_duckdb: ['save', 'export', 'output', 'database', 'table'],
};

/** Lower case, with `_`, `-` and runs of spaces read as one space: "one_hot" is "one hot". */
function norm(s: string): string {
  return s.toLowerCase().replace(/[\s_-]+/g, ' ').trim();
}

/** The search words of a kind: its own and the table's. */
export function kindKeywords(kind: KindInfo): string[] {
  const declared = (kind as KindInfo & { keywords?: unknown }).keywords;
  return [...(Array.isArray(declared) ? declared.filter((k): k is string => typeof k === 'string') : []), ...(KIND_KEYWORDS[kind.id] ?? [])];
}

/** Does a kind match a palette search? The query as a phrase anywhere in the kind's id, title,
 * docs, category or keywords; or every word of it in the id, title or keywords ("encode hash"). */
export function kindMatches(kind: KindInfo, query: string): boolean {
  const q = norm(query);
  if (!q) return true;
  const names = [kind.id, kind.title, ...kindKeywords(kind)].map(norm);
  if ([...names, norm(kind.docs), kind.category].some((s) => s.includes(q))) return true;
  const words = q.split(' ');
  return words.length > 1 && words.every((w) => names.some((s) => s.includes(w)));
}
