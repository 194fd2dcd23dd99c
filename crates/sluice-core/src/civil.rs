//! Calendar dates from and to days since 1970-01-01 (proleptic Gregorian), without a date
//! library (Howard Hinnant's algorithms): for drivers turning dates into Arrow's day counts,
//! labels of time axes and the timestamps of set-aside files.

/// The (year, month, day) of `days` since 1970-01-01 (negative: before it).
pub fn civil_date(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Days from 1970-01-01 to a civil date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn known_days_both_ways() {
        for (days, date) in [(0, (1970, 1, 1)), (-1, (1969, 12, 31)), (10_957, (2000, 1, 1)), (11_016, (2000, 2, 29)), (19_723, (2024, 1, 1)), (19_782, (2024, 2, 29)), (-719_468, (0, 3, 1))] {
            assert_eq!(civil_date(days), date);
            assert_eq!(days_from_civil(date.0, date.1, date.2), days);
        }
        for days in -800_000..800_000 {
            let (y, m, d) = civil_date(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
