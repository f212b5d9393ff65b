//! The columns a table must or may have (a [`Spec`] per column, of a [`Kind`]), found by name in
//! a file's header and checked for a type that holds the kind exactly.

use std::path::Path;

use arrow_schema::{DataType, Schema};

use crate::error::InputError;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Non-empty text (a key).
    Text,
    /// A label: text, or an integer in Parquet, read as its text (a hospital level, a year).
    Label,
    /// Points: exact, at most 4 decimals.
    Points,
    /// Money: exact, a multiple of the money unit.
    Money,
    /// `YYYY-MM` text or a date.
    Month,
    /// `YYYYQn` text.
    Quarter,
}

/// A column an input table must (or may) have.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

pub const fn required(name: &'static str, kind: Kind) -> Spec {
    Spec { name, kind, required: true }
}
pub const fn optional(name: &'static str, kind: Kind) -> Spec {
    Spec { name, kind, required: false }
}

/// The place of the column `name` in `specs`, at compile time (a misspelt name does not build):
/// so that a table's column indices follow its list of specs instead of being numbered by hand.
pub const fn at(specs: &[Spec], name: &str) -> usize {
    let mut i = 0;
    while i < specs.len() {
        let (a, b) = (specs[i].name.as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("no such column in the specs")
}

/// Finds each spec's column and checks that its type can hold the kind exactly.
pub(crate) fn bind(path: &Path, schema: &Schema, specs: &[Spec], csv: bool) -> Result<Vec<Option<usize>>, InputError> {
    specs
        .iter()
        .map(|spec| {
            // a column given twice is ambiguous: which one holds the values?
            let at: Vec<usize> =
                schema.fields().iter().enumerate().filter(|(_, f)| f.name() == spec.name).map(|(i, _)| i + 1).collect();
            if at.len() > 1 {
                let at: Vec<String> = at.iter().map(ToString::to_string).collect();
                return Err(InputError::column(
                    path,
                    spec.name,
                    format!(
                        "the column appears {} times (columns {}); keep one and remove or rename the others",
                        at.len(),
                        at.join(" and ")
                    ),
                ));
            }
            let Some((i, field)) = schema.column_with_name(spec.name) else {
                if spec.required {
                    let present: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                    // a table handed over in memory is a table, not a file
                    let whole = if crate::read::memory::lookup(path).is_some() { "table" } else { "file" };
                    let has = if present.is_empty() {
                        format!("the {whole} has no header row: it is empty")
                    } else {
                        format!("the {whole} has: {}", present.join(", "))
                    };
                    return Err(InputError::column(
                        path,
                        spec.name,
                        format!("required column is missing ({has}); add it or rename the column that holds it"),
                    ));
                }
                return Ok(None);
            };
            if !csv {
                check_type(spec, field.data_type()).map_err(|m| InputError::column(path, spec.name, m))?;
            }
            Ok(Some(i))
        })
        .collect()
}

fn is_text(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_text(v),
        _ => false,
    }
}

fn check_type(spec: &Spec, t: &DataType) -> Result<(), String> {
    let ok = match spec.kind {
        Kind::Text | Kind::Quarter => is_text(t),
        Kind::Label => is_text(t) || t.is_integer(),
        Kind::Month => is_text(t) || matches!(t, DataType::Date32 | DataType::Date64 | DataType::Timestamp(..)),
        Kind::Points | Kind::Money => {
            if matches!(t, DataType::Float16 | DataType::Float32 | DataType::Float64) {
                return Err(format!(
                    "is {t}, a binary floating-point type that cannot hold exact {what}; write it as DECIMAL(38,4) or an integer \
                     (DuckDB: CAST({name} AS DECIMAL(38,4)); pyarrow: pc.cast(col, pa.decimal128(38, 4)))",
                    what = if spec.kind == Kind::Money { "money" } else { "points" },
                    name = spec.name
                ));
            }
            if is_text(t) {
                return Err(format!(
                    "is text ({t}) but holds numbers; write it as DECIMAL(38,4) or an integer column (decimal text is accepted in CSV files only)"
                ));
            }
            t.is_integer() || matches!(t, DataType::Decimal32(..) | DataType::Decimal64(..) | DataType::Decimal128(..))
        }
    };
    if ok {
        Ok(())
    } else {
        let expected = match spec.kind {
            Kind::Text => "text",
            Kind::Label => "text or an integer",
            Kind::Quarter => "text YYYYQn",
            Kind::Month => "text YYYY-MM or a date",
            Kind::Points | Kind::Money => "an integer or DECIMAL",
        };
        let hint = match spec.kind {
            // a numeric code read as a number: cast it back to text
            Kind::Text if t.is_integer() => format!(
                " (DuckDB: CAST({name} AS VARCHAR); pyarrow: pc.cast(col, pa.string()); mind leading zeros a number has lost)",
                name = spec.name
            ),
            _ => String::new(),
        };
        Err(format!("has type {t}; expected {expected}{hint}"))
    }
}

#[cfg(test)]
mod tests {
    use arrow_schema::Field;

    use super::*;

    const SPECS: [Spec; 3] =
        [required("institution_id", Kind::Text), required("points", Kind::Points), optional("note", Kind::Text)];

    fn schema(fields: &[(&str, DataType)]) -> Schema {
        Schema::new(fields.iter().map(|(n, t)| Field::new(*n, t.clone(), true)).collect::<Vec<_>>())
    }

    fn refusal(fields: &[(&str, DataType)]) -> String {
        bind(Path::new("t.parquet"), &schema(fields), &SPECS, false).unwrap_err().to_string()
    }

    #[test]
    fn a_column_s_place_follows_the_specs() {
        const POINTS: usize = at(&SPECS, "points");
        assert_eq!((at(&SPECS, "institution_id"), POINTS, at(&SPECS, "note")), (0, 1, 2));
    }

    #[test]
    fn columns_are_found_by_name_and_optional_ones_may_be_absent() {
        let s = schema(&[("points", DataType::Decimal128(38, 4)), ("institution_id", DataType::Utf8)]);
        assert_eq!(bind(Path::new("t.parquet"), &s, &SPECS, false).unwrap(), [Some(1), Some(0), None]);
    }

    #[test]
    fn what_cannot_hold_the_kind_exactly_is_refused_with_the_fix() {
        let why = refusal(&[("institution_id", DataType::Utf8)]);
        assert!(
            why.contains("points") && why.contains("required column is missing (the file has: institution_id)"),
            "{why}"
        );
        let why = refusal(&[("institution_id", DataType::Utf8), ("points", DataType::Float64)]);
        assert!(why.contains("binary floating-point") && why.contains("DECIMAL(38,4)"), "{why}");
        let why = refusal(&[("institution_id", DataType::Int64), ("points", DataType::Int64)]);
        assert!(why.contains("expected text") && why.contains("leading zeros"), "{why}");
        let why =
            refusal(&[("institution_id", DataType::Utf8), ("points", DataType::Int64), ("points", DataType::Int64)]);
        assert!(why.contains("appears 2 times (columns 2 and 3)"), "{why}");
    }
}
