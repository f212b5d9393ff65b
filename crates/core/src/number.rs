//! Exact numbers: fixed-point integers, decimals parsed from text, named roundings.
//!
//! Points and money are both held as `i128` counts of 1/10,000 (scale 4): points have at most
//! 4 decimals by contract, and every supported currency unit (1, 0.1, 0.01, …) is a whole
//! number of 1/10,000. Every operation that can overflow is checked.
//!
//! The decimals people write — config values, rates, factors, coefficients — are read with one
//! strict parser ([`parse_decimal`]) into `rust_decimal::Decimal`, which holds them as written.
//! Its arithmetic rounds silently past 28 digits, so every product and sum that is paid is taken
//! in [`Dec`]: the same mantissa and scale in 128 bits, checked.

use std::fmt;
use std::str::FromStr;

pub use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Decimals of the internal fixed point shared by points and money.
pub const SCALE: u32 = 4;
/// One point (or one currency unit) in internal fixed point.
pub const ONE: i128 = 10_000;

/// How a quotient is brought to an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Ties away from zero (commercial rounding).
    #[default]
    HalfUp,
    /// Ties to the even neighbour (banker's rounding).
    HalfEven,
    /// Toward zero (truncation).
    Down,
}

impl fmt::Display for Rounding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rounding::HalfUp => "half_up",
            Rounding::HalfEven => "half_even",
            Rounding::Down => "down",
        })
    }
}

/// An arithmetic result that does not fit in 128 bits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("arithmetic overflow while computing {0}")]
pub struct Overflow(pub &'static str);

/// `a + b`, or the overflow naming `what`.
pub fn add(a: i128, b: i128, what: &'static str) -> Result<i128, Overflow> {
    a.checked_add(b).ok_or(Overflow(what))
}
/// `a − b`, or the overflow naming `what`.
pub fn sub(a: i128, b: i128, what: &'static str) -> Result<i128, Overflow> {
    a.checked_sub(b).ok_or(Overflow(what))
}
/// `a × b`, or the overflow naming `what`.
pub fn mul(a: i128, b: i128, what: &'static str) -> Result<i128, Overflow> {
    a.checked_mul(b).ok_or(Overflow(what))
}
/// 10^exp, or the overflow.
pub fn pow10(exp: u32) -> Result<i128, Overflow> {
    10i128.checked_pow(exp).ok_or(Overflow("a power of ten"))
}

/// `num / den` rounded to an integer with `mode`. `den` must be non-zero.
pub fn div_round(num: i128, den: i128, mode: Rounding) -> i128 {
    assert!(den != 0, "div_round by zero");
    let (num, den) = if den < 0 { (-num, -den) } else { (num, den) };
    // both truncate toward zero, r has the sign of num; a 64-bit division is several times
    // faster than i128's and most amounts fit (den > 0, so i64::MIN / −1 cannot occur)
    let (q, r) = match (i64::try_from(num), i64::try_from(den)) {
        (Ok(n), Ok(d)) => (i128::from(n / d), i128::from(n % d)),
        _ => (num / den, num % den),
    };
    if r == 0 || mode == Rounding::Down {
        return q;
    }
    let away = if num < 0 { -1 } else { 1 };
    // compare 2|r| with den without overflow: |r| < den, so |r| vs den - |r|
    let r_abs = r.abs();
    let other = den - r_abs;
    match r_abs.cmp(&other) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + away,
        std::cmp::Ordering::Equal => match mode {
            Rounding::HalfUp => q + away,
            Rounding::HalfEven if q % 2 == 0 => q,
            Rounding::HalfEven => q + away,
            Rounding::Down => q,
        },
    }
}

/// `num / den` as a fixed-point integer with `scale` decimals, by long division so that no
/// intermediate overflows however many decimals are asked for. `den` must be positive.
pub fn div_to_scale(num: i128, den: i128, scale: u32, mode: Rounding) -> Result<i128, Overflow> {
    assert!(den > 0, "div_to_scale needs a positive denominator");
    let negative = num < 0;
    let n = num.unsigned_abs();
    let d = den.unsigned_abs();
    let mut q: u128 = n / d;
    let mut r: u128 = n % d;
    for _ in 0..scale {
        // r < d; 10 × r overflows only for denominators beyond 3.4e37
        let t = r.checked_mul(10).ok_or(Overflow("a point value"))?;
        q = q.checked_mul(10).ok_or(Overflow("a point value"))?;
        q = q.checked_add(t / d).ok_or(Overflow("a point value"))?;
        r = t % d;
    }
    // round on the remainder r / d
    if r != 0 && mode != Rounding::Down {
        let other = d - r;
        let up = match r.cmp(&other) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => mode == Rounding::HalfUp || q % 2 == 1,
        };
        if up {
            q = q.checked_add(1).ok_or(Overflow("a point value"))?;
        }
    }
    let q = i128::try_from(q).map_err(|_| Overflow("a point value"))?;
    Ok(if negative { -q } else { q })
}

/// Formats a fixed-point integer with exactly `scale` decimals: `12345, 2` → `"123.45"`.
pub fn format_fixed(value: i128, scale: u32) -> String {
    let mut out = String::with_capacity(24);
    write_fixed(&mut out, value, scale);
    out
}

/// [`format_fixed`] appended to `out`, without an allocation (tables written a row at a time).
pub fn write_fixed(out: &mut String, value: i128, scale: u32) {
    // the digits, last first, into a buffer on the stack (u128::MAX has 39)
    let mut buf = [0u8; 40];
    let mut at = buf.len();
    let mut v = value.unsigned_abs();
    // 128-bit division is slow: the digits above 64 bits first, the rest in 64 bits
    while v > u128::from(u64::MAX) {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    let mut v = v as u64;
    loop {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let digits = std::str::from_utf8(&buf[at..]).expect("ASCII digits");
    let scale = scale as usize;
    if value < 0 {
        out.push('-');
    }
    if scale == 0 {
        out.push_str(digits);
    } else if digits.len() <= scale {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', scale - digits.len()));
        out.push_str(digits);
    } else {
        let (int, frac) = digits.split_at(digits.len() - scale);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    }
}

/// A point or money value (internal fixed point) as a short decimal for messages: 1234.5.
pub fn show(value: i128) -> String {
    Dec::new(value, SCALE).normalized().to_string()
}

/// A decimal number read from text: `mantissa × 10^-scale`. Used for config values
/// (rates, fixed values, point-value estimates) and for parsing decimal text columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dec {
    /// The digits, as an integer.
    pub mantissa: i128,
    /// How many of them are decimals.
    pub scale: u32,
}

/// Why a text is not a decimal the engine takes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotDecimal {
    /// Not a plain decimal.
    #[error("'{0}' is not a plain decimal number (expected digits with an optional sign and decimal point, e.g. 1234.5; no exponent, no separators)")]
    Syntax(String),
    /// More significant digits than are taken.
    #[error("'{0}' is too large: a decimal has at most {MAX_DIGITS} significant digits here")]
    TooLarge(String),
}

/// Significant digits a written decimal may have (what `rust_decimal` holds exactly).
pub const MAX_DIGITS: usize = 28;

/// Parses `[+-]digits[.digits]` (also `.5` and `5.`), surrounding blanks ignored; no exponent,
/// no underscores or separators, at most [`MAX_DIGITS`] significant digits. The scale is kept
/// as written ("1.50" has two decimals).
pub fn parse_decimal(text: &str) -> Result<Decimal, NotDecimal> {
    let s = text.trim();
    let syntax = || NotDecimal::Syntax(text.to_string());
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if (int.is_empty() && frac.is_empty()) || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(syntax());
    }
    let int = int.trim_start_matches('0');
    if int.len() + frac.len() > MAX_DIGITS {
        return Err(NotDecimal::TooLarge(text.to_string()));
    }
    let mantissa = int.bytes().chain(frac.bytes()).fold(0i128, |m, b| m * 10 + i128::from(b - b'0'));
    let scale = frac.len() as u32;
    Decimal::try_from_i128_with_scale(if negative { -mantissa } else { mantissa }, scale)
        .map_err(|_| NotDecimal::TooLarge(text.to_string()))
}

/// Serde for the decimals of config files: written as strings ("0.95") so that no binary float
/// ever holds them; bare integers are accepted; a bare float is refused.
pub mod decimal_text {
    use std::collections::BTreeMap;
    use std::fmt;

    use super::{parse_decimal, Decimal};

    /// A decimal as config files write it.
    struct Strict(Decimal);

    impl<'de> serde::Deserialize<'de> for Strict {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl serde::de::Visitor<'_> for V {
                type Value = Strict;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    // a bare float (`drug = 0.9`) is refused by serde with this text
                    f.write_str("a decimal written as a string (e.g. \"0.95\"), not a binary float")
                }
                fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Strict, E> {
                    parse_decimal(v).map(Strict).map_err(E::custom)
                }
                fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Strict, E> {
                    Ok(Strict(Decimal::from(v)))
                }
                fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Strict, E> {
                    Ok(Strict(Decimal::from(v)))
                }
            }
            d.deserialize_any(V)
        }
    }

    /// Writes the decimal as its text.
    pub fn serialize<S: serde::Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    /// Reads a decimal from its text, strictly.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        <Strict as serde::Deserialize>::deserialize(d).map(|s| s.0)
    }

    /// A decimal that may be left out by writing "".
    pub mod optional {
        use super::*;

        /// Writes an optional decimal ("" for none).
        pub fn serialize<S: serde::Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&v.map(|d| d.to_string()).unwrap_or_default())
        }

        /// Reads an optional decimal ("" for none).
        pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
            struct V;
            impl serde::de::Visitor<'_> for V {
                type Value = Option<Decimal>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a decimal written as a string (e.g. \"5\"), or \"\" for none")
                }
                fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Option<Decimal>, E> {
                    if v.trim().is_empty() {
                        return Ok(None);
                    }
                    parse_decimal(v).map(Some).map_err(E::custom)
                }
                fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Option<Decimal>, E> {
                    Ok(Some(Decimal::from(v)))
                }
                fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Option<Decimal>, E> {
                    Ok(Some(Decimal::from(v)))
                }
            }
            d.deserialize_any(V)
        }
    }

    /// Decimals keyed by name (regional shares, parameter values).
    pub mod map {
        use super::*;

        /// Writes a map of decimals as texts.
        pub fn serialize<S: serde::Serializer>(v: &BTreeMap<String, Decimal>, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(v.iter().map(|(k, d)| (k, d.to_string())))
        }

        /// Reads a map of decimals from texts.
        pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Decimal>, D::Error> {
            let m: BTreeMap<String, Strict> = serde::Deserialize::deserialize(d)?;
            Ok(m.into_iter().map(|(k, v)| (k, v.0)).collect())
        }
    }

    /// Maps of decimals keyed by name (a parameter's value per region).
    pub mod nested_map {
        use super::*;

        /// Reads a map of maps of decimals from texts.
        pub fn deserialize<'de, D: serde::Deserializer<'de>>(
            d: D,
        ) -> Result<BTreeMap<String, BTreeMap<String, Decimal>>, D::Error> {
            let m: BTreeMap<String, BTreeMap<String, Strict>> = serde::Deserialize::deserialize(d)?;
            Ok(m.into_iter().map(|(k, inner)| (k, inner.into_iter().map(|(r, v)| (r, v.0)).collect())).collect())
        }
    }
}

impl Dec {
    /// Zero.
    pub const ZERO: Dec = Dec { mantissa: 0, scale: 0 };

    /// `mantissa / 10^scale`.
    pub fn new(mantissa: i128, scale: u32) -> Self {
        Dec { mantissa, scale }
    }

    /// The value at `target` decimals, or `None` if digits would be lost or it overflows.
    pub fn rescale_exact(self, target: u32) -> Option<i128> {
        if target >= self.scale {
            self.mantissa.checked_mul(10i128.checked_pow(target - self.scale)?)
        } else {
            let f = 10i128.checked_pow(self.scale - target)?;
            (self.mantissa % f == 0).then_some(self.mantissa / f)
        }
    }

    /// The value at `target` decimals, rounded with `mode` if digits are lost.
    pub fn rescale_round(self, target: u32, mode: Rounding) -> Result<i128, Overflow> {
        if target >= self.scale {
            mul(self.mantissa, pow10(target - self.scale)?, "a decimal")
        } else {
            Ok(div_round(self.mantissa, pow10(self.scale - target)?, mode))
        }
    }

    /// Below zero.
    pub fn is_negative(self) -> bool {
        self.mantissa < 0
    }

    /// Above zero.
    pub fn is_positive(self) -> bool {
        self.mantissa > 0
    }

    /// Both values at the larger of their scales.
    pub fn aligned(self, other: Dec) -> Result<(i128, i128, u32), Overflow> {
        let scale = self.scale.max(other.scale);
        let a = mul(self.mantissa, pow10(scale - self.scale)?, "a decimal")?;
        let b = mul(other.mantissa, pow10(scale - other.scale)?, "a decimal")?;
        Ok((a, b, scale))
    }

    /// Exact sum.
    pub fn plus(self, other: Dec) -> Result<Dec, Overflow> {
        let (a, b, scale) = self.aligned(other)?;
        Ok(Dec::new(add(a, b, "a decimal sum")?, scale).normalized())
    }

    /// Exact difference.
    pub fn minus(self, other: Dec) -> Result<Dec, Overflow> {
        let (a, b, scale) = self.aligned(other)?;
        Ok(Dec::new(sub(a, b, "a decimal difference")?, scale).normalized())
    }

    /// Exact product.
    pub fn times(self, other: Dec) -> Result<Dec, Overflow> {
        Ok(Dec::new(mul(self.mantissa, other.mantissa, "a decimal product")?, self.scale + other.scale).normalized())
    }

    /// Exact comparison.
    pub fn cmp_exact(self, other: Dec) -> Result<std::cmp::Ordering, Overflow> {
        let (a, b, _) = self.aligned(other)?;
        Ok(a.cmp(&b))
    }

    /// Drops trailing zero decimals: 1.2500 → 1.25.
    pub fn normalized(self) -> Dec {
        let mut d = self;
        while d.scale > 0 && d.mantissa % 10 == 0 {
            d.mantissa /= 10;
            d.scale -= 1;
        }
        d
    }
}

impl From<Decimal> for Dec {
    fn from(d: Decimal) -> Self {
        Dec { mantissa: d.mantissa(), scale: d.scale() }
    }
}

impl FromStr for Dec {
    type Err = NotDecimal;

    /// Through [`parse_decimal`], the one parser of written decimals.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_decimal(text).map(Dec::from)
    }
}

impl fmt::Display for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_fixed(self.mantissa, self.scale))
    }
}

/// The currency unit money is paid in ("1" = whole NTD, "0.01" = yuan with fen).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MoneyUnit {
    /// The unit in internal fixed point (1/10,000): "1" → 10,000; "0.01" → 100.
    pub fixed: i128,
    /// Decimals money is written with: "1" → 0; "0.01" → 2.
    pub decimals: u32,
}

impl MoneyUnit {
    /// The whole unit (1).
    pub const WHOLE: MoneyUnit = MoneyUnit { fixed: ONE, decimals: 0 };

    /// A positive unit with at most 4 decimals.
    pub fn from_decimal(d: Decimal) -> Option<Self> {
        Self::from_dec(Dec::from(d))
    }

    /// A positive unit with at most 4 decimals.
    pub fn from_dec(d: Dec) -> Option<Self> {
        let d = d.normalized();
        let fixed = d.rescale_exact(SCALE)?;
        (fixed > 0).then_some(MoneyUnit { fixed, decimals: d.scale })
    }

    /// The unit as a decimal (0.01 for fen).
    pub fn as_dec(self) -> Dec {
        Dec::new(self.fixed, SCALE).normalized()
    }

    /// The unit as a `Decimal`.
    pub fn as_decimal(self) -> Decimal {
        Decimal::from_i128_with_scale(self.fixed, SCALE).normalize()
    }

    /// Rounds the exact amount `num / den` (in internal fixed point) to a multiple of the unit.
    pub fn round(self, num: i128, den: i128, mode: Rounding) -> Result<i128, Overflow> {
        let den = mul(den, self.fixed, "a money rounding")?;
        mul(div_round(num, den, mode), self.fixed, "a money amount")
    }

    /// Whether an internal fixed-point amount is a whole number of units.
    pub fn is_multiple(self, fixed: i128) -> bool {
        // checked on every claim row: a 64-bit remainder is several times cheaper than i128's
        match (i64::try_from(fixed), i64::try_from(self.fixed)) {
            (Ok(v), Ok(unit)) => v % unit == 0,
            _ => fixed % self.fixed == 0,
        }
    }

    /// A money amount (internal fixed point) at the unit's decimals, for output.
    pub fn to_output(self, fixed: i128) -> i128 {
        fixed / 10i128.pow(SCALE - self.decimals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_modes_on_ties_and_signs() {
        use Rounding::*;
        assert_eq!(div_round(5, 2, HalfUp), 3);
        assert_eq!(div_round(-5, 2, HalfUp), -3);
        assert_eq!(div_round(5, 2, HalfEven), 2);
        assert_eq!(div_round(7, 2, HalfEven), 4);
        assert_eq!(div_round(-7, 2, HalfEven), -4);
        assert_eq!(div_round(5, 2, Down), 2);
        assert_eq!(div_round(-5, 2, Down), -2);
        assert_eq!(div_round(7, 3, HalfUp), 2);
        assert_eq!(div_round(8, 3, HalfUp), 3);
        assert_eq!(div_round(8, -3, HalfUp), -3);
    }

    #[test]
    fn long_division_matches_and_does_not_overflow() {
        assert_eq!(div_to_scale(2, 3, 4, Rounding::HalfUp).unwrap(), 6667);
        assert_eq!(div_to_scale(2, 3, 4, Rounding::Down).unwrap(), 6666);
        assert_eq!(div_to_scale(-2, 3, 4, Rounding::HalfUp).unwrap(), -6667);
        assert_eq!(div_to_scale(1, 8, 2, Rounding::HalfEven).unwrap(), 12);
        assert_eq!(div_to_scale(3, 8, 2, Rounding::HalfEven).unwrap(), 38);
        // a numerator near the i128 limit with 18 decimals
        let big = i128::MAX / 3;
        assert!(div_to_scale(big, i128::MAX / 100, 18, Rounding::HalfEven).is_ok());
        assert!(div_to_scale(i128::MAX, 1, 1, Rounding::HalfEven).is_err());
    }

    #[test]
    fn parses_and_formats_decimals() {
        let d: Dec = "-0.00353".parse().unwrap();
        assert_eq!(d, Dec::new(-353, 5));
        assert_eq!(d.to_string(), "-0.00353");
        assert_eq!("12".parse::<Dec>().unwrap(), Dec::new(12, 0));
        assert_eq!(".5".parse::<Dec>().unwrap(), Dec::new(5, 1));
        for bad in ["", "-", ".", "1e3", "1,000", "1_000", "1.2.3", "abc", "NaN", "0x10", "1 000", "--1"] {
            assert!(matches!(bad.parse::<Dec>(), Err(NotDecimal::Syntax(_))), "{bad}");
        }
        // 28 significant digits are taken, 29 are too large; leading zeros do not count
        assert!(parse_decimal("1234567890123456789012345678").is_ok());
        assert!(parse_decimal("0000.1234567890123456789012345678").is_ok());
        let e = parse_decimal("12345678901234567890123456789").unwrap_err();
        assert_eq!(
            e.to_string(),
            "'12345678901234567890123456789' is too large: a decimal has at most 28 significant digits here"
        );
        assert_eq!(parse_decimal("1.50").unwrap().scale(), 2);
        assert_eq!(parse_decimal("+.5").unwrap(), Decimal::new(5, 1));
        assert_eq!(format_fixed(5, 3), "0.005");
        assert_eq!(format_fixed(-12345, 2), "-123.45");
        assert_eq!(format_fixed(7, 0), "7");
        assert_eq!(format_fixed(0, 2), "0.00");
        assert_eq!(format_fixed(i128::MIN, 0), i128::MIN.to_string());
        assert_eq!(format_fixed(i128::from(u64::MAX) + 1, 4), "1844674407370955.1616");
        let mut s = "x=".to_string();
        write_fixed(&mut s, -5, 3);
        assert_eq!(s, "x=-0.005");
    }

    #[test]
    fn exact_decimal_arithmetic() {
        let d = |s: &str| s.parse::<Dec>().unwrap();
        assert_eq!(d("1.00668").times(d("1.00336")).unwrap(), d("1.0100624448"));
        assert_eq!(d("0.1").plus(d("0.25")).unwrap(), d("0.35"));
        assert_eq!(d("1").minus(d("0.0222")).unwrap(), d("0.9778"));
        assert_eq!(d("0.50").cmp_exact(d("0.5")).unwrap(), std::cmp::Ordering::Equal);
    }

    #[test]
    fn money_units() {
        let fen = MoneyUnit::from_dec("0.01".parse().unwrap()).unwrap();
        assert_eq!((fen.fixed, fen.decimals), (100, 2));
        assert!(MoneyUnit::from_dec("0".parse().unwrap()).is_none());
        assert!(MoneyUnit::from_dec("0.00001".parse().unwrap()).is_none());
        let whole = MoneyUnit::WHOLE;
        // 2.5 NTD half-up → 3 NTD
        assert_eq!(whole.round(25_000, 1, Rounding::HalfUp).unwrap(), 30_000);
        assert_eq!(whole.to_output(30_000), 3);
        assert!(whole.is_multiple(20_000) && !whole.is_multiple(20_001));
    }
}
