//! The one CSV writer of Cordon's exports (History, Audit log), on the `csv` crate.
//!
//! What a SOC analyst's spreadsheet needs: UTF-8 with a byte-order mark (so Excel on
//! Windows opens non-ASCII machine and user names correctly), CRLF line ends, every
//! cell quoted, and no cell that a spreadsheet would run as a formula (a leading
//! `=`, `+`, `-`, `@`, tab or carriage return gets a leading apostrophe).

use crate::error::{CoreError, Result};

/// The UTF-8 byte-order mark that starts every CSV export.
pub const BOM: &str = "\u{feff}";

/// A CSV document: the header, then one line per row.
pub fn csv<R, C>(header: &[&str], rows: R) -> Result<String>
where
    R: IntoIterator<Item = C>,
    C: IntoIterator,
    C::Item: AsRef<str>,
{
    let mut w = ::csv::WriterBuilder::new()
        .quote_style(::csv::QuoteStyle::Always)
        .terminator(::csv::Terminator::CRLF)
        .from_writer(BOM.as_bytes().to_vec());
    let fail = |e: ::csv::Error| CoreError::Storage(format!("writing the CSV export: {e}"));
    w.write_record(header).map_err(fail)?;
    for row in rows {
        let cells: Vec<String> = row.into_iter().map(|c| neutralise(c.as_ref())).collect();
        w.write_record(&cells).map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| CoreError::Storage(format!("writing the CSV export: {e}")))?;
    String::from_utf8(bytes).map_err(|e| CoreError::Storage(format!("CSV export: {e}")))
}

/// A cell that a spreadsheet would run as a formula, made inert.
pub fn neutralise(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_crlf_every_cell_quoted_and_formula_safe() {
        let text = csv(
            &["name", "comment"],
            [
                ["ws-ünïcødé", "=cmd|' /C calc'!A0, \"quoted\""],
                ["plain", "line\nbreak"],
            ],
        )
        .expect("csv");
        assert!(text.starts_with(BOM));
        let body = text.trim_start_matches(BOM);
        let lines: Vec<&str> = body.split("\r\n").collect();
        assert_eq!(lines[0], "\"name\",\"comment\"");
        assert_eq!(
            lines[1],
            "\"ws-ünïcødé\",\"'=cmd|' /C calc'!A0, \"\"quoted\"\"\""
        );
        assert_eq!(lines[2], "\"plain\",\"line\nbreak\"");
        assert_eq!(lines.last(), Some(&""), "ends with CRLF");
    }

    /// In a locale whose list separator is `;`, an unquoted `x;=HYPERLINK(…)` would
    /// split into a live formula cell: every cell is quoted, so it stays one text cell.
    #[test]
    fn a_semicolon_cannot_start_a_formula_cell() {
        let text = csv(&["comment"], [["x;=HYPERLINK(\"http://evil\")"]]).expect("csv");
        let line = text.trim_start_matches(BOM).split("\r\n").nth(1);
        assert_eq!(line, Some("\"x;=HYPERLINK(\"\"http://evil\"\")\""));
    }

    #[test]
    fn cells_are_neutralised() {
        for (input, want) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("ok", "ok"),
            ("", ""),
        ] {
            assert_eq!(neutralise(input), want, "{input:?}");
        }
    }
}
