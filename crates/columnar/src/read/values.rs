//! A batch's columns turned into exact values: numbers as integers at the internal scale
//! (4 decimals), months and quarters parsed once per distinct text, money checked against the
//! unit. Each refusal names the row.

use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::Array;
use arrow_schema::{DataType, TimeUnit};
use dianzhi_core::number::{Dec, MoneyUnit, SCALE};
use dianzhi_core::period::{Month, Quarter};

use super::intern::{each_text_id, Interner};
use super::scan::Batch;
use super::schema::Spec;
use crate::error::{InputError, Place};

/// An error at a cell of a batch.
pub fn cell_error(path: &Path, batch: &Batch, spec: &Spec, i: usize, message: impl Into<String>) -> InputError {
    InputError {
        file: path.to_path_buf(),
        place: Place::Cell { column: spec.name.to_string(), row: batch.row(i), csv: batch.is_csv() },
        message: message.into(),
    }
}

/// Appends the values of an integer or decimal array to `out` as exact i128 (a decimal's
/// mantissa, at its own scale); false, appending nothing, for any other type.
pub fn mantissas(a: &dyn Array, out: &mut Vec<i128>) -> bool {
    fn widen<T: ArrowPrimitiveType>(a: &dyn Array, out: &mut Vec<i128>)
    where
        i128: From<T::Native>,
    {
        out.extend(a.as_primitive::<T>().values().iter().map(|v| i128::from(*v)));
    }
    match a.data_type() {
        DataType::Decimal128(..) => out.extend_from_slice(a.as_primitive::<Decimal128Type>().values()),
        DataType::Decimal64(..) => widen::<Decimal64Type>(a, out),
        DataType::Decimal32(..) => widen::<Decimal32Type>(a, out),
        DataType::Int8 => widen::<Int8Type>(a, out),
        DataType::Int16 => widen::<Int16Type>(a, out),
        DataType::Int32 => widen::<Int32Type>(a, out),
        DataType::Int64 => widen::<Int64Type>(a, out),
        DataType::UInt8 => widen::<UInt8Type>(a, out),
        DataType::UInt16 => widen::<UInt16Type>(a, out),
        DataType::UInt32 => widen::<UInt32Type>(a, out),
        DataType::UInt64 => widen::<UInt64Type>(a, out),
        _ => return false,
    }
    true
}

/// Exact values at internal scale (4 decimals) per row, nulls as 0 (callers that must tell a
/// null from 0 ask the array): the array's own values when they are DECIMAL(_, 4) without
/// nulls, else converted into `out`. `Err((row index, message))` for a value that is not
/// exact at 4 decimals.
pub fn fixed_values<'a>(array: &'a dyn Array, out: &'a mut Vec<i128>) -> Result<&'a [i128], (usize, String)> {
    if let (DataType::Decimal128(_, 4), 0) = (array.data_type(), array.null_count()) {
        return Ok(array.as_primitive::<Decimal128Type>().values());
    }
    out.clear();
    out.reserve(array.len());
    match array.data_type() {
        // integers are whole: × 10^4
        t if t.is_integer() => {
            mantissas(array, out);
            out.iter_mut().for_each(|v| *v *= 10_000);
        }
        DataType::Decimal32(_, s) | DataType::Decimal64(_, s) | DataType::Decimal128(_, s) => {
            mantissas(array, out);
            let scale = (*s).max(0) as u32;
            if scale != SCALE {
                for (i, m) in out.iter_mut().enumerate() {
                    let d = Dec::new(*m, scale);
                    *m = d.rescale_exact(SCALE).ok_or_else(|| {
                        // fewer decimals can only fail by overflowing; more only by losing digits
                        let why = if scale > SCALE {
                            "has more than 4 decimals".to_string()
                        } else {
                            format!(
                                "is too large: the engine holds at most {} digits before the decimal point",
                                38 - SCALE
                            )
                        };
                        (i, format!("{d} {why}"))
                    })?;
                }
            }
        }
        DataType::Utf8 => {
            for (i, v) in array.as_string::<i32>().iter().enumerate() {
                out.push(match v {
                    None => 0,
                    Some(text) => {
                        let d: Dec = text.parse().map_err(|e: dianzhi_core::number::NotDecimal| (i, e.to_string()))?;
                        d.rescale_exact(SCALE).ok_or_else(|| (i, format!("{text} has more than 4 decimals")))?
                    }
                });
            }
        }
        t => unreachable!("number column of type {t} passed the schema check"),
    }
    if array.null_count() > 0 {
        // the slot under a null may hold anything; nulls count as 0
        out.iter_mut().enumerate().filter(|(i, _)| array.is_null(*i)).for_each(|(_, v)| *v = 0);
    }
    Ok(out)
}

/// The values of a number column at internal scale in 64 bits, when the column allows it
/// without a null: its own buffer for DECIMAL(≤ 18, 4), integers × 10^4 (checked) into `out`.
/// `None` sends the batch to [`fixed_values`].
pub fn narrow_values<'a>(array: &'a dyn Array, out: &'a mut Vec<i64>) -> Option<&'a [i64]> {
    if array.null_count() > 0 {
        return None;
    }
    let scaled = |out: &'a mut Vec<i64>, values: &mut dyn Iterator<Item = i64>| {
        out.clear();
        for v in values {
            out.push(v.checked_mul(10_000)?);
        }
        Some(&out[..])
    };
    match array.data_type() {
        DataType::Decimal64(_, 4) => Some(array.as_primitive::<Decimal64Type>().values()),
        DataType::Int64 => scaled(out, &mut array.as_primitive::<Int64Type>().values().iter().copied()),
        DataType::Int32 => scaled(out, &mut array.as_primitive::<Int32Type>().values().iter().map(|v| i64::from(*v))),
        _ => None,
    }
}

/// The first null row of a column, if any.
pub fn first_null(array: &dyn Array) -> Option<usize> {
    (array.null_count() > 0).then(|| (0..array.len()).find(|i| array.is_null(*i))).flatten()
}

/// Months per row into `out` (cleared first); text months are parsed once per distinct value.
/// `column` keys the dictionary cache.
pub fn month_values(
    array: &dyn Array,
    column: usize,
    interner: &mut Interner,
    parsed: &mut Vec<Option<Month>>,
    out: &mut Vec<Option<Month>>,
) -> Result<(), (usize, String)> {
    let from_days = |days: Option<i64>| days.map(Month::from_epoch_days);
    let per_day = |unit: &TimeUnit| match unit {
        TimeUnit::Second => 86_400i64,
        TimeUnit::Millisecond => 86_400_000,
        TimeUnit::Microsecond => 86_400_000_000,
        TimeUnit::Nanosecond => 86_400_000_000_000,
    };
    out.clear();
    match array.data_type() {
        DataType::Date32 => out.extend(array.as_primitive::<Date32Type>().iter().map(|d| from_days(d.map(i64::from)))),
        DataType::Date64 => out.extend(
            array.as_primitive::<Date64Type>().iter().map(|d| from_days(d.map(|ms| ms.div_euclid(86_400_000)))),
        ),
        // an instant in a zone is placed in that zone's calendar (2026-04-01 00:30 in Taipei is
        // April there, though March in UTC); a naive timestamp is wall-clock time as written
        DataType::Timestamp(unit, Some(zone)) => {
            let zone = Zone::parse(zone).map_err(|m| (0, m))?;
            let per_second = per_day(unit) / 86_400;
            let day = |t: Option<i64>| from_days(t.map(|t| zone.local_days(t.div_euclid(per_second))));
            match unit {
                TimeUnit::Second => out.extend(array.as_primitive::<TimestampSecondType>().iter().map(day)),
                TimeUnit::Millisecond => out.extend(array.as_primitive::<TimestampMillisecondType>().iter().map(day)),
                TimeUnit::Microsecond => out.extend(array.as_primitive::<TimestampMicrosecondType>().iter().map(day)),
                TimeUnit::Nanosecond => out.extend(array.as_primitive::<TimestampNanosecondType>().iter().map(day)),
            }
        }
        DataType::Timestamp(unit, None) => {
            let per = per_day(unit);
            let day = |t: Option<i64>| from_days(t.map(|t| t.div_euclid(per)));
            match unit {
                TimeUnit::Second => out.extend(array.as_primitive::<TimestampSecondType>().iter().map(day)),
                TimeUnit::Millisecond => out.extend(array.as_primitive::<TimestampMillisecondType>().iter().map(day)),
                TimeUnit::Microsecond => out.extend(array.as_primitive::<TimestampMicrosecondType>().iter().map(day)),
                TimeUnit::Nanosecond => out.extend(array.as_primitive::<TimestampNanosecondType>().iter().map(day)),
            }
        }
        _ => parsed_text(
            array,
            column,
            interner,
            parsed,
            |s| Month::from_month_or_date(s).map_err(|e| e.to_string()),
            out,
        )?,
    }
    Ok(())
}

/// The zone of a zoned timestamp column: an IANA name (Asia/Taipei) or a fixed offset (+08:00).
enum Zone {
    Named(chrono_tz::Tz),
    Fixed(chrono::FixedOffset),
}

impl Zone {
    fn parse(text: &str) -> Result<Zone, String> {
        if let Ok(tz) = text.parse::<chrono_tz::Tz>() {
            return Ok(Zone::Named(tz));
        }
        let offset = |t: &str| -> Option<chrono::FixedOffset> {
            let (sign, rest) = match t.as_bytes().first()? {
                b'+' => (1, &t[1..]),
                b'-' => (-1, &t[1..]),
                _ => return None,
            };
            let (h, m) = rest.split_once(':').unwrap_or((rest.get(..2)?, rest.get(2..).unwrap_or("0")));
            let seconds = h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().ok()? * 60;
            chrono::FixedOffset::east_opt(sign * seconds)
        };
        offset(text).map(Zone::Fixed).ok_or_else(|| {
            format!(
                "the timestamps' zone '{text}' is neither a time zone name (e.g. Asia/Taipei) nor an offset (+08:00)"
            )
        })
    }

    /// Days since 1970-01-01 of the local date of an instant (seconds since the epoch, UTC).
    fn local_days(&self, seconds: i64) -> i64 {
        use chrono::{NaiveDate, TimeZone};
        let utc = chrono::DateTime::from_timestamp(seconds, 0).unwrap_or_default().naive_utc();
        let date = match self {
            Zone::Named(tz) => tz.from_utc_datetime(&utc).date_naive(),
            Zone::Fixed(o) => o.from_utc_datetime(&utc).date_naive(),
        };
        (date - NaiveDate::from_ymd_opt(1970, 1, 1).expect("the epoch")).num_days()
    }
}

/// Quarters per row from `YYYYQn` text into `out` (cleared first), parsed once per distinct value.
pub fn quarter_values(
    array: &dyn Array,
    column: usize,
    interner: &mut Interner,
    parsed: &mut Vec<Option<Quarter>>,
    out: &mut Vec<Option<Quarter>>,
) -> Result<(), (usize, String)> {
    out.clear();
    out.reserve(array.len());
    each_text_id(array, interner, column, |interner, i, id| {
        let Some(id) = id.map(|id| id as usize) else {
            out.push(None);
            return Ok(());
        };
        if parsed.len() <= id {
            parsed.resize(interner.names.len(), None);
        }
        // a blank text (texts are trimmed) is an empty cell, as in CSV: the quarter of service_month
        if parsed[id].is_none() && !interner.names[id].is_empty() {
            parsed[id] = Some(interner.names[id].parse::<Quarter>().map_err(|e| (i, e.to_string()))?);
        }
        out.push(parsed[id]);
        Ok(())
    })
    .map(|_| ())
}

/// Parses a text column through the interner into `out`, caching the parse of each distinct value.
fn parsed_text<T: Copy>(
    array: &dyn Array,
    column: usize,
    interner: &mut Interner,
    cache: &mut Vec<Option<T>>,
    parse: impl Fn(&str) -> Result<T, String>,
    out: &mut Vec<Option<T>>,
) -> Result<(), (usize, String)> {
    out.reserve(array.len());
    each_text_id(array, interner, column, |interner, i, id| {
        let Some(id) = id else {
            out.push(None);
            return Ok(());
        };
        let id = id as usize;
        if cache.len() <= id {
            cache.resize(interner.names.len(), None);
        }
        if cache[id].is_none() {
            cache[id] = Some(parse(&interner.names[id]).map_err(|e| (i, e))?);
        }
        out.push(cache[id]);
        Ok(())
    })?;
    Ok(())
}

/// Checks a money value (internal scale) is a multiple of the unit.
pub fn check_money(value: i128, unit: MoneyUnit) -> Result<(), String> {
    if unit.is_multiple(value) {
        Ok(())
    } else {
        Err(format!(
            "{} is not a multiple of the money unit {}; round the amount to the unit or set [money] unit in the config",
            dianzhi_core::number::show(value),
            unit.as_dec()
        ))
    }
}

#[cfg(test)]
mod tests {
    use arrow_array::{Date32Array, Decimal128Array, DictionaryArray, Int32Array, Int64Array, StringArray};

    use super::*;

    fn decimals(values: &[i128], scale: i8) -> Decimal128Array {
        Decimal128Array::from(values.to_vec()).with_precision_and_scale(38, scale).unwrap()
    }

    #[test]
    fn numbers_become_integers_at_four_decimals() {
        let mut out = Vec::new();
        // DECIMAL(_, 4) is taken as it is; other scales and integers are rescaled exactly
        assert_eq!(fixed_values(&decimals(&[12_345, -1], 4), &mut out).unwrap(), [12_345, -1]);
        assert_eq!(fixed_values(&decimals(&[125, 0], 2), &mut out).unwrap(), [12_500, 0]);
        assert_eq!(fixed_values(&decimals(&[1_234_500], 6), &mut out).unwrap(), [12_345]);
        assert_eq!(fixed_values(&Int64Array::from(vec![3, -2]), &mut out).unwrap(), [30_000, -20_000]);
        assert_eq!(fixed_values(&StringArray::from(vec![Some("1.5"), None]), &mut out).unwrap(), [15_000, 0]);
        // a fifth decimal is refused, naming the row
        let (row, why) = fixed_values(&decimals(&[1_000_000, 1_234_567], 6), &mut out).unwrap_err();
        assert_eq!(row, 1);
        assert!(why.contains("1.234567 has more than 4 decimals"), "{why}");
        let (row, why) = fixed_values(&StringArray::from(vec!["0.00001"]), &mut out).unwrap_err();
        assert_eq!((row, why.as_str()), (0, "0.00001 has more than 4 decimals"));
    }

    #[test]
    fn narrow_values_only_without_nulls() {
        let mut out = Vec::new();
        assert_eq!(narrow_values(&Int32Array::from(vec![7]), &mut out), Some(&[70_000i64][..]));
        assert_eq!(narrow_values(&Int64Array::from(vec![Some(1), None]), &mut out), None);
        assert_eq!(narrow_values(&Int64Array::from(vec![i64::MAX]), &mut out), None, "overflow goes wide");
    }

    #[test]
    fn months_from_text_and_dates_parsed_once_per_text() {
        let (mut interner, mut parsed, mut out) = (Interner::default(), Vec::new(), Vec::new());
        let texts: DictionaryArray<arrow_array::types::Int32Type> =
            vec![Some("2026-03"), Some("2026-03"), None].into_iter().collect();
        month_values(&texts, 0, &mut interner, &mut parsed, &mut out).unwrap();
        let march: Month = "2026-03".parse().unwrap();
        assert_eq!(out, [Some(march), Some(march), None]);
        // 2026-03-15 as days since 1970-01-01
        month_values(&Date32Array::from(vec![20_527]), 1, &mut interner, &mut parsed, &mut out).unwrap();
        assert_eq!(out, [Some(march)]);
        let (row, why) =
            month_values(&StringArray::from(vec!["2026-03", "2026-13"]), 2, &mut interner, &mut parsed, &mut out)
                .unwrap_err();
        assert_eq!(row, 1);
        assert!(why.contains("2026-13"), "{why}");
    }

    #[test]
    fn money_is_a_multiple_of_the_unit() {
        let cents = MoneyUnit::from_dec(Dec::new(1, 2)).unwrap();
        assert!(check_money(12_300, cents).is_ok());
        let why = check_money(12_345, cents).unwrap_err();
        assert!(why.contains("1.2345 is not a multiple of the money unit 0.01"), "{why}");
    }
}
