//! Excel workbooks out (`dianzhi export`): an `about` sheet listing the tables, then a sheet per
//! table, numbers as numbers where a double holds them exactly, codes and labels as text.

use std::path::{Path, PathBuf};

use crate::error::InputError;
use crate::read::text_table::TextTable;

/// Characters an Excel cell holds.
const CELL_CHARS: usize = 32_767;

/// Rows a sheet holds below its header.
pub const SHEET_ROWS: usize = 1_048_575;

/// Columns that name things besides the keys: written as text, as the keys are, even when they
/// look like numbers (a provider code 0310000001 keeps its zero, a year stays a label).
const LABELS: [&str; 5] = ["service_month", "kind", "type", "status", "flag"];

/// A table to export: read whole, or known only by its row count (too long for a sheet).
pub enum Listed {
    Table(TextTable),
    TooLong { rows: usize, path: PathBuf },
}

/// What `export` wrote of one table.
pub struct Exported {
    pub table: String,
    pub rows: usize,
    /// Whether it has a sheet (a table longer than a sheet is only listed).
    pub sheet: bool,
}

/// The decimals of a plain decimal text (`-12.340` → 3), or `None` when it is no number.
fn decimals(text: &str) -> Option<usize> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let ok = !int.is_empty() && int.bytes().all(|b| b.is_ascii_digit()) && frac.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(frac.len())
}

/// The double a decimal text is, when the double holds it exactly enough to print back as the
/// same text at its decimals (at most 15 significant digits: every such decimal round-trips).
fn exact_double(text: &str) -> Option<f64> {
    let scale = decimals(text)?;
    let significant = text.bytes().filter(u8::is_ascii_digit).skip_while(|b| *b == b'0').count();
    if significant > 15 {
        return None;
    }
    let v: f64 = text.parse().ok()?;
    (format!("{v:.scale$}") == text
        || (v == 0.0 && text.trim_start_matches('-').bytes().all(|b| b == b'0' || b == b'.')))
    .then_some(v)
}

/// A column's label for people, by its name (`None`: the name alone heads the column).
pub type Labels<'a> = &'a dyn Fn(&str) -> Option<&'a str>;

/// Writes `tables` as one workbook at `path`: a first sheet `about` listing every table (its
/// rows, and whether it has a sheet), then a sheet per table that fits, its header frozen. A
/// column whose every value a double holds exactly is written as numbers, formatted at the
/// column's decimals; any other column (pv_exact's 18 decimals, codes, labels) as text.
///
/// With `labels`, every sheet has two header rows: the columns' labels (Chinese, say), then
/// their names — the names scripts read the sheet by (`header=1` in pandas) and the filter's row.
pub fn export(
    tables: &[(String, Listed)],
    path: &Path,
    labels: Option<Labels>,
) -> Result<Vec<Exported>, crate::error::Error> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| crate::error::Error::Output {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut book = Workbook::new();
    // the same tables make the same bytes: no clock in the document's properties
    let epoch = rust_xlsxwriter::ExcelDateTime::from_ymd(2000, 1, 1).map_err(fail)?;
    book.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&epoch));
    let bold = Format::new().set_bold();
    let name_format = Format::new().set_font_color(rust_xlsxwriter::Color::RGB(0x52606d)).set_font_size(9);
    // the header rows: the labels' (when given) and the names'; the rows below them
    let top = u32::from(labels.is_some());
    let first = top + 1;
    let capacity = SHEET_ROWS - top as usize;
    let header = |sheet: &mut rust_xlsxwriter::Worksheet, names: &[&str]| -> Result<(), rust_xlsxwriter::XlsxError> {
        for (c, h) in names.iter().enumerate() {
            if let Some(label) = labels {
                sheet.write_string_with_format(0, c as u16, label(h).unwrap_or(h), &bold)?;
                sheet.write_string_with_format(top, c as u16, *h, &name_format)?;
            } else {
                sheet.write_string_with_format(0, c as u16, *h, &bold)?;
            }
        }
        sheet.set_freeze_panes(first, 0)?;
        Ok(())
    };
    let mut listed = Vec::new();
    let about = book.add_worksheet();
    about.set_name("about").map_err(fail)?;
    header(about, &["table", "rows", "sheet", "file"]).map_err(fail)?;
    for (i, (name, t)) in tables.iter().enumerate() {
        let (rows, file, fits) = match t {
            Listed::Table(t) => (t.rows(), &t.path, t.rows() <= capacity),
            Listed::TooLong { rows, path } => (*rows, path, false),
        };
        let r = i as u32 + first;
        about.write_string(r, 0, name).map_err(fail)?;
        about.write_number(r, 1, rows as f64).map_err(fail)?;
        about
            .write_string(r, 2, if fits { name.as_str() } else { "too many rows for a sheet: read the file" })
            .map_err(fail)?;
        about.write_string(r, 3, file.display().to_string()).map_err(fail)?;
        listed.push(Exported { table: name.clone(), rows, sheet: fits });
    }
    let sheets = tables.iter().filter_map(|(name, t)| match t {
        Listed::Table(t) if t.rows() <= capacity => Some((name, t)),
        _ => None,
    });
    for (name, t) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(name.chars().take(31).collect::<String>()).map_err(fail)?;
        let names: Vec<&str> = t.names.iter().map(String::as_str).collect();
        header(sheet, &names).map_err(fail)?;
        // a filter on every header (the names' row), over the rows
        if !t.names.is_empty() {
            sheet.autofilter(top, 0, t.rows() as u32 + top, t.names.len() as u16 - 1).map_err(fail)?;
        }
        for (c, (h, values)) in t.names.iter().zip(&t.columns).enumerate() {
            let numeric = !(super::KEY_COLUMNS.contains(&h.as_str()) || LABELS.contains(&h.as_str()))
                && values.iter().flatten().next().is_some()
                && values.iter().flatten().all(|v| exact_double(v).is_some());
            let scale = values.iter().flatten().filter_map(|v| decimals(v)).max().unwrap_or(0);
            // thousands separated, at the column's decimals (a year or a code is no number here)
            let format = Format::new().set_num_format(if scale == 0 {
                "#,##0".to_string()
            } else {
                format!("#,##0.{}", "0".repeat(scale))
            });
            let label_width = labels.and_then(|l| l(h)).map_or(0.0, |l| width(l, values, numeric));
            sheet.set_column_width(c as u16, width(h, values, numeric).max(label_width)).map_err(fail)?;
            for (r, v) in values.iter().enumerate() {
                let Some(v) = v else { continue };
                let row = r as u32 + first;
                if numeric {
                    sheet
                        .write_number_with_format(row, c as u16, exact_double(v).expect("checked"), &format)
                        .map_err(fail)?;
                } else {
                    if v.chars().count() > CELL_CHARS {
                        return Err(crate::error::Error::Input(InputError::file(
                            &t.path,
                            format!(
                                "table {name}, row {}, column {h}: a text of {} characters is more than an Excel cell holds ({CELL_CHARS}); read that table from its file",
                                r + 1,
                                v.chars().count()
                            ),
                        )));
                    }
                    sheet.write_string(row, c as u16, v).map_err(fail)?;
                }
            }
        }
    }
    book.save(path).map_err(fail)?;
    Ok(listed)
}

/// A column's width in Excel's units (characters of the default font) from its header and
/// its longest value (a number as shown, with its thousands separators; a Chinese character
/// counts two), between 6 and 60, plus room for the filter button.
fn width(header: &str, values: &[Option<String>], numeric: bool) -> f64 {
    let shown = |v: &str| -> usize {
        let chars: usize = v.chars().map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 }).sum();
        if numeric {
            // a separator every three digits before the point
            let int = v.trim_start_matches('-').split('.').next().unwrap_or("").len();
            chars + int.saturating_sub(1) / 3
        } else {
            chars
        }
    };
    let longest = values.iter().flatten().map(|v| shown(v)).max().unwrap_or(0).max(shown(header) + 3);
    (longest as f64 + 1.0).clamp(6.0, 60.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decimal_is_a_number_only_when_a_double_holds_it() {
        assert_eq!(exact_double("1206553215.00"), Some(1206553215.0));
        assert_eq!(exact_double("0.1"), Some(0.1));
        assert_eq!(exact_double("-0.0500"), Some(-0.05));
        assert_eq!(exact_double("9.821428571428571429"), None, "18 decimals are text");
        assert_eq!(exact_double("123456789012345.67"), None, "17 significant digits are text");
        assert_eq!(exact_double("H0100023"), None);
        assert_eq!(exact_double("1e5"), None);
    }

    /// The XML of a part of a workbook.
    fn part(path: &Path, name: &str) -> String {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
        let mut text = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut text).unwrap();
        text
    }

    #[test]
    fn sheets_have_filters_widths_and_thousands_separators() {
        let dir = tempfile::tempdir().unwrap();
        let cell = |s: &str| Some(s.to_string());
        let table = TextTable {
            path: dir.path().join("point_values.csv"),
            names: vec!["region".into(), "year".into(), "budget".into(), "rows".into()],
            columns: vec![
                vec![cell("济南"), cell("青岛")],
                vec![cell("2026"), cell("2026")],
                vec![cell("1206553215.10"), cell("5.00")],
                vec![cell("12000"), cell("7")],
            ],
        };
        let book = dir.path().join("out.xlsx");
        export(&[("point_values".into(), Listed::Table(table))], &book, None).unwrap();
        let sheet = part(&book, "xl/worksheets/sheet2.xml");
        assert!(sheet.contains("<autoFilter ref=\"A1:D3\"/>"), "{sheet}");
        assert!(sheet.contains("<cols>"), "widths set: {sheet}");
        let styles = part(&book, "xl/styles.xml");
        assert!(styles.contains("formatCode=\"#,##0.00\"") && styles.contains("formatCode=\"#,##0\""), "{styles}");
        // a year stays text: no number format for it
        assert!(sheet.contains("t=\"s\""), "{sheet}");
    }

    #[test]
    fn labelled_sheets_have_the_labels_above_the_names_and_the_rows_below_both() {
        let dir = tempfile::tempdir().unwrap();
        let cell = |s: &str| Some(s.to_string());
        let table = TextTable {
            path: dir.path().join("point_values.csv"),
            names: vec!["region".into(), "pv".into(), "other".into()],
            columns: vec![
                vec![cell("济南"), cell("青岛")],
                vec![cell("12.5"), cell("9.25")],
                vec![cell("x"), cell("y")],
            ],
        };
        let book = dir.path().join("book.xlsx");
        let labels = |name: &str| match name {
            "region" => Some("统筹区"),
            "pv" => Some("点值"),
            _ => None,
        };
        export(&[("point_values".into(), Listed::Table(table))], &book, Some(&labels)).unwrap();
        let sheet = part(&book, "xl/worksheets/sheet2.xml");
        let strings = part(&book, "xl/sharedStrings.xml");
        for text in ["统筹区", "点值", "region", "pv", "other", "济南"] {
            assert!(strings.contains(&format!(">{text}<")), "{text}: {strings}");
        }
        // the filter on the names' row (2), over the two rows below it; both header rows frozen
        assert!(sheet.contains("<autoFilter ref=\"A2:C4\"/>"), "{sheet}");
        assert!(sheet.contains("ySplit=\"2\""), "{sheet}");
        // the first value in row 3
        assert!(sheet.contains("<c r=\"B3\""), "{sheet}");
        let about = part(&book, "xl/worksheets/sheet1.xml");
        assert!(about.contains("<c r=\"A3\""), "the about sheet's first table in row 3: {about}");
    }

    #[test]
    fn widths_fit_the_longest_shown_value() {
        let v = |s: &[&str]| s.iter().map(|x| Some(x.to_string())).collect::<Vec<_>>();
        // 1,206,553,215.10: 13 digits and point plus 3 separators
        assert_eq!(width("budget", &v(&["1206553215.10", "5.00"]), true), 17.0);
        // a Chinese label counts two per character; the header's filter button adds room
        assert_eq!(width("region", &v(&["济南市"]), false), 10.0);
        assert_eq!(width("x", &v(&[]), false), 6.0);
        assert_eq!(width("note", &v(&[&"a".repeat(200)]), false), 60.0);
    }
}
