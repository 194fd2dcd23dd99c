//! The 18-month activity window and its demand curve: how many orders (or
//! clickstream events) fall on each day, and at which time of day.
//!
//! Daily volume = weekly pattern × month seasonality × retail peaks (Black Friday,
//! Cyber Monday, pre-Christmas, the Christmas lull) × slow growth × a little
//! day-to-day noise. Orders and events share one curve, as they would in a real
//! shop, so traffic and sales line up.

use crate::rng::Rng;
use crate::time::{civil_from_days, days_from_civil, weekday, SECS_PER_DAY};

/// First day of activity (2024-01-01), as days since the epoch.
pub const START_DAY: i64 = days_from_civil(2024, 1, 1);
/// Last day of activity, inclusive (2025-06-30).
pub const END_DAY: i64 = days_from_civil(2025, 6, 30);
pub const NUM_DAYS: usize = (END_DAY - START_DAY + 1) as usize;

/// Relative volume by hour of day on weekdays: a lunch bump and an evening peak.
const HOURS_WEEKDAY: [u32; 24] = [
    8, 5, 3, 2, 2, 3, 8, 18, 30, 38, 42, 46, 55, 52, 45, 43, 44, 48, 55, 66, 72, 65, 45, 22,
];
/// Weekends start later and stay busy through the afternoon.
const HOURS_WEEKEND: [u32; 24] = [
    12, 8, 5, 3, 2, 2, 4, 8, 16, 28, 42, 52, 56, 55, 52, 50, 50, 52, 56, 62, 66, 60, 42, 24,
];

/// Monday … Sunday.
const WEEKDAY_FACTOR: [f64; 7] = [0.95, 0.92, 0.95, 1.0, 1.05, 1.12, 1.18];
/// January … December.
const MONTH_FACTOR: [f64; 12] = [
    0.85, 0.84, 0.93, 0.95, 1.0, 0.95, 0.9, 0.88, 1.0, 1.05, 1.22, 1.32,
];

/// Black Friday: the day after the fourth Thursday of November.
fn black_friday(year: i64) -> i64 {
    let nov1 = days_from_civil(year, 11, 1);
    let first_thursday = nov1 + ((3 + 7 - weekday(nov1) as i64) % 7);
    first_thursday + 21 + 1
}

/// Multiplier for special retail days.
fn special_factor(day: i64) -> f64 {
    let (y, m, d) = civil_from_days(day);
    let bf = black_friday(y);
    match day - bf {
        0 => return 3.0,
        1 | 2 => return 1.8,
        3 => return 2.2, // Cyber Monday
        -6..=-1 => return 1.3,
        _ => {}
    }
    match (m, d) {
        (12, 10..=19) => 1.2,
        (12, 24) | (12, 26) => 0.6,
        (12, 25) => 0.35,
        (12, 31) => 0.7,
        (1, 1) => 0.5,
        _ => 1.0,
    }
}

/// Day-by-day relative volume over the window.
#[derive(Clone, Debug)]
pub struct DemandCurve {
    weights: Vec<f64>,
}

impl DemandCurve {
    pub fn new(rng: &mut Rng) -> Self {
        let weights = (0..NUM_DAYS)
            .map(|i| {
                let day = START_DAY + i as i64;
                let (_, m, _) = civil_from_days(day);
                let trend = 1.0 + 0.35 * i as f64 / NUM_DAYS as f64;
                let noise = (1.0 + 0.08 * rng.normal()).clamp(0.7, 1.3);
                WEEKDAY_FACTOR[weekday(day) as usize]
                    * MONTH_FACTOR[m as usize - 1]
                    * special_factor(day)
                    * trend
                    * noise
            })
            .collect();
        DemandCurve { weights }
    }

    /// Splits `total` over the days in proportion to the curve. Rounding the
    /// running cumulative share (rather than each day) makes the counts add up to
    /// exactly `total`.
    pub fn allocate(&self, total: u64) -> Vec<u64> {
        let sum: f64 = self.weights.iter().sum();
        let mut acc = 0.0;
        let mut prev = 0u64;
        self.weights
            .iter()
            .enumerate()
            .map(|(i, w)| {
                acc += w;
                let upto = if i + 1 == NUM_DAYS {
                    total
                } else {
                    (((total as f64) * acc / sum).round() as u64).clamp(prev, total)
                };
                let n = upto - prev;
                prev = upto;
                n
            })
            .collect()
    }
}

/// Midnight of the `i`-th day of the window, in seconds since the epoch.
pub fn day_start(i: usize) -> i64 {
    (START_DAY + i as i64) * SECS_PER_DAY
}

/// A random second of the day following the intra-day pattern of that weekday.
pub fn second_of_day(rng: &mut Rng, day: i64) -> u32 {
    let hours = if weekday(day) >= 5 {
        &HOURS_WEEKEND
    } else {
        &HOURS_WEEKDAY
    };
    let h = rng.weighted_index(hours.iter().copied()) as u32;
    h * 3600 + rng.below(3600) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_and_black_friday() {
        assert_eq!(NUM_DAYS, 547);
        assert_eq!(black_friday(2024), days_from_civil(2024, 11, 29));
        assert_eq!(black_friday(2023), days_from_civil(2023, 11, 24));
    }

    #[test]
    fn allocation_is_exact_and_seasonal() {
        let curve = DemandCurve::new(&mut Rng::new(1));
        for total in [0u64, 1, 7, 1000, 123_457] {
            assert_eq!(curve.allocate(total).iter().sum::<u64>(), total);
        }
        let counts = curve.allocate(1_000_000);
        let bf = (days_from_civil(2024, 11, 29) - START_DAY) as usize;
        let xmas = (days_from_civil(2024, 12, 25) - START_DAY) as usize;
        assert!(counts[bf] > 2 * counts[bf - 14]);
        assert!(counts[xmas] < counts[xmas - 7]);
    }
}
