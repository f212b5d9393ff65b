//! Excel workbooks in: the first sheet of a `.xlsx` file, or the one `file.xlsx#Sheet` names.
//!
//! A sheet is read as text, the way a CSV file is, and then held to the same column rules: a
//! text cell as its text; a number cell — Excel stores binary doubles — as the shortest decimal
//! that reads back as the same double (what Excel displays), so 1206553215.1 stays 1206553215.1
//! and a value that needs more decimals than its column allows is refused naming the row; a date
//! cell as its date; a formula cell by its cached value; an error cell (#DIV/0!) is refused.
//! Rows are numbered as Excel numbers them (the header is row 1).

use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader};

use super::source::split_sheet;
use crate::error::InputError;

/// A sheet read as text: its header and its data rows with their Excel row numbers.
pub struct Sheet {
    pub header: Vec<String>,
    pub rows: Vec<(u64, Vec<Option<String>>)>,
}

/// Reads the sheet `path` names (the first one without `#Sheet`).
pub fn read_sheet(path: &Path) -> Result<Sheet, InputError> {
    let (file, sheet) = split_sheet(path);
    not_an_old_workbook(&file, path)?;
    let mut book =
        open_workbook_auto(&file).map_err(|e| InputError::file(path, format!("not a readable Excel workbook: {e}")))?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) if names.contains(&s) => s,
        Some(s) => {
            return Err(InputError::file(
                path,
                format!("the workbook has no sheet '{s}' (it has: {}); name one of them after #", names.join(", ")),
            ))
        }
        None => names.first().cloned().ok_or_else(|| InputError::file(path, "the workbook has no sheet"))?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| InputError::file(path, format!("cannot read the sheet '{name}': {e}")))?;
    // a formula a script wrote (openpyxl, most libraries) has no value until Excel computes it:
    // read as empty, a reserve would be 0 and the point value another
    let formulas = book
        .worksheet_formula(&name)
        .map_err(|e| InputError::file(path, format!("cannot read the formulas of the sheet '{name}': {e}")))?;
    if let Some((f_top, f_left)) = formulas.start() {
        for (r, c, formula) in formulas.used_cells() {
            let at = (f_top + r as u32, f_left + c as u32);
            let cached =
                range.get_value(at).is_some_and(|v| !matches!(v, Data::Empty) && v != &Data::String(String::new()));
            if !formula.is_empty() && !cached {
                return Err(InputError::file(
                    path,
                    format!(
                        "sheet '{name}', cell {}{}: the formula ={formula} has no saved value (a script wrote it; \
                         Excel computes it only when the workbook is opened); open and save it in Excel, or write the value",
                        letters(at.1 as usize),
                        at.0 + 1
                    ),
                ));
            }
        }
    }
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut rows = range.rows();
    let header: Vec<String> = match rows.next() {
        Some(r) => r
            .iter()
            .map(|c| text(c, path, top + 1, left, 0).map(|t| t.unwrap_or_default()))
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    let mut out = Vec::new();
    for (i, r) in rows.enumerate() {
        let number = u64::from(top) + 2 + i as u64;
        let cells: Vec<Option<String>> =
            r.iter().enumerate().map(|(c, cell)| text(cell, path, number as u32, left, c)).collect::<Result<_, _>>()?;
        // a row of empty cells is no row (sheets often end with formatted blanks)
        if cells.iter().all(Option::is_none) {
            continue;
        }
        out.push((number, cells));
    }
    Ok(Sheet { header: header.into_iter().map(|h| h.trim().to_string()).collect(), rows: out })
}

/// Refuses an old `.xls` or a password-protected workbook, saved under an `.xlsx` name: both are
/// compound documents, not the zip of an `.xlsx`, and the zip reader's own words ("EOCD") say
/// nothing to a bureau.
fn not_an_old_workbook(file: &Path, path: &Path) -> Result<(), InputError> {
    const COMPOUND: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    let mut head = [0u8; 8];
    let read = std::fs::File::open(file).and_then(|mut f| std::io::Read::read(&mut f, &mut head)).unwrap_or(0);
    if read == 8 && head == COMPOUND {
        return Err(InputError::file(
            path,
            "not an .xlsx workbook: it is an old Excel 97–2003 (.xls) file or a workbook protected by a \
             password; open it in Excel, remove the password (File › Info › Protect Workbook) and save it \
             as \"Excel Workbook (*.xlsx)\"",
        ));
    }
    if read >= 2 && head[..2] != *b"PK" {
        return Err(InputError::file(
            path,
            "not an .xlsx workbook (an .xlsx file is a zip archive; this one is not): save it from Excel as \
             \"Excel Workbook (*.xlsx)\", or give the table as CSV",
        ));
    }
    Ok(())
}

/// A cell as the text a CSV file would hold.
fn text(cell: &Data, path: &Path, row: u32, left: u32, column: usize) -> Result<Option<String>, InputError> {
    Ok(match cell {
        Data::Empty => None,
        Data::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Data::Int(i) => Some(i.to_string()),
        // Rust prints the shortest decimal that reads back as the same double
        Data::Float(f) => {
            Some(if f.fract() == 0.0 && f.abs() < 1e15 { format!("{}", *f as i64) } else { format!("{f}") })
        }
        Data::Bool(b) => Some(b.to_string()),
        Data::DateTime(d) => Some(match d.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.date().to_string(),
            Some(t) => t.to_string(),
            None => d.to_string(),
        }),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Some(s.clone()),
        Data::Error(e) => {
            return Err(InputError::file(
                path,
                format!(
                    "cell {}{row} holds the error {e:?}; fix the formula or the value",
                    letters(left as usize + column)
                ),
            ))
        }
    })
}

/// Excel's column letters of a 0-based column: 0 → A, 25 → Z, 26 → AA.
pub fn letters(mut column: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (column % 26) as u8);
        if column < 26 {
            break;
        }
        column = column / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII")
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn sheets_and_letters() {
        assert_eq!(
            split_sheet(Path::new("a/funds.xlsx#资金")),
            (PathBuf::from("a/funds.xlsx"), Some("资金".to_string()))
        );
        assert_eq!(split_sheet(Path::new("a/funds.xlsx")), (PathBuf::from("a/funds.xlsx"), None));
        assert_eq!(
            [letters(0), letters(3), letters(25), letters(26), letters(51), letters(52)],
            ["A", "D", "Z", "AA", "AZ", "BA"]
        );
    }

    /// Rewrites a workbook's sheets without the formulas' cached values, as openpyxl and most
    /// scripts write them (`<f>…</f>` and no `<v>`).
    fn without_cached_values(path: &Path) {
        use std::io::{Read, Write};
        let mut from = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
        let mut parts = Vec::new();
        for i in 0..from.len() {
            let mut f = from.by_index(i).unwrap();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            let name = f.name().unwrap().to_string();
            if name.starts_with("xl/worksheets/") {
                let text = String::from_utf8(bytes).unwrap();
                let cut =
                    text.split("</f>").map(|part| part.strip_prefix("<v>0</v>").unwrap_or(part)).collect::<Vec<_>>();
                bytes = cut.join("</f>").into_bytes();
            }
            parts.push((name, bytes));
        }
        let mut to = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
        for (name, bytes) in parts {
            to.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
            to.write_all(&bytes).unwrap();
        }
        to.finish().unwrap();
    }

    /// A workbook as a bureau's Excel saves it: a date cell, a formula with its cached value, a
    /// number Excel stores as a double, an empty row at the end.
    #[test]
    fn dates_formulas_and_doubles_read_as_excel_shows_them() {
        use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("claims.xlsx");
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("claims").unwrap();
        for (c, h) in ["service_month", "claimed_points", "copayment"].iter().enumerate() {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        let date = ExcelDateTime::from_ymd(2026, 4, 1).unwrap();
        sheet.write_datetime_with_format(1, 0, &date, &Format::new().set_num_format("yyyy-mm-dd")).unwrap();
        sheet.write_formula(1, 1, Formula::new("=100+23.5").set_result("123.5")).unwrap();
        sheet.write_number(1, 2, 0.1 + 0.2).unwrap();
        sheet.write_string(2, 0, "").unwrap();
        book.save(&path).unwrap();

        let sheet = read_sheet(&PathBuf::from(format!("{}#claims", path.display()))).unwrap();
        assert_eq!(sheet.header, ["service_month", "claimed_points", "copayment"]);
        assert_eq!(sheet.rows.len(), 1, "the empty row is no row");
        let (row, cells) = &sheet.rows[0];
        assert_eq!(*row, 2, "rows as Excel numbers them");
        assert_eq!(cells[0].as_deref(), Some("2026-04-01"));
        assert_eq!(cells[1].as_deref(), Some("123.5"), "a formula by its cached value");
        // 0.1 + 0.2 is the double 0.30000000000000004: its shortest round-trip text, which the
        // column's rules then refuse as more than 4 decimals
        assert_eq!(cells[2].as_deref(), Some("0.30000000000000004"));
        // a formula without a saved value (what openpyxl writes) is refused, named by its cell
        let bare = dir.path().join("bare.xlsx");
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("funds").unwrap();
        for (c, h) in ["budget", "reserve"].iter().enumerate() {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        sheet.write_number(1, 0, 1000.0).unwrap();
        sheet.write_formula(1, 1, Formula::new("=A2*0.03")).unwrap();
        book.save(&bare).unwrap();
        without_cached_values(&bare);
        let e = read_sheet(&bare).err().unwrap().to_string();
        assert!(e.contains("sheet 'funds', cell B2: the formula =A2*0.03 has no saved value"), "{e}");
        assert!(e.contains("open and save it in Excel, or write the value"), "{e}");
        // an old .xls (or a protected workbook) under an .xlsx name says so, not "Zip error"
        let old = dir.path().join("old.xlsx");
        std::fs::write(&old, [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0]).unwrap();
        let e = read_sheet(&old).err().unwrap().to_string();
        assert!(e.contains("old Excel 97–2003 (.xls) file or a workbook protected by a password"), "{e}");
        assert!(!e.contains("EOCD"), "{e}");
        // a sheet that is not there is named with those that are
        let e = read_sheet(&PathBuf::from(format!("{}#funds", path.display()))).err().unwrap();
        assert!(e.to_string().contains("no sheet 'funds' (it has: claims)"), "{e}");
    }
}
