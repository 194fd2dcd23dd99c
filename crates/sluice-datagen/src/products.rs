//! `products.csv`: the catalogue, plus the in-memory table orders and events draw
//! products from.
//!
//! Product ids follow launch order, so "products on sale at time t" is a prefix of
//! the table. Popularity is log-normal (a few best sellers, a long tail). List
//! prices are charm prices (x.99, x.49, x.95, x.00) drawn log-uniformly within
//! each product type's range, skewed towards the cheap end.

use std::io::{self, Write};
use std::path::Path;

use crate::rng::{Cumulative, Rng};
use crate::sink;
use crate::text::{push_cents, push_csv, push_u64};
use crate::time::{days_from_civil, midnight, push_date, SECS_PER_DAY};
use crate::vocab::{self, CATEGORIES};
use crate::{detmath, STREAM_PRODUCTS};

pub const HEADER: &str = "product_id,sku,name,category,subcategory,list_price,launched_at\n";

/// Orders before this date were placed at the old price list: 2024 prices were 3%
/// lower than the current `list_price` (a price increase a pipeline may notice).
pub const PRICE_CHANGE: i64 = midnight(2025, 1, 1);

/// What the other generators need to know about products; index `i` is
/// product id `i + 1`.
pub struct Products {
    /// Launch times (midnight of `launched_at`), ascending.
    pub launch: Vec<i64>,
    /// Current list price in EUR cents.
    pub price_cents: Vec<i64>,
    pub category: Vec<u8>,
    pub subcategory: Vec<u8>,
    pub noun: Vec<u8>,
    popularity: Cumulative,
}

impl Products {
    pub fn count(&self) -> usize {
        self.launch.len()
    }

    /// A product already launched at `ts`, drawn by popularity.
    pub fn pick(&self, rng: &mut Rng, ts: i64) -> usize {
        let k = self.launch.partition_point(|&l| l <= ts);
        self.popularity
            .sample_prefix(rng, if k == 0 { self.count() } else { k })
    }

    /// EUR price in cents charged at time `ts`.
    pub fn price_at(&self, i: usize, ts: i64) -> i64 {
        let p = self.price_cents[i];
        if ts < PRICE_CHANGE {
            (p * 97 + 50) / 100
        } else {
            p
        }
    }

    /// The product noun (e.g. "Wireless Headphones"), used for search queries.
    pub fn noun_of(&self, i: usize) -> &'static str {
        CATEGORIES[self.category[i] as usize].subs[self.subcategory[i] as usize].nouns
            [self.noun[i] as usize]
            .0
    }

    /// Return rate of the product's category in percent.
    pub fn return_pct(&self, i: usize) -> u32 {
        CATEGORIES[self.category[i] as usize].return_pct
    }
}

/// Writes `products.csv` and returns the table for the other generators.
pub fn write(path: &Path, seed: u64, n: usize) -> io::Result<Products> {
    let mut rng = Rng::stream(seed, STREAM_PRODUCTS);
    // Most of the catalogue predates the window; about a fifth launches during it
    // (new launches stop a month before the end so they can still sell).
    let (old_from, old_to) = (days_from_civil(2018, 1, 1), days_from_civil(2023, 12, 31));
    let (new_from, new_to) = (days_from_civil(2024, 1, 1), days_from_civil(2025, 5, 31));
    let mut launch_days: Vec<i64> = (0..n)
        .map(|_| {
            if rng.chance(0.8) {
                rng.range(old_from, old_to)
            } else {
                rng.range(new_from, new_to)
            }
        })
        .collect();
    launch_days.sort_unstable();

    let mut out = sink::plain(path)?;
    out.write_all(HEADER.as_bytes())?;
    let mut t = Products {
        launch: Vec::with_capacity(n),
        price_cents: Vec::with_capacity(n),
        category: Vec::with_capacity(n),
        subcategory: Vec::with_capacity(n),
        noun: Vec::with_capacity(n),
        popularity: Cumulative::default(),
    };
    let mut popularity = Vec::with_capacity(n);
    let mut line = Vec::with_capacity(256);
    for (i, &day) in launch_days.iter().enumerate() {
        let c = rng.weighted_index(CATEGORIES.iter().map(|c| c.weight));
        let cat = &CATEGORIES[c];
        let s = rng.below(cat.subs.len() as u64) as usize;
        let sub = &cat.subs[s];
        let k = rng.below(sub.nouns.len() as u64) as usize;
        let brand = rng.pick(vocab::BRANDS);
        let variant = rng.weighted(vocab::VARIANTS);
        let (noun, lo, hi) = sub.nouns[k];
        let name = format!("{brand} {noun}{variant}");
        // Log-uniform between the range ends, with u^1.5 skewing towards cheap items.
        let u = rng.f64();
        let price = lo * detmath::exp(detmath::ln(hi / lo) * u * u.sqrt());
        let euros = (price as i64).max(1);
        let ending = rng.weighted(&[(99i64, 65u32), (49, 15), (95, 10), (0, 10)]);
        let cents = euros * 100 + ending;

        line.clear();
        push_u64(&mut line, i as u64 + 1);
        line.push(b',');
        line.extend_from_slice(format!("{}-{}-{:05}", cat.code, sub.code, i + 1).as_bytes());
        line.push(b',');
        push_csv(&mut line, &name);
        line.push(b',');
        push_csv(&mut line, cat.name);
        line.push(b',');
        push_csv(&mut line, sub.name);
        line.push(b',');
        push_cents(&mut line, cents);
        line.push(b',');
        push_date(&mut line, day);
        line.push(b'\n');
        out.write_all(&line)?;

        t.launch.push(day * SECS_PER_DAY);
        t.price_cents.push(cents);
        t.category.push(c as u8);
        t.subcategory.push(s as u8);
        t.noun.push(k as u8);
        popularity.push(rng.lognormal(0.0, 1.1));
    }
    out.flush()?;
    t.popularity = Cumulative::from_weights(popularity);
    Ok(t)
}
