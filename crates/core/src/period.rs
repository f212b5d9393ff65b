//! Calendar months (`YYYY-MM`) and quarters (`YYYYQn`): the two time axes of a clearing.

use std::fmt;
use std::str::FromStr;

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    /// The year.
    pub year: i32,
    /// The month, 1–12.
    pub month: u8,
}

/// A calendar quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    /// The year.
    pub year: i32,
    /// The quarter, 1–4.
    pub q: u8,
}

/// Why a text is not a month or a quarter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// Not YYYY-MM.
    #[error("'{0}' is not a month: expected YYYY-MM, e.g. 2026-01")]
    Month(String),
    /// Not a month or a date.
    #[error("'{0}' is not a month or a date: expected YYYY-MM (2026-01) or YYYY-MM-DD (2026-01-15)")]
    MonthOrDate(String),
    /// Not YYYYQn.
    #[error("'{0}' is not a quarter: expected YYYYQn, e.g. 2026Q1")]
    Quarter(String),
}

fn four_digit_year(s: &str) -> Option<i32> {
    (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

impl Month {
    /// The month, if `month` is 1–12.
    pub fn new(year: i32, month: u8) -> Option<Self> {
        (1..=12).contains(&month).then_some(Month { year, month })
    }

    /// The quarter the month is in.
    pub fn quarter(self) -> Quarter {
        Quarter { year: self.year, q: (self.month - 1) / 3 + 1 }
    }

    /// The month `n` months earlier.
    pub fn minus(self, n: u32) -> Month {
        let index = self.year * 12 + i32::from(self.month) - 1 - n as i32;
        Month { year: index.div_euclid(12), month: (index.rem_euclid(12) + 1) as u8 }
    }

    /// The month of `YYYY-MM` text or of a `YYYY-MM-DD` date (a real day of that month).
    pub fn from_month_or_date(s: &str) -> Result<Month, PeriodError> {
        let bad = || PeriodError::MonthOrDate(s.to_string());
        if s.len() == 7 {
            return s.parse().map_err(|_| bad());
        }
        let (month, rest) = s.split_at_checked(7).ok_or_else(bad)?;
        let month: Month = month.parse().map_err(|_| bad())?;
        // a timestamp (a CSV export's, an Excel date-time cell's) counts by its date as written:
        // a zoned one in its own zone's calendar, as a Parquet timestamp does
        let (day, time) = rest.split_at_checked(3).ok_or_else(bad)?;
        if !time.is_empty() && !time_of_day(time) {
            return Err(bad());
        }
        let day =
            day.strip_prefix('-').filter(|d| d.len() == 2 && d.bytes().all(|b| b.is_ascii_digit())).ok_or_else(bad)?;
        let day: u8 = day.parse().map_err(|_| bad())?;
        (1..=month.days()).contains(&day).then_some(month).ok_or_else(bad)
    }

    /// Days in the month.
    pub fn days(self) -> u8 {
        match self.month {
            2 if self.year % 4 == 0 && (self.year % 100 != 0 || self.year % 400 == 0) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    /// Month from days since 1970-01-01 (an Arrow/Parquet `Date32`).
    pub fn from_epoch_days(days: i64) -> Month {
        // civil-from-days (Howard Hinnant), enough for the month
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        Month { year: y as i32, month: m as u8 }
    }
}

/// Whether `t` is the time part of an ISO timestamp after its date: `T` or a space, `HH:MM`,
/// optional `:SS` with optional fraction, optional zone `Z`, `±HH:MM` or `±HHMM`.
fn time_of_day(t: &str) -> bool {
    let Some(t) = t.strip_prefix(['T', ' ']) else { return false };
    let two = |s: &str, max: u8| {
        s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u8>().is_ok_and(|v| v <= max)
    };
    let (clock, zone) = match t.find(['Z', '+', '-']) {
        Some(at) => t.split_at(at),
        None => (t, ""),
    };
    let zone_ok = match zone {
        "" | "Z" => true,
        z => {
            let z = &z[1..];
            let (h, m) = z.split_once(':').unwrap_or_else(|| z.split_at(z.len().min(2)));
            two(h, 23) && (m.is_empty() || two(m, 59))
        }
    };
    let mut parts = clock.split(':');
    let (Some(h), Some(m)) = (parts.next(), parts.next()) else { return false };
    let seconds_ok = match parts.next() {
        None => true,
        Some(sec) => {
            let (whole, frac) = sec.split_once('.').unwrap_or((sec, "0"));
            two(whole, 60) && !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit())
        }
    };
    zone_ok && two(h, 23) && two(m, 59) && seconds_ok && parts.next().is_none()
}

impl FromStr for Month {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || PeriodError::Month(s.to_string());
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        let year = four_digit_year(y).ok_or_else(bad)?;
        if m.len() != 2 || !m.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        Month::new(year, m.parse().map_err(|_| bad())?).ok_or_else(bad)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Quarter {
    /// The quarter, if `q` is 1–4.
    pub fn new(year: i32, q: u8) -> Option<Self> {
        (1..=4).contains(&q).then_some(Quarter { year, q })
    }

    /// The three months of the quarter.
    pub fn months(self) -> [Month; 3] {
        let first = (self.q - 1) * 3 + 1;
        [0, 1, 2].map(|i| Month { year: self.year, month: first + i })
    }
}

impl FromStr for Quarter {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || PeriodError::Quarter(s.to_string());
        let (y, q) = s.split_once('Q').ok_or_else(bad)?;
        let year = four_digit_year(y).ok_or_else(bad)?;
        if q.len() != 1 {
            return Err(bad());
        }
        Quarter::new(year, q.parse().map_err(|_| bad())?).ok_or_else(bad)
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}Q{}", self.year, self.q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_quarters_parse_strictly() {
        let m: Month = "2026-05".parse().unwrap();
        assert_eq!(m.quarter().to_string(), "2026Q2");
        for bad in ["2026-5", "2026-13", "2026-00", "26-05", "2026/05", "2026-05-01", ""] {
            assert!(bad.parse::<Month>().is_err(), "{bad}");
        }
        assert_eq!("2026Q4".parse::<Quarter>().unwrap(), Quarter::new(2026, 4).unwrap());
        for bad in ["2026Q5", "2026Q0", "2026-Q1", "2026q1", "Q1"] {
            assert!(bad.parse::<Quarter>().is_err(), "{bad}");
        }
    }

    #[test]
    fn months_from_date_text() {
        assert_eq!(Month::from_month_or_date("2025-01-15").unwrap().to_string(), "2025-01");
        assert_eq!(Month::from_month_or_date("2024-02-29").unwrap().to_string(), "2024-02");
        assert_eq!(Month::from_month_or_date("2025-03").unwrap().to_string(), "2025-03");
        // timestamps, as CSV exports and Excel date-time cells write them: by their date
        for ts in [
            "2025-01-31 23:59:59",
            "2025-01-31T23:59",
            "2025-01-31T23:59:59.123456",
            "2025-01-31T23:30:00+08:00",
            "2025-01-31T23:30:00Z",
            "2025-01-31 08:00:00-0500",
        ] {
            assert_eq!(Month::from_month_or_date(ts).unwrap().to_string(), "2025-01", "{ts}");
        }
        for bad in [
            "2025-02-29",
            "2025-04-31",
            "2025-01-00",
            "2025-01-5",
            "2025-01-15T00",
            "2025-13-01",
            "2025/01/15",
            "2025-01-15T24:00",
            "2025-01-15 10:61",
            "2025-01-15T10:00:00+25:00",
            "2025-01-15x10:00",
            "2025-01-15T10:00:00.",
        ] {
            assert!(Month::from_month_or_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn month_arithmetic_and_dates() {
        let m: Month = "2026-02".parse().unwrap();
        assert_eq!(m.minus(3).to_string(), "2025-11");
        assert_eq!(Month::from_epoch_days(0).to_string(), "1970-01");
        // 2024-02-29 is day 19782
        assert_eq!(Month::from_epoch_days(19_782).to_string(), "2024-02");
        assert_eq!(Month::from_epoch_days(-1).to_string(), "1969-12");
    }
}
