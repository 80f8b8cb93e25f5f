//! Parser for swipe logs exported by vendor terminals we cannot talk to (CSV or TXT).
//!
//! Format (documented in `schema/protocols/storing-terminal.md`, "Log files"): one swipe per line,
//! fields separated by a comma, semicolon, tab, or runs of spaces:
//! `card number, time, device id[, seq]`. A first line whose time field does not parse and that
//! contains no digit-only card number is a header and skipped. The card number is an ID number
//! (18 characters → `rid:`), or a number in the format configured for the device: `Printed`
//! (digits → `ic:<digits>`, hex → `uid:<HEX>`, as the core keys typed-in card numbers) or a
//! conversion to the card's UID (hex, reversed hex, "8H10D", Wiegand 26 → `uid:`).
//! Times: `YYYY-MM-DD HH:MM[:SS]`, with `/` or `.` as date separators, or `YYYYMMDDHHMMSS`; they
//! are the device's local wall time. Every bad line is reported with its number and the reason;
//! good lines are still returned.

use crate::codec::ascii::NumberFormat;
use crate::id_number;
use chrono::NaiveDateTime;

/// One swipe from a log file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSwipe {
    /// 1-based line number.
    pub line: usize,
    pub card_key: String,
    /// The card number as written.
    pub card_raw: String,
    /// Device local wall time.
    pub time: NaiveDateTime,
    pub device_id: String,
    pub seq: Option<u32>,
}

/// One rejected line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLineError {
    pub line: usize,
    /// Stable code: `LOG_FIELDS`, `LOG_CARD`, `LOG_TIME`, `LOG_SEQ`.
    pub code: &'static str,
    pub message: String,
}

/// Everything parsed from a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogParse {
    pub swipes: Vec<LogSwipe>,
    pub errors: Vec<LogLineError>,
}

fn split_fields(line: &str) -> Vec<&str> {
    for sep in [',', ';', '\t'] {
        if line.contains(sep) {
            return line.split(sep).map(|f| f.trim().trim_matches('"').trim()).collect();
        }
    }
    // Space separated: the time itself holds a space, so glue date and time back together.
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.len() >= 4 && words[2].contains(':') {
        let mut v = vec![words[0]];
        let start = line.find(words[1]).unwrap_or(0);
        let end = line[start..].find(words[2]).map_or(line.len(), |p| start + p + words[2].len());
        v.push(&line[start..end]);
        v.extend(&words[3..]);
        return v;
    }
    words
}

/// Parses a device time in the formats vendors export.
pub fn parse_time(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    if t.len() == 14 && t.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDateTime::parse_from_str(t, "%Y%m%d%H%M%S").ok();
    }
    let norm = t.replace(['/', '.'], "-").replace('T', " ");
    ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"].iter().find_map(|f| NaiveDateTime::parse_from_str(&norm, f).ok())
}

/// Canonical key for a card number as vendor logs write it: an 18-character ID number gives
/// `rid:`, anything else goes through the device's number format (`Printed` keeps the number:
/// `ic:<digits>` or `uid:<HEX>`, as the core keys cards typed in by an officer).
pub fn card_key_of(text: &str, format: NumberFormat) -> Result<String, String> {
    let t = text.trim();
    if t.len() == 18 && t.is_char_boundary(17) && t[..17].bytes().all(|b| b.is_ascii_digit()) {
        return if id_number::is_valid(t) {
            Ok(format!("rid:{}", t.to_ascii_uppercase()))
        } else {
            Err(format!("{t} looks like an ID number but its check digit is wrong"))
        };
    }
    format.card_key(t)
}

/// Parses a whole log file.
pub fn parse(text: &str, format: NumberFormat) -> LogParse {
    let mut out = LogParse::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let f = split_fields(trimmed);
        let err = |code, message: String| LogLineError { line, code, message };
        if f.len() < 3 || f.len() > 4 {
            if out.swipes.is_empty()
                && out.errors.is_empty()
                && parse_time(f.get(1).copied().unwrap_or("")).is_none()
                && f.len() >= 3
            {
                continue;
            }
            out.errors.push(err(
                "LOG_FIELDS",
                format!("expected 3 or 4 fields (card, time, device[, seq]), found {}", f.len()),
            ));
            continue;
        }
        let Some(time) = parse_time(f[1]) else {
            // A header line: first line, no parsable time, card field not a number.
            if out.swipes.is_empty() && out.errors.is_empty() && !f[0].bytes().any(|b| b.is_ascii_digit()) {
                continue;
            }
            out.errors.push(err("LOG_TIME", format!("time {:?} is not YYYY-MM-DD HH:MM:SS", f[1])));
            continue;
        };
        let card_key = match card_key_of(f[0], format) {
            Ok(k) => k,
            Err(m) => {
                out.errors.push(err("LOG_CARD", format!("card number {:?}: {m}", f[0])));
                continue;
            }
        };
        if f[2].is_empty() {
            out.errors.push(err("LOG_FIELDS", "device id is empty".into()));
            continue;
        }
        let seq = match f.get(3) {
            None => None,
            Some(s) => match s.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    out.errors.push(err("LOG_SEQ", format!("seq {s:?} is not a number")));
                    continue;
                }
            },
        };
        out.swipes.push(LogSwipe {
            line,
            card_key,
            card_raw: f[0].to_string(),
            time,
            device_id: f[2].to_string(),
            seq,
        });
    }
    out
}
