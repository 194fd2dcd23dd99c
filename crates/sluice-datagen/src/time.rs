//! Calendar arithmetic on naive timestamps (seconds since 1970-01-01 00:00:00, no
//! time zone), with the exact text formats the output files use.
//!
//! Hand-written (Howard Hinnant's days-from-civil algorithms) rather than pulling in
//! a date crate: it is a few lines, integer-only, and never consults the system
//! clock or time-zone database, so output cannot depend on the machine.

pub const SECS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 for a proleptic Gregorian date.
pub const fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `(year, month, day)` for days since 1970-01-01.
pub const fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Day of week, 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
pub const fn weekday(days: i64) -> u32 {
    (days + 3).rem_euclid(7) as u32
}

/// Seconds since the epoch at midnight of a date.
pub const fn midnight(y: i64, m: u32, d: u32) -> i64 {
    days_from_civil(y, m, d) * SECS_PER_DAY
}

fn push2(buf: &mut Vec<u8>, v: u32) {
    buf.push(b'0' + (v / 10 % 10) as u8);
    buf.push(b'0' + (v % 10) as u8);
}

fn push4(buf: &mut Vec<u8>, v: i64) {
    let v = v as u32;
    buf.push(b'0' + (v / 1000 % 10) as u8);
    buf.push(b'0' + (v / 100 % 10) as u8);
    push2(buf, v % 100);
}

/// Appends `YYYY{sep}MM{sep}DD`.
pub fn push_date_sep(buf: &mut Vec<u8>, days: i64, sep: u8) {
    let (y, m, d) = civil_from_days(days);
    push4(buf, y);
    buf.push(sep);
    push2(buf, m);
    buf.push(sep);
    push2(buf, d);
}

/// Appends `YYYY-MM-DD`.
pub fn push_date(buf: &mut Vec<u8>, days: i64) {
    push_date_sep(buf, days, b'-');
}

/// Appends `YYYY-MM-DD{t}HH:MM:SS`; `t` is `b' '` for the CSV files and `b'T'` for
/// ISO 8601 in the clickstream.
pub fn push_datetime(buf: &mut Vec<u8>, secs: i64, t: u8) {
    push_datetime_sep(buf, secs, b'-', t);
}

/// Like [`push_datetime`] with a custom date separator (`/` for the malformed rows).
pub fn push_datetime_sep(buf: &mut Vec<u8>, secs: i64, date_sep: u8, t: u8) {
    let days = secs.div_euclid(SECS_PER_DAY);
    let sod = secs.rem_euclid(SECS_PER_DAY) as u32;
    push_date_sep(buf, days, date_sep);
    buf.push(t);
    push2(buf, sod / 3600);
    buf.push(b':');
    push2(buf, sod / 60 % 60);
    buf.push(b':');
    push2(buf, sod % 60);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_and_weekday() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2024, 1, 1), 19_723);
        for z in [-1000, 0, 19_723, 20_000, 20_269] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        // 2024-01-01 was a Monday, 2025-06-29 a Sunday.
        assert_eq!(weekday(days_from_civil(2024, 1, 1)), 0);
        assert_eq!(weekday(days_from_civil(2025, 6, 29)), 6);
    }

    #[test]
    fn formats() {
        let t = midnight(2024, 3, 5) + 10 * 3600 + 11 * 60 + 12;
        let mut b = Vec::new();
        push_datetime(&mut b, t, b' ');
        assert_eq!(b, b"2024-03-05 10:11:12");
        b.clear();
        push_datetime(&mut b, t, b'T');
        assert_eq!(b, b"2024-03-05T10:11:12");
        b.clear();
        push_datetime_sep(&mut b, t, b'/', b' ');
        assert_eq!(b, b"2024/03/05 10:11:12");
        b.clear();
        push_date(&mut b, days_from_civil(2019, 12, 31));
        assert_eq!(b, b"2019-12-31");
    }
}
