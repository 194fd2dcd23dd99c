//! `orders.csv.gz`: order lines over the 18-month window, streamed day by day in
//! time order, with realistic dirt and (optionally) injected problems.
//!
//! Three independent random streams drive a row: the base stream decides the
//! order itself, the dirt stream decides export artefacts (nulls, malformed
//! values, exact duplicates) and the problems stream decides `--problems`
//! injections. Keeping them apart means the `--problems` file contains exactly the
//! same base orders and the same dirt as the clean one, plus the injections.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io;
use std::path::Path;

use crate::calendar::{self, DemandCurve, END_DAY, NUM_DAYS, START_DAY};
use crate::customers::{Customers, Segment};
use crate::products::Products;
use crate::rng::Rng;
use crate::sink::GzFile;
use crate::text::{push_cents, push_cents_sep, push_i64, push_u64};
use crate::time::{days_from_civil, midnight, push_datetime, push_datetime_sep};
use crate::vocab::CURRENCIES;
use crate::{STREAM_ORDERS, STREAM_ORDER_DIRT, STREAM_PROBLEMS};

pub const HEADER: &str = "order_id,customer_id,product_id,ordered_at,quantity,unit_price,discount,amount,currency,status,channel,coupon_code\n";

/// Realistic dirt rates (both modes).
const P_NULL_AMOUNT: f64 = 0.015;
const P_AMOUNT_NA: f64 = 0.000_12;
const P_AMOUNT_COMMA: f64 = 0.000_12;
const P_NULL_CHANNEL: f64 = 0.01;
const P_SLASH_DATE: f64 = 0.000_12;
const P_EXACT_DUPLICATE: f64 = 0.003;
/// Orders attributed to any customer, ignoring sign-up time (accounts merged after
/// guest checkouts): the few orders placed "before" their customer signed up.
const P_ANY_CUSTOMER: f64 = 0.003;

/// `--problems` injection rates.
const P_PROBLEM_NULL_AMOUNT: f64 = 0.066; // on top of the 1.5% above: ~8% in total
const P_NEGATIVE_QUANTITY: f64 = 0.005;
const P_AMOUNT_OUT_OF_RANGE: f64 = 0.002;
const P_STATUS_LOST: f64 = 0.004;
const P_UNKNOWN_CUSTOMER: f64 = 0.01;
const P_DUPLICATE_ID: f64 = 0.02;
/// From this moment on, `--problems` multiplies unit prices by 1.4 (distribution shift).
pub const SHIFT_FROM: i64 = midnight(2025, 4, 1);

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderStats {
    /// Data rows in the file (excluding the header), duplicates included.
    pub rows: u64,
    /// Distinct generated orders (before duplication).
    pub orders: u64,
    pub exact_duplicates: u64,
    pub null_amount: u64,
    pub amount_na: u64,
    pub amount_comma: u64,
    pub null_channel: u64,
    pub slash_dates: u64,
    pub problems: ProblemStats,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProblemStats {
    pub negative_quantity: u64,
    pub amount_out_of_range: u64,
    pub status_lost: u64,
    pub unknown_customer: u64,
    pub duplicate_id_rows: u64,
    pub shifted_price_rows: u64,
    /// App orders left out of the file (an export that lost a source: a row-count drop).
    pub lost_app_rows: u64,
}

struct Order {
    id: u64,
    customer_id: u64,
    product_id: u64,
    ts: i64,
    quantity: i64,
    unit_cents: i64,
    discount_pct: i64,
    currency: u8,
    status: &'static str,
    channel: &'static str,
    coupon: &'static str,
}

enum Amount {
    /// Computed from quantity, unit price and discount.
    Computed,
    /// A stored amount unrelated to the other fields (out-of-range injection).
    Fixed(i64),
    Null,
    NotAvailable,
    CommaDecimal,
}

struct Row {
    order: Order,
    amount: Amount,
    channel_null: bool,
    slash_date: bool,
}

/// `quantity * unit_price * (1 - discount)` in cents, rounded half away from zero
/// on the exact decimal value (integer arithmetic, so no float rounding surprises).
pub fn amount_cents(quantity: i64, unit_cents: i64, discount_pct: i64) -> i64 {
    let num = quantity * unit_cents * (100 - discount_pct);
    num.signum() * ((num.abs() + 50) / 100)
}

fn quantity(rng: &mut Rng, segment: Segment) -> i64 {
    const CONSUMER: &[(i64, u32)] = &[
        (1, 720),
        (2, 180),
        (3, 55),
        (4, 20),
        (5, 12),
        (6, 5),
        (8, 4),
        (10, 4),
    ];
    match segment {
        Segment::Consumer => rng.weighted(CONSUMER),
        Segment::SmallBusiness => rng.weighted(CONSUMER) * rng.range(1, 3),
        Segment::Enterprise if rng.chance(0.5) => rng.range(5, 60),
        Segment::Enterprise => rng.weighted(CONSUMER),
    }
}

/// The coupon behind a discount; Black Friday week has its own code.
fn coupon_for(rng: &mut Rng, pct: i64, bf_week: bool) -> &'static str {
    match pct {
        5 => "SAVE5",
        10 => ["WELCOME10", "SAVE10"][rng.below(2) as usize],
        15 => "SPRING15",
        20 => "VIP20",
        25 if bf_week => "BF25",
        25 => "SUMMER25",
        30 => "FLASH30",
        40 => "CLEAR40",
        _ => "HALFOFF",
    }
}

/// Order status by channel and age: recent orders are still pending or shipped,
/// older ones settled; returns depend on the category.
fn status(rng: &mut Rng, channel: &str, age_days: i64, return_pct: u32) -> &'static str {
    if channel == "store" {
        return rng.weighted(&[("completed", 960), ("returned", 30), ("cancelled", 10)]);
    }
    match age_days {
        0..=1 => rng.weighted(&[
            ("pending", 45),
            ("shipped", 40),
            ("cancelled", 10),
            ("completed", 5),
        ]),
        2..=6 => rng.weighted(&[
            ("pending", 5),
            ("shipped", 55),
            ("cancelled", 6),
            ("completed", 34),
        ]),
        7..=13 => rng.weighted(&[
            ("shipped", 15),
            ("completed", 78),
            ("cancelled", 5),
            ("returned", 2),
        ]),
        _ => {
            let returned = return_pct * 9;
            rng.weighted(&[
                ("completed", 1000 - 50 - 2 - 3 - returned),
                ("returned", returned),
                ("cancelled", 50),
                ("pending", 2),
                ("shipped", 3),
            ])
        }
    }
}

/// Everything the generator draws from, shared by the base and problem streams.
struct World<'a> {
    customers: &'a Customers,
    products: &'a Products,
}

impl World<'_> {
    /// One order at `ts` on day `day_index` of the window (id assigned by caller).
    fn order(&self, rng: &mut Rng, ts: i64, day_index: usize) -> Order {
        let c = if rng.chance(P_ANY_CUSTOMER) {
            self.customers.pick_any(rng)
        } else {
            self.customers.pick(rng, ts)
        };
        let p = self.products.pick(rng, ts);
        let segment = self.customers.segment[c];
        let currency = self.customers.currency[c];
        let quantity = quantity(rng, segment);
        let rate = CURRENCIES[currency as usize].1;
        let unit_cents = (self.products.price_at(p, ts) * rate + 500) / 1000;

        let day = START_DAY + day_index as i64;
        let bf_week = matches!(day - days_from_civil(2024, 11, 29), -6..=3);
        let jan_sale = matches!(day - days_from_civil(2025, 1, 1), 0..=14);
        let p_discount = if bf_week {
            0.55
        } else if jan_sale {
            0.35
        } else {
            0.18
        };
        let discount_pct = if rng.chance(p_discount) {
            rng.weighted(&[
                (5, 20),
                (10, 35),
                (15, 15),
                (20, 15),
                (25, 5),
                (30, 5),
                (40, 3),
                (50, 2),
            ])
        } else {
            0
        };
        let coupon = if discount_pct > 0 && rng.chance(0.45) {
            coupon_for(rng, discount_pct, bf_week)
        } else {
            ""
        };

        // The app gains share over the window, mostly from the web shop.
        let f = day_index as f64 / NUM_DAYS as f64;
        let channel = ["web", "app", "store"][rng.weighted_index(
            [
                (580.0 - 80.0 * f) as u32,
                (250.0 + 100.0 * f) as u32,
                (170.0 - 20.0 * f) as u32,
            ]
            .into_iter(),
        )];
        let status = status(rng, channel, END_DAY - day, self.products.return_pct(p));
        Order {
            id: 0,
            customer_id: c as u64 + 1,
            product_id: p as u64 + 1,
            ts,
            quantity,
            unit_cents,
            discount_pct,
            currency,
            status,
            channel,
            coupon,
        }
    }
}

/// `--problems` injections. Every draw happens for every row, in a fixed order, so
/// the problem stream stays aligned whatever the outcomes.
fn inject_problems(rng: &mut Rng, row: &mut Row, n_customers: usize, stats: &mut ProblemStats) {
    let o = &mut row.order;
    if o.ts >= SHIFT_FROM {
        o.unit_cents = (o.unit_cents * 14 + 5) / 10;
        stats.shifted_price_rows += 1;
    }
    let (negative, out_of_range, lost, unknown, null) = (
        rng.chance(P_NEGATIVE_QUANTITY),
        rng.chance(P_AMOUNT_OUT_OF_RANGE),
        rng.chance(P_STATUS_LOST),
        rng.chance(P_UNKNOWN_CUSTOMER),
        rng.chance(P_PROBLEM_NULL_AMOUNT),
    );
    let big = rng.range(1_000_000_000, 5_000_000_000); // 1e7 .. 5e7 in cents
    let stranger = n_customers as u64 + 1 + rng.below((n_customers as u64 / 20).max(50));
    if negative {
        o.quantity = -o.quantity;
        stats.negative_quantity += 1;
    }
    if out_of_range {
        row.amount = Amount::Fixed(big);
        stats.amount_out_of_range += 1;
    }
    if lost {
        o.status = "lost";
        stats.status_lost += 1;
    }
    if unknown {
        o.customer_id = stranger;
        stats.unknown_customer += 1;
    }
    if null {
        row.amount = Amount::Null;
    }
}

/// Export artefacts present in both modes; same fixed-draw discipline as above.
fn add_dirt(rng: &mut Rng, row: &mut Row) {
    let u = rng.f64();
    let channel_null = rng.chance(P_NULL_CHANNEL);
    let slash = rng.chance(P_SLASH_DATE);
    if u < P_NULL_AMOUNT {
        row.amount = Amount::Null;
    } else if u < P_NULL_AMOUNT + P_AMOUNT_NA {
        row.amount = Amount::NotAvailable;
    } else if u < P_NULL_AMOUNT + P_AMOUNT_NA + P_AMOUNT_COMMA
        && matches!(row.amount, Amount::Computed)
    {
        row.amount = Amount::CommaDecimal;
    }
    row.channel_null = channel_null;
    row.slash_date = slash;
}

fn format_row(buf: &mut Vec<u8>, row: &Row) {
    let o = &row.order;
    push_u64(buf, o.id);
    buf.push(b',');
    push_u64(buf, o.customer_id);
    buf.push(b',');
    push_u64(buf, o.product_id);
    buf.push(b',');
    if row.slash_date {
        push_datetime_sep(buf, o.ts, b'/', b' ');
    } else {
        push_datetime(buf, o.ts, b' ');
    }
    buf.push(b',');
    push_i64(buf, o.quantity);
    buf.push(b',');
    push_cents(buf, o.unit_cents);
    buf.push(b',');
    push_cents(buf, o.discount_pct); // a fraction with two decimals: 15 -> 0.15
    buf.push(b',');
    let computed = amount_cents(o.quantity, o.unit_cents, o.discount_pct);
    match row.amount {
        Amount::Computed => push_cents(buf, computed),
        Amount::Fixed(c) => push_cents(buf, c),
        Amount::Null => {}
        Amount::NotAvailable => buf.extend_from_slice(b"N/A"),
        Amount::CommaDecimal => {
            // Contains a comma, so RFC 4180 requires quoting.
            buf.push(b'"');
            push_cents_sep(buf, computed, b',');
            buf.push(b'"');
        }
    }
    buf.push(b',');
    buf.extend_from_slice(CURRENCIES[o.currency as usize].0.as_bytes());
    buf.push(b',');
    buf.extend_from_slice(o.status.as_bytes());
    buf.push(b',');
    if !row.channel_null {
        buf.extend_from_slice(o.channel.as_bytes());
    }
    buf.push(b',');
    buf.extend_from_slice(o.coupon.as_bytes());
    buf.push(b'\n');
}

/// Tallies the dirt a written (or scheduled duplicate) row carries.
fn count(stats: &mut OrderStats, row: &Row) {
    match row.amount {
        Amount::Null => stats.null_amount += 1,
        Amount::NotAvailable => stats.amount_na += 1,
        Amount::CommaDecimal => stats.amount_comma += 1,
        _ => {}
    }
    stats.null_channel += row.channel_null as u64;
    stats.slash_dates += row.slash_date as u64;
}

/// Writes `orders.csv.gz`: `n_orders` orders plus the duplicated rows.
pub fn write(
    path: &Path,
    seed: u64,
    n_orders: u64,
    problems: bool,
    customers: &Customers,
    products: &Products,
    curve: &DemandCurve,
) -> io::Result<OrderStats> {
    let world = World {
        customers,
        products,
    };
    let mut rng = Rng::stream(seed, STREAM_ORDERS);
    let mut dirt = Rng::stream(seed, STREAM_ORDER_DIRT);
    let mut prob = Rng::stream(seed, STREAM_PROBLEMS);
    let mut out = GzFile::create(path)?;
    out.write(HEADER.as_bytes())?;
    let mut stats = OrderStats::default();
    let mut line = Vec::with_capacity(256);
    // Exact duplicates wait here until their release position: (row, seq, line).
    let mut pending: BinaryHeap<Reverse<(u64, u64, Vec<u8>)>> = BinaryHeap::new();
    let mut emitted = 0u64; // base rows written so far
    let mut next_id = 1u64;
    let mut seconds: Vec<u32> = Vec::new();

    for (day_index, &n) in curve.allocate(n_orders).iter().enumerate() {
        let day = START_DAY + day_index as i64;
        // Draw the day's times first and sort them, so the file is in time order
        // without holding more than one day in memory.
        seconds.clear();
        seconds.extend((0..n).map(|_| calendar::second_of_day(&mut rng, day)));
        seconds.sort_unstable();
        for &s in &seconds {
            let ts = calendar::day_start(day_index) + s as i64;
            let mut order = world.order(&mut rng, ts, day_index);
            order.id = next_id;
            next_id += 1;
            let mut row = Row {
                order,
                amount: Amount::Computed,
                channel_null: false,
                slash_date: false,
            };
            if problems {
                inject_problems(&mut prob, &mut row, customers.count(), &mut stats.problems);
            }
            add_dirt(&mut dirt, &mut row);

            while pending
                .peek()
                .is_some_and(|Reverse((at, _, _))| *at <= emitted)
            {
                let Reverse((_, _, dup)) = pending.pop().expect("peeked");
                out.write(&dup)?;
                stats.rows += 1;
            }
            // With --problems the app's orders never reach the file: every draw still happens,
            // so the rows that are written are the same as without the loss.
            let lost = problems && row.order.channel == "app";
            if lost {
                stats.problems.lost_app_rows += 1;
            } else {
                line.clear();
                format_row(&mut line, &row);
                out.write(&line)?;
                stats.rows += 1;
                count(&mut stats, &row);
            }
            emitted += 1;

            if dirt.chance(P_EXACT_DUPLICATE) {
                let delay = dirt.range(1, 3000) as u64;
                if !lost {
                    pending.push(Reverse((
                        emitted + delay,
                        stats.exact_duplicates,
                        line.clone(),
                    )));
                    stats.exact_duplicates += 1;
                    // The copy carries the same dirt; it is tallied now, written later.
                    count(&mut stats, &row);
                }
            }

            if problems && prob.chance(P_DUPLICATE_ID) {
                // A different order reusing a recent id (e.g. two systems writing
                // into one id space).
                let reused = row.order.id - prob.below(row.order.id.min(5000));
                let later = ts + prob.range(0, 300);
                let mut other = world.order(&mut prob, later, day_index);
                other.id = reused;
                let mut extra = Row {
                    order: other,
                    amount: Amount::Computed,
                    channel_null: false,
                    slash_date: false,
                };
                inject_problems(
                    &mut prob,
                    &mut extra,
                    customers.count(),
                    &mut stats.problems,
                );
                if extra.order.channel == "app" {
                    stats.problems.lost_app_rows += 1;
                } else {
                    line.clear();
                    format_row(&mut line, &extra);
                    out.write(&line)?;
                    stats.rows += 1;
                    count(&mut stats, &extra);
                    stats.problems.duplicate_id_rows += 1;
                }
            }
        }
    }
    while let Some(Reverse((_, _, dup))) = pending.pop() {
        out.write(&dup)?;
        stats.rows += 1;
    }
    out.finish()?;
    stats.orders = next_id - 1;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::amount_cents;

    #[test]
    fn amount_rounds_half_away_from_zero() {
        assert_eq!(amount_cents(3, 1999, 15), 5097); // 50.9745 -> 50.97
        assert_eq!(amount_cents(1, 1, 50), 1); // 0.005 -> 0.01
        assert_eq!(amount_cents(-1, 1, 50), -1);
        assert_eq!(amount_cents(2, 1250, 0), 2500);
    }
}
