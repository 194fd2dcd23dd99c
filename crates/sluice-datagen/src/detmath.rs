//! Portable natural logarithm and exponential.
//!
//! `f64::ln`/`f64::exp` call the platform's libm, whose last-bit results differ
//! between C libraries and versions. A one-ulp difference can flip a rounded price
//! or a threshold comparison and so change the generated files. These versions use
//! only exactly rounded IEEE-754 operations, so they return the same bits on every
//! platform; accuracy (about 1e-15 relative) is far beyond what the data needs.

const LN2: f64 = std::f64::consts::LN_2;
// ln 2 split in a high part with trailing zero bits and a small remainder, so that
// `k * LN2_HI` is exact during range reduction in `exp`.
const LN2_HI: f64 = 6.931_471_803_691_238e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;

/// Natural logarithm for finite `x > 0` (returns NaN otherwise).
pub fn ln(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 || x.is_infinite() {
        return f64::NAN;
    }
    let mut x = x;
    let mut e: i64 = 0;
    if x < f64::MIN_POSITIVE {
        // Subnormal: scale into the normal range first (exact multiplication).
        x *= (1u64 << 54) as f64;
        e -= 54;
    }
    let bits = x.to_bits();
    e += ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    // ln m = 2 atanh(s) with s = (m-1)/(m+1), |s| <= 0.172: the series converges fast.
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut term = s;
    let mut sum = s;
    let mut k = 3.0;
    for _ in 0..12 {
        term *= s2;
        sum += term / k;
        k += 2.0;
    }
    2.0 * sum + e as f64 * LN2
}

/// e^x for finite `x`.
pub fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x > 709.0 {
        return f64::INFINITY;
    }
    if x < -708.0 {
        return 0.0;
    }
    // x = k ln2 + r with |r| <= ln2/2; e^x = 2^k e^r.
    let k = (x / LN2).round();
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 1..=18 {
        term *= r / n as f64;
        sum += term;
    }
    let k = k as i64;
    sum * f64::from_bits(((k + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_std_closely() {
        for &x in &[
            1e-300, 1e-10, 0.1, 0.5, 0.999, 1.0, 1.5, 2.0, 10.0, 12345.678, 1e300,
        ] {
            let rel = (ln(x) - x.ln()).abs() / x.ln().abs().max(1e-300);
            assert!(rel < 1e-13 || (ln(x) - x.ln()).abs() < 1e-15, "ln({x})");
        }
        for &x in &[-700.0, -20.0, -1.0, -1e-9, 0.0, 0.3, 1.0, 5.5, 100.0, 700.0] {
            let rel = (exp(x) - x.exp()).abs() / x.exp();
            assert!(rel < 1e-13, "exp({x})");
        }
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(ln(1.0), 0.0);
    }
}
