// The data that crosses the command boundary, as the Rust side serialises it
// (crates/sluice-api, crates/sluice-core, crates/sluice-engine).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

// ---------- catalog ----------

export type Category = 'source' | 'transform' | 'feature' | 'check' | 'sink';
export const CATEGORY_ORDER: Category[] = ['source', 'transform', 'feature', 'check', 'sink'];

export interface Port {
  name: string;
  doc: string;
  /** The node works without this input. */
  optional?: boolean;
}

export type Inputs = { type: 'fixed'; ports: Port[] } | { type: 'named'; min: number; doc: string };

/** A JSON Schema (2020-12) as schemars writes it; `true` accepts anything. */
export type JsonSchema = boolean | SchemaObject;
export interface SchemaObject {
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  type?: string | string[];
  title?: string;
  description?: string;
  default?: Json;
  enum?: Json[];
  const?: Json;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema;
  items?: JsonSchema;
  format?: string;
  minimum?: number;
  maximum?: number;
  'x-sluice-widget'?: string;
  'x-sluice-port'?: string;
  /** A connection param: the driver its connections must have (`postgres`, `mysql`). */
  'x-sluice-driver'?: string;
  [key: string]: unknown;
}

export interface KindInfo {
  id: string;
  title: string;
  category: Category;
  inputs: Inputs;
  output: boolean;
  docs: string;
  params_schema: JsonSchema;
  example?: Json;
  /** Fits state on training rows (stored in the spec's state file, re-applied in serving). */
  stateful?: boolean;
}

export interface Catalog {
  version: number;
  kinds: KindInfo[];
}

// ---------- spec ----------

export type ParamType = 'string' | 'integer' | 'number' | 'boolean' | 'identifier' | 'sql';

export interface ParamDecl {
  type: ParamType;
  default?: Json;
  description?: string;
}

export interface NodeSpec {
  id: string;
  kind: string;
  description?: string;
  inputs?: Record<string, string>;
  params: JsonObject;
}

export interface Position {
  x: number;
  y: number;
}

export interface Spec {
  version: number;
  name: string;
  description?: string;
  params?: Record<string, ParamDecl>;
  /** Where runs write the fitted state of stateful feature steps. */
  state?: string;
  nodes: NodeSpec[];
  layout?: Record<string, Position>;
}

// ---------- check ----------

export interface Diagnostic {
  severity: 'error' | 'warning';
  code: string;
  fault: 'spec' | 'data';
  node?: string;
  path?: string;
  message: string;
  help?: string;
}

export interface Column {
  name: string;
  type: string;
}

export interface CheckResponse {
  valid: boolean;
  diagnostics: Diagnostic[];
  schemas: Record<string, Column[] | null>;
  /** What the spec writes outside its folder; a run needs the user's consent to each. */
  outside_writes?: OutsideWrite[];
}

/** An output (a sink's, or the state file when `node` is null) outside the spec's folder. */
export interface OutsideWrite {
  node: string | null;
  path: string;
  allowed: boolean;
}

// ---------- run ----------

/** The outcome of one data-quality check node. A check passes its input through unchanged;
 * `status` is 'warn' when it failed with severity warn, 'fail' when it failed with severity error. */
export interface CheckResult {
  node: string;
  kind: string;
  /** Human description, e.g. "amount between 0 and 10000 (mostly 0.99)". */
  check: string;
  severity: 'error' | 'warn';
  status: 'pass' | 'fail' | 'warn';
  /** Observed value, e.g. a success fraction or a row count. */
  observed: number | string | null;
  /** e.g. ">= 0.99" */
  threshold: string;
  /** Rows checked. */
  element_count: number;
  unexpected_count: number | null;
  /** 0..100 */
  unexpected_percent: number | null;
  message: string;
  /** Up to N failing rows. */
  samples: { columns: Column[]; rows: unknown[][] } | null;
  /** Per-column detail; only `check_drift` sets it today (then `observed` is the share of
   * drifted columns, `threshold` reads like "drifted share < 0.5" and `samples` is null). */
  details?: DriftDetail[] | null;
}

/** One compared column of a drift check: current vs reference distribution. */
export interface DriftDetail {
  column: string;
  /** 'num' | 'cat'; other strings from newer engines. */
  column_type: 'num' | 'cat' | (string & {});
  /** ks, wasserstein, chisquare, z, psi, jensenshannon */
  method: string;
  /** null when the test could not run (see `error`). */
  score: number | null;
  score_type: 'p_value' | 'distance';
  threshold: number;
  drifted: boolean;
  reference_rows: number;
  current_rows: number;
  error?: string;
  /** Both sides on shared bins, for charts; absent when a side had no values (see `error`). */
  distribution?: DriftDistribution | null;
}

/** A drift column's baseline and current distributions on the same bins. Numeric columns: up to
 * 12 equal-width bins, the first ("< x") and last ("≥ y") open-ended; categorical: the categories
 * most present on either side, the rest as "(other)". Shares are proportions (each side sums to 1). */
export interface DriftDistribution {
  labels: string[];
  reference: number[];
  current: number[];
}

export type RunEvent =
  | { event: 'run_started'; pipeline: string; nodes: string[] }
  | { event: 'node_started'; node: string; kind: string }
  // cached: the result was reused from the result cache (an earlier run or preview), not computed.
  | { event: 'node_finished'; node: string; rows: number; ms: number; cached?: boolean }
  | { event: 'node_failed'; node: string; code: string; error: string }
  | { event: 'output_written'; node: string; path: string; rows: number }
  // Comes right before the check node's node_finished.
  | ({ event: 'check_finished' } & CheckResult)
  // Downstream of a failed error-severity check: not run.
  | { event: 'node_skipped'; node: string; reason: string }
  // Runs started from the app: right after the node_finished of every node with an output,
  // the distributions of its output columns (over all its rows).
  | { event: 'node_histograms'; node: string; histograms: Histogram[] }
  // An incremental source's new mark: the next run reads the rows above it.
  | { event: 'source_mark'; node: string; column: string; value: string }
  | { event: 'source_deletes'; node: string; deleted: number }
  // The fitted state file written by a run that fitted every stateful node.
  | { event: 'state_written'; path: string; nodes: number }
  // Something the run went on without (a cache it could not write, a CSV with no rows, ...).
  | { event: 'warning'; node: string | null; code: string; message: string }
  | { event: 'run_finished'; status: 'success' | 'failed' | 'cancelled'; ms: number };

export interface RunSummary {
  status: 'success' | 'failed' | 'cancelled';
  nodes: Record<string, { rows: number; ms: number }>;
  outputs: string[];
  ms: number;
  /** Absent from engines that predate checks. */
  checks?: CheckResult[];
}

// ---------- run history ----------

/** One recorded run, as `runs` lists them (latest first). Runs from the CLI (`sluice run`) and
 * from the app share the history of a saved spec. */
export interface RunListing {
  run_id: string;
  pipeline: string;
  /** Local time, 'YYYY-MM-DD HH:MM:SS'. */
  started_at: string;
  ms: number;
  status: 'success' | 'failed' | 'cancelled' | (string & {});
  source: 'cli' | 'app' | (string & {});
  failed_checks: number;
}

/** An input file of a recorded run, as it was when the run read it. */
export interface RunInput {
  node: string;
  path: string;
  bytes: number;
  modified: string;
}

export interface RunNodeRecord {
  node: string;
  status: 'done' | 'failed' | 'skipped' | (string & {});
  rows: number | null;
  ms: number | null;
}

/** One recorded run in full (`run_detail`). */
export interface RunDetail {
  run_id: string;
  pipeline: string;
  spec_path: string;
  spec_hash: string;
  params: JsonObject;
  inputs: RunInput[];
  started_at: string;
  finished_at: string;
  status: RunListing['status'];
  source: RunListing['source'];
  error: string | null;
  nodes: RunNodeRecord[];
  checks: CheckResult[];
}

// ---------- preview ----------

export interface Bin {
  label: string;
  lo: number | null;
  hi: number | null;
  count: number;
}

export interface Histogram {
  column: string;
  type: string;
  shape: 'numeric' | 'temporal' | 'categorical';
  bins: Bin[];
  nulls: number;
}

export interface Table {
  columns: Column[];
  rows: Json[][];
  total_rows: number;
  histograms: Histogram[];
}

// ---------- profile ----------

/** One output column's statistics, computed in one scan by the `profile` command. */
export interface ColumnProfile {
  name: string;
  type: string;
  shape: 'numeric' | 'temporal' | 'categorical';
  /** Non-null values. */
  count: number;
  nulls: number;
  /** 0..100 */
  null_percent: number;
  distinct: number;
  /** The distinct count is an estimate. */
  distinct_approx: boolean;
  min: number | string | boolean | null;
  max: number | string | boolean | null;
  mean: number | null;
  /** Sample standard deviation (ddof 1). */
  std: number | null;
  /** [level, value] at 0.01 0.05 0.25 0.5 0.75 0.95 0.99; numeric columns only (else empty). */
  quantiles: [number, number][];
  /** The quantiles are those of a seeded 100,000-row sample (nodes over a million rows). */
  quantiles_approx?: boolean;
  /** Numeric columns only. */
  zeros: number | null;
  negatives: number | null;
  histogram: Histogram;
}

export interface Profile {
  node: string;
  /** The node's row count. */
  rows: number;
  /** Rows the statistics are over when a sample was asked for and taken; null: all rows. */
  sampled_rows: number | null;
  columns: ColumnProfile[];
}

// ---------- files ----------

/** What exporting a dbt project wrote (`sluice export dbt`). */
export interface ExportSummary {
  out: string;
  name: string;
  dialect: 'duckdb' | 'spark' | 'snowflake';
  models: number;
  tests: number;
  applies_state: boolean;
  /** Checks left out, each naming its node and why. */
  left_out: Diagnostic[];
}

export interface Opened {
  path: string;
  spec: Spec;
  diagnostics: Diagnostic[];
}

export interface Recovery {
  spec: Spec;
  path: string | null;
  /** Seconds since the Unix epoch. */
  saved_at: number;
}

// ---------- connections ----------

/** What a connection reaches: a database, an object store or an HTTP service. */
export type Driver = 'postgres' | 'mysql' | 'sqlite' | 'spreadsheet' | 's3' | 'gcs' | 'azure' | 'http';

/** A named connection of the user's (crates/sluice-connect `ConnectionInfo`): never its password. */
export interface ConnectionInfo {
  name: string;
  driver: Driver;
  /** The URL without its password. */
  url: string;
  host: string;
  port: number | null;
  database: string;
  user: string;
  /** Defined in the connections file, or by `SLUICE_CONN_<NAME>_URL`. */
  origin: 'file' | 'env';
  /** Where its password comes from. */
  password: 'none' | 'env' | 'file' | 'keyring' | 'url';
}

/** The `connections` command's answer. */
export interface ConnectionList {
  /** The connections file. */
  file: string;
  /** Whether the OS keyring can hold passwords. */
  keyring: boolean;
  connections: ConnectionInfo[];
}

/** What `connection_save` takes. */
export interface ConnectionSave {
  name: string;
  url: string;
  /** A new password (empty: none); absent: keep the one kept now. */
  password?: string;
  /** Keep the password in the OS keyring rather than in the connections file. */
  keyring: boolean;
}

/** A connection that answered `connection_test`. */
export interface ConnectionTested {
  version: string;
  ms: number;
}

/** A table or view a connection can read. */
export interface RemoteTable {
  /** The schema (PostgreSQL) or database (MySQL); null for SQLite. */
  schema: string | null;
  name: string;
  kind: 'table' | 'view' | string;
}

/** A column of a remote table, with the DuckDB type it is read as. */
export interface RemoteColumn {
  name: string;
  type: string;
  /** The type as the database names it. */
  source_type: string;
}

/** An error as the command layer returns it. */
export interface ApiErrorBody {
  code: string;
  message: string;
  node?: string;
  diagnostics?: Diagnostic[];
}
