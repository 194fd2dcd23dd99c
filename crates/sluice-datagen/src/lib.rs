//! Deterministic generator of a realistic retail dataset, the raw input a Sluice
//! feature pipeline starts from.
//!
//! The same seed and arguments always produce byte-identical files: the generator
//! has its own PRNG ([`rng`]), portable `ln`/`exp` ([`detmath`]), integer money
//! arithmetic, hand-written number formatting, fixed gzip headers (mtime 0, no file
//! name), and never reads the clock or iterates a hash map. (The compressed bytes
//! also depend on the deflate implementation pinned in `Cargo.lock`; the
//! decompressed text depends on nothing else.) Rows are streamed to disk as they
//! are generated, so ten million orders need little memory.
//!
//! # Files
//!
//! * `customers.csv` — `customer_id,name,email,country,city,signup_at,birth_year,segment,marketing_opt_in`.
//!   Ids `1..=N` in sign-up order; sign-ups from 2019 to 2025-06-30 (about 62%
//!   before the order window). Countries skewed towards DE/FR/NL/ES/IT; `segment` is
//!   `consumer|small_business|enterprise`; `marketing_opt_in` is `true|false`.
//! * `products.csv` — `product_id,sku,name,category,subcategory,list_price,launched_at`.
//!   Ids in launch order; names may contain commas and double quotes (quoted per
//!   RFC 4180); `list_price` is the current EUR price with two decimals.
//! * `orders.csv.gz` — `order_id,customer_id,product_id,ordered_at,quantity,unit_price,discount,amount,currency,status,channel,coupon_code`,
//!   2024-01-01 to 2025-06-30 in time order. `unit_price` is in `currency` (fixed
//!   rates from EUR, see [`vocab::CURRENCIES`]; 2024 orders used prices 3% below
//!   the current list), `discount` is a fraction `0.00..0.50`, and
//!   `amount = quantity * unit_price * (1 - discount)` rounded half away from zero
//!   to cents. `status` is `completed|shipped|cancelled|returned|pending`,
//!   `channel` is `web|app|store`, `coupon_code` is mostly empty.
//! * `events.ndjson.gz` — one JSON object per line with keys `event_id,
//!   customer_id, session_id, event_type, product_id, ts, device, properties`
//!   (see [`events`]).
//!
//! # Realistic dirt (always present)
//!
//! * customers: ~3% empty `email`; ~0.35% of emails upper-cased, capitalised
//!   (`Anna.Schmidt@Gmail.com`) or padded with spaces (such fields are quoted);
//!   ~9% empty `birth_year`.
//! * orders: ~1.5% empty `amount`; ~1% empty `channel`; ~0.012% each of `amount`
//!   written `N/A`, `amount` with a decimal comma (`"12,50"`, quoted), and
//!   `ordered_at` written `2024/03/05 10:11:12`; ~0.3% exact duplicate rows that
//!   reappear 1–3000 rows later; a few orders in ten thousand placed before the
//!   customer's `signup_at` (accounts merged after a guest checkout).
//! * events: ~35% of sessions anonymous (`customer_id` null); `product_id` null
//!   for searches, checkouts, purchases and non-product pages.
//!
//! # Injected problems (`--problems`)
//!
//! The same base rows and dirt, plus, in `orders.csv.gz` only:
//!
//! * ~6.6% more empty `amount` (~8% in total);
//! * ~0.5% negative `quantity` (and hence negative `amount`);
//! * ~0.2% `amount` between 10,000,000.00 and 50,000,000.00, unrelated to the
//!   other fields;
//! * ~0.4% `status` = `lost` (not a valid status);
//! * ~1% `customer_id` greater than the number of customers (no such customer);
//! * ~2% extra rows reusing an existing `order_id` (from the last 5000 ids) for a
//!   different order, written right after the row that triggered them;
//! * from 2025-04-01 on, every `unit_price` (and so `amount`) multiplied by 1.4:
//!   a distribution shift over the last three months;
//! * no order placed through the app (about a third of all orders): an export that
//!   lost one of its sources, so the row count drops.
//!
//! `customers.csv`, `products.csv` and `events.ndjson.gz` are identical with and
//! without `--problems`.

pub mod calendar;
pub mod customers;
pub mod detmath;
pub mod events;
pub mod orders;
pub mod products;
pub mod rng;
pub mod sink;
pub mod text;
pub mod time;
pub mod vocab;

use std::fmt;
use std::io;
use std::path::PathBuf;

// Stream ids: one independent random stream per file or kind of dirt. Never
// renumber them: that would change every generated file.
const STREAM_CALENDAR: u64 = 1;
const STREAM_CUSTOMERS: u64 = 2;
const STREAM_PRODUCTS: u64 = 3;
const STREAM_ORDERS: u64 = 4;
const STREAM_ORDER_DIRT: u64 = 5;
const STREAM_PROBLEMS: u64 = 6;
const STREAM_EVENTS: u64 = 7;

pub const CUSTOMERS_FILE: &str = "customers.csv";
pub const PRODUCTS_FILE: &str = "products.csv";
pub const ORDERS_FILE: &str = "orders.csv.gz";
pub const EVENTS_FILE: &str = "events.ndjson.gz";

/// What to generate.
#[derive(Clone, Debug)]
pub struct Config {
    pub out: PathBuf,
    pub seed: u64,
    pub customers: usize,
    pub orders: u64,
    pub products: usize,
    pub events: u64,
    pub problems: bool,
}

impl Config {
    /// Default customer count for an order volume: enough customers that the
    /// order-per-customer distribution stays realistic as volume grows.
    pub fn default_customers(orders: u64) -> usize {
        5000.max((orders / 20) as usize)
    }
}

/// Row counts and dirt tallies of one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub customers: customers::CustomerStats,
    pub products: u64,
    pub orders: orders::OrderStats,
    pub events: events::EventStats,
}

/// Generates all four files into `config.out` (created if missing).
pub fn generate(config: &Config) -> io::Result<Summary> {
    if config.customers == 0 || config.products == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "need at least one customer and one product",
        ));
    }
    std::fs::create_dir_all(&config.out)?;
    let curve = calendar::DemandCurve::new(&mut rng::Rng::stream(config.seed, STREAM_CALENDAR));
    let (customer_table, customer_stats) = customers::write(
        &config.out.join(CUSTOMERS_FILE),
        config.seed,
        config.customers,
    )?;
    let product_table = products::write(
        &config.out.join(PRODUCTS_FILE),
        config.seed,
        config.products,
    )?;
    let order_stats = orders::write(
        &config.out.join(ORDERS_FILE),
        config.seed,
        config.orders,
        config.problems,
        &customer_table,
        &product_table,
        &curve,
    )?;
    let event_stats = events::write(
        &config.out.join(EVENTS_FILE),
        config.seed,
        config.events,
        &customer_table,
        &product_table,
        &curve,
    )?;
    Ok(Summary {
        customers: customer_stats,
        products: config.products as u64,
        orders: order_stats,
        events: event_stats,
    })
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.customers;
        let o = &self.orders;
        let p = &o.problems;
        let e = &self.events;
        writeln!(
            f,
            "{CUSTOMERS_FILE}: {} rows ({} empty email, {} messy email, {} empty birth_year)",
            c.rows, c.empty_email, c.messy_email, c.empty_birth_year
        )?;
        writeln!(f, "{PRODUCTS_FILE}: {} rows", self.products)?;
        writeln!(
            f,
            "{ORDERS_FILE}: {} rows = {} orders + {} exact duplicates + {} duplicate-id rows",
            o.rows, o.orders, o.exact_duplicates, p.duplicate_id_rows
        )?;
        writeln!(
            f,
            "  dirt: {} empty amount, {} amount N/A, {} amount with decimal comma, {} empty channel, {} slash-dated",
            o.null_amount, o.amount_na, o.amount_comma, o.null_channel, o.slash_dates
        )?;
        if *p != orders::ProblemStats::default() {
            writeln!(
                f,
                "  problems: {} negative quantity, {} amount out of range, {} status lost, {} unknown customer, {} price-shifted rows, {} app orders left out",
                p.negative_quantity, p.amount_out_of_range, p.status_lost, p.unknown_customer, p.shifted_price_rows, p.lost_app_rows
            )?;
        }
        writeln!(
            f,
            "{EVENTS_FILE}: {} rows in {} sessions ({} anonymous)",
            e.rows, e.sessions, e.anonymous_rows
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::split_csv;
    use std::collections::{BTreeMap, BTreeSet};
    use std::io::Read;
    use std::path::Path;

    fn config(out: &Path, seed: u64, problems: bool) -> Config {
        Config {
            out: out.to_path_buf(),
            seed,
            customers: 300,
            orders: 4000,
            products: 40,
            events: 3000,
            problems,
        }
    }

    const FILES: [&str; 4] = [CUSTOMERS_FILE, PRODUCTS_FILE, ORDERS_FILE, EVENTS_FILE];

    fn read_text(path: &Path) -> String {
        let bytes = std::fs::read(path).unwrap();
        if path.extension().is_some_and(|e| e == "gz") {
            let mut s = String::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_string(&mut s)
                .unwrap();
            s
        } else {
            String::from_utf8(bytes).unwrap()
        }
    }

    fn rows(path: &Path) -> Vec<Vec<String>> {
        read_text(path).lines().skip(1).map(split_csv).collect()
    }

    #[test]
    fn same_seed_gives_identical_bytes() {
        for problems in [false, true] {
            let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
            let sa = generate(&config(a.path(), 42, problems)).unwrap();
            let sb = generate(&config(b.path(), 42, problems)).unwrap();
            assert_eq!(sa, sb);
            for f in FILES {
                let (x, y) = (
                    std::fs::read(a.path().join(f)).unwrap(),
                    std::fs::read(b.path().join(f)).unwrap(),
                );
                assert!(
                    x == y,
                    "{f} differs between identical runs (problems={problems})"
                );
            }
        }
    }

    #[test]
    fn different_seed_differs() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        generate(&config(a.path(), 1, false)).unwrap();
        generate(&config(b.path(), 2, false)).unwrap();
        for f in FILES {
            assert_ne!(
                std::fs::read(a.path().join(f)).unwrap(),
                std::fs::read(b.path().join(f)).unwrap(),
                "{f}"
            );
        }
    }

    #[test]
    fn gz_files_decompress_with_headers() {
        let dir = tempfile::tempdir().unwrap();
        generate(&config(dir.path(), 42, false)).unwrap();
        for f in [ORDERS_FILE, EVENTS_FILE] {
            let raw = std::fs::read(dir.path().join(f)).unwrap();
            // Reproducible header: magic, deflate, no flags, mtime 0, OS unknown.
            assert_eq!(&raw[..8], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0], "{f}");
            assert_eq!(raw[9], 255);
        }
        let orders = read_text(&dir.path().join(ORDERS_FILE));
        assert_eq!(orders.lines().next().unwrap(), orders::HEADER.trim_end());
        let events = read_text(&dir.path().join(EVENTS_FILE));
        let first = events.lines().next().unwrap();
        assert!(
            first.starts_with("{\"event_id\":1,\"customer_id\":"),
            "{first}"
        );
        for line in events.lines() {
            assert!(
                line.starts_with("{\"event_id\":") && line.ends_with("}}"),
                "{line}"
            );
            assert!(line.contains("\"properties\":{"), "{line}");
        }
        assert_eq!(
            read_text(&dir.path().join(CUSTOMERS_FILE))
                .lines()
                .next()
                .unwrap(),
            customers::HEADER.trim_end()
        );
        assert_eq!(
            read_text(&dir.path().join(PRODUCTS_FILE))
                .lines()
                .next()
                .unwrap(),
            products::HEADER.trim_end()
        );
    }

    #[test]
    fn clean_dataset_counts_and_integrity() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(dir.path(), 7, false);
        let s = generate(&cfg).unwrap();

        let customers = rows(&dir.path().join(CUSTOMERS_FILE));
        assert_eq!(customers.len(), cfg.customers);
        assert!(customers.iter().all(|r| r.len() == 9));
        let ids: BTreeSet<u64> = customers.iter().map(|r| r[0].parse().unwrap()).collect();
        assert_eq!(ids, (1..=cfg.customers as u64).collect());

        let products = rows(&dir.path().join(PRODUCTS_FILE));
        assert_eq!(products.len(), cfg.products);
        assert!(products.iter().all(|r| r.len() == 7));

        let orders = rows(&dir.path().join(ORDERS_FILE));
        assert_eq!(orders.len() as u64, s.orders.rows);
        assert_eq!(s.orders.rows, cfg.orders + s.orders.exact_duplicates);
        assert_eq!(s.orders.orders, cfg.orders);
        let mut by_id: BTreeMap<&str, &Vec<String>> = BTreeMap::new();
        for r in &orders {
            assert_eq!(r.len(), 12, "{r:?}");
            let c: u64 = r[1].parse().unwrap();
            assert!(ids.contains(&c), "unknown customer {c}");
            let p: usize = r[2].parse().unwrap();
            assert!((1..=cfg.products).contains(&p));
            assert!(["completed", "shipped", "cancelled", "returned", "pending"]
                .contains(&r[9].as_str()));
            assert!(["web", "app", "store", ""].contains(&r[10].as_str()));
            // A repeated id is always an exact duplicate in the clean dataset.
            if let Some(prev) = by_id.insert(&r[0], r) {
                assert_eq!(prev, r);
            }
            // Well-formed amounts match the formula.
            if let (Ok(q), Some(unit), Some(disc), Some(amount)) = (
                r[4].parse::<i64>(),
                cents(&r[5]),
                cents(&r[6]),
                cents(&r[7]),
            ) {
                assert_eq!(amount, orders::amount_cents(q, unit, disc), "{r:?}");
            }
        }
        assert_eq!(by_id.len() as u64, cfg.orders);

        let events = read_text(&dir.path().join(EVENTS_FILE));
        assert_eq!(events.lines().count() as u64, cfg.events);
        assert_eq!(s.events.rows, cfg.events);
    }

    /// Parses `12.34` into cents; `None` for nulls and malformed values.
    fn cents(s: &str) -> Option<i64> {
        let (a, b) = s.split_once('.')?;
        if b.len() != 2 {
            return None;
        }
        let neg = a.starts_with('-');
        let v = a.trim_start_matches('-').parse::<i64>().ok()? * 100 + b.parse::<i64>().ok()?;
        Some(if neg { -v } else { v })
    }

    #[test]
    fn problems_are_injected_and_the_rest_is_unchanged() {
        let (clean, bad) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let cfg = Config {
            orders: 20_000,
            ..config(bad.path(), 42, true)
        };
        generate(&Config {
            out: clean.path().to_path_buf(),
            problems: false,
            ..cfg.clone()
        })
        .unwrap();
        let s = generate(&cfg).unwrap();
        for f in [CUSTOMERS_FILE, PRODUCTS_FILE, EVENTS_FILE] {
            assert_eq!(
                std::fs::read(clean.path().join(f)).unwrap(),
                std::fs::read(bad.path().join(f)).unwrap(),
                "{f}"
            );
        }
        let orders = rows(&bad.path().join(ORDERS_FILE));
        let n = orders.len() as f64;
        let null_share = orders.iter().filter(|r| r[7].is_empty()).count() as f64 / n;
        assert!(
            (0.065..0.095).contains(&null_share),
            "null share {null_share}"
        );
        assert!(orders.iter().any(|r| r[9] == "lost"));
        assert!(orders.iter().any(|r| r[4].starts_with('-')));
        assert!(orders
            .iter()
            .any(|r| cents(&r[7]).is_some_and(|c| c >= 1_000_000_000)));
        assert!(orders
            .iter()
            .any(|r| r[1].parse::<usize>().unwrap() > cfg.customers));
        assert!(s.orders.problems.duplicate_id_rows > 0);
        // The app's orders are missing: a row-count drop of about a third.
        assert!(orders.iter().all(|r| r[10] != "app"));
        assert!(s.orders.problems.lost_app_rows as f64 > 0.25 * s.orders.orders as f64);
        let mut seen: BTreeMap<&str, &Vec<String>> = BTreeMap::new();
        let conflicting = orders
            .iter()
            .filter(|r| seen.insert(&r[0], r).is_some_and(|p| p != *r))
            .count();
        assert!(conflicting as u64 >= s.orders.problems.duplicate_id_rows / 2);

        // The last three months carry prices x1.4 relative to the clean file.
        let clean_rows = rows(&clean.path().join(ORDERS_FILE));
        let clean_by_id: BTreeMap<&str, &Vec<String>> =
            clean_rows.iter().map(|r| (r[0].as_str(), r)).collect();
        let mut shifted = 0;
        for r in orders.iter().filter(|r| r[3].as_str() >= "2025-04-01") {
            let c = clean_by_id[r[0].as_str()];
            if c[3] == r[3] && c[2] == r[2] {
                let (before, after) = (cents(&c[5]).unwrap(), cents(&r[5]).unwrap());
                assert_eq!(after, (before * 14 + 5) / 10, "{r:?} vs {c:?}");
                shifted += 1;
            }
        }
        assert!(shifted > 1000, "{shifted}");
    }
}
