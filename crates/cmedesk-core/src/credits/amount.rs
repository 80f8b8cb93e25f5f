//! Exact decimal amounts for credits (学分) and hours (学时).
//!
//! Rule arithmetic is done in hundredths held in an `i64` so that sums such as 0.2 × 5 are exact,
//! caps compare exactly and granting twice yields bit-identical records. Platforms show two
//! decimals (`12.00(2.00)` in the booklet), so hundredths are the finest unit we ever need.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An exact amount of credits or hours, held in hundredths (`Centi(250)` is 2.50); JSON and
/// TypeScript see the decimal number (`2.5`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, ts_rs::TS)]
#[ts(export)]
pub struct Centi(#[ts(type = "number")] pub i64);

impl Centi {
    /// Zero.
    pub const ZERO: Centi = Centi(0);

    /// A whole number of units (`Centi::units(3)` is 3.00).
    pub const fn units(n: i64) -> Centi {
        Centi(n * 100)
    }

    /// The raw number of hundredths.
    pub const fn hundredths(self) -> i64 {
        self.0
    }

    /// Converts a decimal read from a file or form. `None` when it is not finite, too large, or
    /// has more than two decimals (we refuse to round silently what a person typed).
    pub fn from_decimal(x: f64) -> Option<Centi> {
        if !x.is_finite() || x.abs() > 1.0e12 {
            return None;
        }
        let scaled = x * 100.0;
        let rounded = scaled.round();
        if (scaled - rounded).abs() > 1.0e-6 {
            return None;
        }
        // The range check above keeps this conversion exact.
        Some(Centi(rounded as i64))
    }

    /// The value as a float, for display and JSON only; never compute with it.
    pub fn to_decimal(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// True when strictly above zero.
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// `self × num ÷ den`, rounded down to a hundredth. `den` must be positive (rule validation
    /// guarantees it for rates); a zero or negative `den` gives zero rather than a panic.
    pub fn mul_ratio(self, num: Centi, den: Centi) -> Centi {
        if den.0 <= 0 {
            return Centi::ZERO;
        }
        let product = i128::from(self.0) * i128::from(num.0);
        let q = product.div_euclid(i128::from(den.0));
        Centi(i64::try_from(q).unwrap_or(if q > 0 { i64::MAX } else { i64::MIN }))
    }

    /// Rounds down to a multiple of `step` (e.g. 0.5 for provinces that require halves).
    /// A zero step leaves the amount unchanged.
    pub fn floor_to(self, step: Centi) -> Centi {
        if step.0 <= 0 {
            return self;
        }
        Centi(self.0.div_euclid(step.0) * step.0)
    }

    /// True when the amount is a whole multiple of `step` (zero step: always true).
    pub fn is_multiple_of(self, step: Centi) -> bool {
        step.0 <= 0 || self.0.rem_euclid(step.0) == 0
    }

    /// The smaller of the two.
    pub fn min(self, other: Centi) -> Centi {
        Centi(self.0.min(other.0))
    }

    /// The larger of the two.
    pub fn max(self, other: Centi) -> Centi {
        Centi(self.0.max(other.0))
    }

    /// `self − other`, never below zero: a gap or a remaining allowance.
    pub fn saturating_gap(self, other: Centi) -> Centi {
        Centi((self.0 - other.0).max(0))
    }
}

impl fmt::Display for Centi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl Add for Centi {
    type Output = Centi;
    fn add(self, rhs: Centi) -> Centi {
        Centi(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for Centi {
    fn add_assign(&mut self, rhs: Centi) {
        self.0 = self.0.saturating_add(rhs.0);
    }
}

impl Sub for Centi {
    type Output = Centi;
    fn sub(self, rhs: Centi) -> Centi {
        Centi(self.0.saturating_sub(rhs.0))
    }
}

impl Sum for Centi {
    fn sum<I: Iterator<Item = Centi>>(iter: I) -> Centi {
        iter.fold(Centi::ZERO, |a, b| a + b)
    }
}

/// JSON and TOML see a plain decimal number (`2.5`), which is what the UI and files use.
impl Serialize for Centi {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.to_decimal())
    }
}

impl<'de> Deserialize<'de> for Centi {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Centi, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Centi;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number with at most two decimals")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Centi, E> {
                v.checked_mul(100).map(Centi).ok_or_else(|| E::custom("number too large"))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Centi, E> {
                i64::try_from(v)
                    .ok()
                    .and_then(|v| v.checked_mul(100))
                    .map(Centi)
                    .ok_or_else(|| E::custom("number too large"))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Centi, E> {
                Centi::from_decimal(v).ok_or_else(|| E::custom(format!("{v} has more than two decimals")))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_round_trip_exactly() {
        assert_eq!(Centi::from_decimal(0.2), Some(Centi(20)));
        assert_eq!(Centi::from_decimal(12.5), Some(Centi(1250)));
        assert_eq!(Centi::from_decimal(0.333), None);
        assert_eq!(Centi::from_decimal(f64::NAN), None);
        // 0.2 five times is exactly one credit, which f64 does not give.
        let five: Centi = std::iter::repeat_n(Centi(20), 5).sum();
        assert_eq!(five, Centi::units(1));
    }

    #[test]
    fn ratio_rounds_down_to_hundredths() {
        // 10 h at 1 credit per 3 h = 3.33 credits.
        assert_eq!(Centi::units(10).mul_ratio(Centi::units(1), Centi::units(3)), Centi(333));
        assert_eq!(Centi::units(1).mul_ratio(Centi::units(1), Centi::ZERO), Centi::ZERO);
        assert_eq!(Centi(333).floor_to(Centi(50)), Centi(300));
        assert!(Centi(250).is_multiple_of(Centi(50)));
        assert!(!Centi(260).is_multiple_of(Centi(50)));
        assert_eq!(Centi(-5).to_string(), "-0.05");
        assert_eq!(Centi(1200).to_string(), "12.00");
    }

    #[test]
    fn serde_reads_integers_and_decimals() {
        let v: Vec<Centi> = serde_json::from_str("[3, 0.5, 2.25]").expect("valid json");
        assert_eq!(v, vec![Centi(300), Centi(50), Centi(225)]);
        assert!(serde_json::from_str::<Centi>("0.125").is_err());
        assert_eq!(serde_json::to_string(&Centi(250)).expect("serialise"), "2.5");
    }
}
