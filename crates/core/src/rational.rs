//! Exact rationals over big integers, for quantities whose denominators multiply past i128
//! before the one rounding they get (a mean of three growth ratios of money amounts).

use num_bigint::BigInt;
use num_integer::Integer;

use crate::number::{Dec, Overflow, Rounding};

/// `num / den`, `den > 0`; not reduced (only ever rounded once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ratio {
    num: BigInt,
    den: BigInt,
}

impl Ratio {
    /// `num / den`; `den` must not be 0.
    pub fn new(num: i128, den: i128) -> Ratio {
        assert!(den != 0, "a ratio needs a non-zero denominator");
        let (num, den) = if den < 0 { (-num, -den) } else { (num, den) };
        Ratio { num: BigInt::from(num), den: BigInt::from(den) }
    }

    /// The integer `v`.
    pub fn int(v: i128) -> Ratio {
        Ratio::new(v, 1)
    }

    /// The decimal `d` exactly.
    pub fn dec(d: Dec) -> Ratio {
        Ratio { num: BigInt::from(d.mantissa), den: BigInt::from(10).pow(d.scale) }
    }

    /// `self + o`.
    pub fn plus(&self, o: &Ratio) -> Ratio {
        Ratio { num: &self.num * &o.den + &o.num * &self.den, den: &self.den * &o.den }
    }

    /// `self − o`.
    pub fn minus(&self, o: &Ratio) -> Ratio {
        Ratio { num: &self.num * &o.den - &o.num * &self.den, den: &self.den * &o.den }
    }

    /// `self × o`.
    pub fn times(&self, o: &Ratio) -> Ratio {
        Ratio { num: &self.num * &o.num, den: &self.den * &o.den }
    }

    /// `self / o`; `None` when `o` is 0.
    pub fn over(&self, o: &Ratio) -> Option<Ratio> {
        if o.num == BigInt::from(0) {
            return None;
        }
        let (num, den) = (&self.num * &o.den, &self.den * &o.num);
        Some(if den < BigInt::from(0) { Ratio { num: -num, den: -den } } else { Ratio { num, den } })
    }

    /// −1, 0 or 1.
    pub fn signum(&self) -> i32 {
        match self.num.sign() {
            num_bigint::Sign::Minus => -1,
            num_bigint::Sign::NoSign => 0,
            num_bigint::Sign::Plus => 1,
        }
    }

    /// Compares exactly.
    pub fn cmp_exact(&self, o: &Ratio) -> std::cmp::Ordering {
        (&self.num * &o.den).cmp(&(&o.num * &self.den))
    }

    /// The value as an integer count of `10^-scale`, rounded once with `mode`.
    pub fn round(&self, scale: u32, mode: Rounding) -> Result<i128, Overflow> {
        let num = &self.num * BigInt::from(10).pow(scale);
        let (q, r) = num.div_rem(&self.den); // q toward zero, r with num's sign
        let away = if num < BigInt::from(0) { -1 } else { 1 };
        let twice = r.magnitude() * 2u32;
        let den = self.den.magnitude();
        let up = r != BigInt::from(0)
            && match mode {
                Rounding::Down => false,
                Rounding::HalfUp => twice >= *den,
                Rounding::HalfEven => twice > *den || (twice == *den && q.is_odd()),
            };
        let q = if up { q + away } else { q };
        i128::try_from(q).map_err(|_| Overflow("an amount beyond 128-bit integers"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_once_in_each_mode() {
        // 2.5 and −2.5 at 0 decimals; 1/3 at 12
        let half = Ratio::new(5, 2);
        assert_eq!(half.round(0, Rounding::HalfUp).unwrap(), 3);
        assert_eq!(half.round(0, Rounding::HalfEven).unwrap(), 2);
        assert_eq!(half.round(0, Rounding::Down).unwrap(), 2);
        let neg = Ratio::new(-5, 2);
        assert_eq!(neg.round(0, Rounding::HalfUp).unwrap(), -3);
        assert_eq!(neg.round(0, Rounding::HalfEven).unwrap(), -2);
        assert_eq!(Ratio::new(1, 3).round(12, Rounding::HalfEven).unwrap(), 333_333_333_333);
        assert_eq!(Ratio::new(2, 3).round(12, Rounding::Down).unwrap(), 666_666_666_666);
        assert_eq!(Ratio::new(2, 3).round(12, Rounding::HalfUp).unwrap(), 666_666_666_667);
    }

    #[test]
    fn arithmetic_is_exact_past_i128() {
        let big = Ratio::new(i128::MAX, 3);
        let sq = big.times(&big).over(&big).unwrap();
        assert_eq!(sq.cmp_exact(&big), std::cmp::Ordering::Equal);
        assert_eq!(Ratio::new(1, 2).minus(&Ratio::new(1, 3)).cmp_exact(&Ratio::new(1, 6)), std::cmp::Ordering::Equal);
        assert!(Ratio::int(1).over(&Ratio::int(0)).is_none());
    }
}
