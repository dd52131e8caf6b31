//! The options `isolate` and `release` share (`--from-file`, `--dry-run`, `--wait`,
//! `--yes`), the `--wait` duration words, and reading a machine list from a file or
//! standard input.
//!
//! A list is one machine id or DNS name per line; blank lines and `#` comments (a whole
//! line, or the end of one) are ignored, and surrounding spaces dropped. It is how
//! thousands of machines reach a command past Windows' 32,767-character command line.
//! Files saved by Windows PowerShell 5.1 (`Out-File`, `>`: UTF-16 with a byte order
//! mark) are read as well as UTF-8 ones (with or without a BOM).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use cordon_core::{CoreError, Result};

/// The duration `--wait` alone means.
pub const DEFAULT_WAIT: &str = "30m";

#[derive(Args, Debug, Clone)]
pub struct BulkOpts {
    /// Also read machines from PATH (`-`: standard input): one id or DNS name per line;
    /// blank lines and # comments are ignored.
    #[arg(long, value_name = "PATH")]
    pub from_file: Option<PathBuf>,
    /// Print the preview (what would be sent, what is left out and why) and send
    /// nothing.
    #[arg(long, conflicts_with = "wait")]
    pub dry_run: bool,
    /// After sending, wait until each machine's action has ended (Succeeded, Failed,
    /// TimeOut, Cancelled), at most DURATION (90s, 10m, 2h, 1h30m; alone: 30m). Exit 0
    /// only if all succeeded, 6 if the time ran out first.
    #[arg(
        long,
        value_name = "DURATION",
        num_args = 0..=1,
        default_missing_value = DEFAULT_WAIT,
        value_parser = parse_duration
    )]
    pub wait: Option<Duration>,
    /// Confirm a job of more than 25 machines without the typed confirmation.
    #[arg(long)]
    pub yes: bool,
}

/// `90s`, `10m`, `2h`, `1h30m`, `1d` (a unit is required: `10` alone is refused).
pub fn parse_duration(text: &str) -> std::result::Result<Duration, String> {
    let bad = || {
        format!(
            "“{text}” is not a duration: write e.g. 90s, 10m, 2h or 1h30m (--wait takes the next word as its duration: put it last, or write --wait=10m)"
        )
    };
    let t = text.trim().to_ascii_lowercase();
    if t.is_empty() {
        return Err(bad());
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(bad()),
        };
        let n: u64 = digits.parse().map_err(|_| bad())?;
        digits.clear();
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(bad)?;
    }
    if !digits.is_empty() {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
}

/// The machines of `path` (`-`: standard input), in order.
pub fn read_list(path: &Path) -> Result<Vec<String>> {
    let shown = if path == Path::new("-") {
        "standard input".to_owned()
    } else {
        path.display().to_string()
    };
    let unreadable = |detail: String| CoreError::Invalid {
        field: "from-file".into(),
        message: format!("Cannot read the machine list {shown}: {detail}. Nothing was sent."),
    };
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|e| unreadable(e.to_string()))?;
    } else {
        bytes = std::fs::read(path).map_err(|e| unreadable(e.to_string()))?;
    }
    let text = decode(&bytes).map_err(unreadable)?;
    Ok(parse_list(&text))
}

/// UTF-8 (an optional BOM dropped), or UTF-16 announced by its BOM.
fn decode(bytes: &[u8]) -> std::result::Result<String, String> {
    let utf16 = |le: bool| {
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|p| {
                let pair = [p[0], p.get(1).copied().unwrap_or(0)];
                if le {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| "it is not valid UTF-16 text".to_owned())
    };
    match bytes {
        [0xFF, 0xFE, ..] => utf16(true),
        [0xFE, 0xFF, ..] => utf16(false),
        [0xEF, 0xBB, 0xBF, rest @ ..] => {
            String::from_utf8(rest.to_vec()).map_err(|_| "it is not valid UTF-8 text".into())
        }
        _ => String::from_utf8(bytes.to_vec()).map_err(|_| {
            "it is not UTF-8 or UTF-16 text (save it as UTF-8, e.g. `Set-Content -Encoding utf8`)"
                .into()
        }),
    }
}

/// One entry per line: `#` starts a comment, spaces around are dropped, blank lines
/// are skipped.
pub fn parse_list(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or_default().trim())
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_need_a_unit() {
        let secs = |t: &str| parse_duration(t).map(|d| d.as_secs());
        assert_eq!(secs("90s"), Ok(90));
        assert_eq!(secs("10m"), Ok(600));
        assert_eq!(secs("2H"), Ok(7200));
        assert_eq!(secs("1h30m"), Ok(5400));
        assert_eq!(secs("1d"), Ok(86_400));
        assert_eq!(secs("0s"), Ok(0));
        assert_eq!(secs(DEFAULT_WAIT), Ok(1800));
        for bad in [
            "10",
            "",
            "m",
            "10x",
            "1.5h",
            "-1m",
            "ws-01",
            "99999999999999999999d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn lists_skip_blanks_and_comments() {
        let text = "# exported from the SIEM\r\nws-01.contoso.local\r\n\r\n  ws-02  # the CFO's\n#ws-03\n\tABCDEF0123456789ABCDEF0123456789ABCDEF01\n";
        assert_eq!(
            parse_list(text),
            [
                "ws-01.contoso.local",
                "ws-02",
                "ABCDEF0123456789ABCDEF0123456789ABCDEF01"
            ]
        );
    }

    #[test]
    fn windows_encodings_are_read() {
        let text = "ws-01\r\nws-02\r\n";
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend(text.bytes());
        for bytes in [le, be, bom, text.as_bytes().to_vec()] {
            assert_eq!(
                decode(&bytes).map(|t| parse_list(&t)),
                Ok(vec!["ws-01".to_owned(), "ws-02".to_owned()])
            );
        }
        assert!(decode(&[0xC3, 0x28]).is_err());
    }
}
