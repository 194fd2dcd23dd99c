//! `customers.csv`: the customer master data, plus the in-memory table the order
//! and clickstream generators draw customers from.
//!
//! Customer ids are assigned in sign-up order, as a real shop's sequence would,
//! which lets "customers who existed at time t" be a prefix of the table. Activity
//! is heavy-tailed (Pareto): a few customers place a large share of all orders and
//! about one in seven never orders at all.

use std::io::{self, Write};
use std::path::Path;

use crate::calendar::{self, END_DAY, START_DAY};
use crate::rng::{Cumulative, Rng};
use crate::sink;
use crate::text::{push_csv, push_u64};
use crate::time::{days_from_civil, push_datetime, SECS_PER_DAY};
use crate::vocab::{self, Lang, COUNTRIES, GLOBAL_DOMAINS};

pub const HEADER: &str =
    "customer_id,name,email,country,city,signup_at,birth_year,segment,marketing_opt_in\n";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    Consumer,
    SmallBusiness,
    Enterprise,
}

impl Segment {
    pub fn name(self) -> &'static str {
        match self {
            Segment::Consumer => "consumer",
            Segment::SmallBusiness => "small_business",
            Segment::Enterprise => "enterprise",
        }
    }
}

const SEGMENTS: &[(Segment, u32)] = &[
    (Segment::Consumer, 850),
    (Segment::SmallBusiness, 120),
    (Segment::Enterprise, 30),
];

/// What the other generators need to know about customers; index `i` is
/// customer id `i + 1`.
pub struct Customers {
    /// Sign-up times, ascending.
    pub signup: Vec<i64>,
    pub segment: Vec<Segment>,
    /// Index into [`vocab::CURRENCIES`]: customers pay in their country's currency.
    pub currency: Vec<u8>,
    activity: Cumulative,
}

impl Customers {
    pub fn count(&self) -> usize {
        self.signup.len()
    }

    /// A customer who had signed up by `ts`, drawn by activity. With no such
    /// customer (only possible for tiny populations) anyone may be drawn.
    pub fn pick(&self, rng: &mut Rng, ts: i64) -> usize {
        let k = self.signup.partition_point(|&s| s <= ts);
        self.activity
            .sample_prefix(rng, if k == 0 { self.count() } else { k })
    }

    /// Any customer, drawn by activity, regardless of sign-up time.
    pub fn pick_any(&self, rng: &mut Rng) -> usize {
        self.activity.sample_prefix(rng, self.count())
    }
}

/// Counts of the deliberate irregularities, for the summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CustomerStats {
    pub rows: u64,
    pub empty_email: u64,
    pub messy_email: u64,
    pub empty_birth_year: u64,
}

/// Sign-up times: most customers predate the order window (the shop has existed
/// since 2019, growing, hence the sqrt skew towards recent years); the rest sign up
/// during it.
fn signup_times(rng: &mut Rng, n: usize) -> Vec<i64> {
    let history_start = days_from_civil(2019, 1, 1);
    let history_days = (START_DAY - history_start) as f64;
    let mut v: Vec<i64> = (0..n)
        .map(|_| {
            let day = if rng.chance(0.62) {
                history_start + (history_days * rng.f64().sqrt()) as i64
            } else {
                rng.range(START_DAY, END_DAY)
            };
            day * SECS_PER_DAY + calendar::second_of_day(rng, day) as i64
        })
        .collect();
    v.sort_unstable();
    v
}

fn email(
    rng: &mut Rng,
    first: &str,
    last: &str,
    birth_year: Option<i64>,
    segment: Segment,
    country: &vocab::Country,
) -> String {
    let (f, l) = (vocab::ascii_slug(first), vocab::ascii_slug(last));
    let initial = &f[..1.min(f.len())];
    let mut local = match rng.below(6) {
        0 | 1 => format!("{f}.{l}"),
        2 => format!("{f}{l}"),
        3 => format!("{initial}.{l}"),
        4 => format!("{f}_{l}"),
        _ => format!("{l}.{f}"),
    };
    if rng.chance(0.45) {
        match birth_year {
            Some(y) if rng.chance(0.5) => local.push_str(&format!("{:02}", y % 100)),
            _ => local.push_str(&rng.range(1, 999).to_string()),
        }
    }
    let domain = if segment != Segment::Consumer && rng.chance(0.6) {
        format!("{l}-{}.{}", rng.pick(vocab::BUSINESS_WORDS), country.tld)
    } else if rng.chance(0.35) {
        rng.weighted(country.domains).to_string()
    } else {
        rng.weighted(GLOBAL_DOMAINS).to_string()
    };
    format!("{local}@{domain}")
}

/// Typing and import artefacts real CRMs accumulate.
fn messy(rng: &mut Rng, email: &str) -> String {
    match rng.below(3) {
        0 => email.to_uppercase(),
        1 => {
            // Capitalised parts: "Anna.Schmidt@Gmail.com".
            let mut out = String::with_capacity(email.len());
            let mut up = true;
            for c in email.chars() {
                if up {
                    out.extend(c.to_uppercase());
                } else {
                    out.push(c);
                }
                up = matches!(c, '.' | '@' | '_');
            }
            out
        }
        _ => format!(
            "{}{email}{}",
            " ".repeat(rng.range(0, 2) as usize),
            " ".repeat(rng.range(1, 2) as usize)
        ),
    }
}

/// Writes `customers.csv` and returns the table for the other generators.
pub fn write(path: &Path, seed: u64, n: usize) -> io::Result<(Customers, CustomerStats)> {
    let mut rng = Rng::stream(seed, crate::STREAM_CUSTOMERS);
    let signup = signup_times(&mut rng, n);
    let mut out = sink::plain(path)?;
    out.write_all(HEADER.as_bytes())?;
    let mut stats = CustomerStats {
        rows: n as u64,
        ..Default::default()
    };
    let mut segment = Vec::with_capacity(n);
    let mut currency = Vec::with_capacity(n);
    let mut weights = Vec::with_capacity(n);
    let mut line = Vec::with_capacity(256);
    for (i, &signed_up) in signup.iter().enumerate() {
        let country = &COUNTRIES[rng.weighted_index(COUNTRIES.iter().map(|c| c.weight))];
        let lang: Lang = rng.weighted(country.langs);
        let first = *rng.pick(vocab::first_names(lang));
        let last = *rng.pick(vocab::last_names(lang));
        let city = rng.weighted(country.cities);
        let seg = rng.weighted(SEGMENTS);
        let birth_year = if rng.chance(0.09) {
            None
        } else {
            Some((1984.0 + 13.0 * rng.normal()).round().clamp(1938.0, 2007.0) as i64)
        };
        let mut mail = email(&mut rng, first, last, birth_year, seg, country);
        if rng.chance(0.03) {
            mail.clear();
            stats.empty_email += 1;
        } else if rng.chance(0.0035) {
            mail = messy(&mut rng, &mail);
            stats.messy_email += 1;
        }
        let opt_in = rng.chance(0.42);
        // Activity: zero for never-buyers, otherwise Pareto(alpha 1.4) capped so a
        // single account cannot dominate; businesses buy more often.
        let activity = if rng.chance(0.14) {
            0.0
        } else {
            let boost = match seg {
                Segment::Consumer => 1.0,
                Segment::SmallBusiness => 2.0,
                Segment::Enterprise => 3.0,
            };
            rng.pareto(1.0, 1.4).min(200.0) * boost
        };

        line.clear();
        push_u64(&mut line, i as u64 + 1);
        line.push(b',');
        push_csv(&mut line, &format!("{first} {last}"));
        line.push(b',');
        push_csv(&mut line, &mail);
        line.push(b',');
        line.extend_from_slice(country.code.as_bytes());
        line.push(b',');
        push_csv(&mut line, city);
        line.push(b',');
        push_datetime(&mut line, signed_up, b' ');
        line.push(b',');
        match birth_year {
            Some(y) => push_u64(&mut line, y as u64),
            None => stats.empty_birth_year += 1,
        }
        line.push(b',');
        line.extend_from_slice(seg.name().as_bytes());
        line.push(b',');
        line.extend_from_slice(if opt_in { b"true" } else { b"false" });
        line.push(b'\n');
        out.write_all(&line)?;

        segment.push(seg);
        currency.push(country.currency);
        weights.push(activity);
    }
    out.flush()?;
    let activity = Cumulative::from_weights(weights);
    Ok((
        Customers {
            signup,
            segment,
            currency,
            activity,
        },
        stats,
    ))
}
