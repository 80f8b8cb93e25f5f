//! Cell values after cleaning, and the cleaning itself: what people type (full-width digits,
//! `2015年8月3日`, a lowercase `x`, a 15-digit ID) turned into what the core expects, or a Chinese
//! reason why not.

use std::borrow::Cow;

use calamine::{Data, DataRef};
use chrono::{Datelike, NaiveDate};
use cmedesk_core::id_number::{self, Gender};
use serde::Serialize;

use crate::template::{Column, ColumnType, fold_char};

/// A cleaned cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Empty,
    Text(String),
    Integer(i64),
    Decimal(f64),
    Date(NaiveDate),
    DateRange(NaiveDate, NaiveDate),
}

impl Value {
    pub fn is_empty(&self) -> bool {
        matches!(self, Value::Empty)
    }
    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// Largest integer an f64 holds exactly; a number cell beyond it has lost digits.
const F64_EXACT: f64 = 9_007_199_254_740_992.0;

/// The outcome of cleaning one cell: the value, or a reason in Chinese; plus an optional warning
/// for a value that was accepted but deserves a look.
pub struct Cleaned {
    pub value: Result<Value, String>,
    pub warning: Option<String>,
    /// For an ID number: the gender it encodes (so the roster need not validate it twice).
    pub id_gender: Option<Gender>,
}

impl Cleaned {
    fn ok(v: Value) -> Cleaned {
        Cleaned { value: Ok(v), warning: None, id_gender: None }
    }
    fn err(reason: String) -> Cleaned {
        Cleaned { value: Err(reason), warning: None, id_gender: None }
    }
}

/// Trims, folds full-width forms to ASCII, and turns an ideographic space into a normal one.
/// Borrows when nothing needed folding (most cells), so a clean cell costs no allocation here.
pub fn clean_text(raw: &str) -> Cow<'_, str> {
    let needs_fold = raw.chars().any(|c| ('\u{FF01}'..='\u{FF5E}').contains(&c) || c == '\u{3000}');
    if needs_fold {
        Cow::Owned(raw.chars().map(fold_char).collect::<String>().trim().to_string())
    } else {
        Cow::Borrowed(raw.trim())
    }
}

/// A number cell as the digits a person typed (no `.0`, no exponent) when it is integral.
fn integral_digits(f: f64) -> Option<String> {
    (f.is_finite() && f.fract() == 0.0 && f.abs() < F64_EXACT).then(|| format!("{}", f as i64))
}

/// Cleans one cell as calamine's owned [`Data`] (a whole-range read: .xls, .ods).
pub fn clean(column: &Column, cell: &Data, today: NaiveDate) -> Cleaned {
    clean_ref(column, &data_ref(cell), today)
}

/// Borrows a [`Data`] cell as the streaming reader's [`DataRef`]: one cleaning path for both.
pub fn data_ref(d: &Data) -> DataRef<'_> {
    match d {
        Data::Int(i) => DataRef::Int(*i),
        Data::Float(f) => DataRef::Float(*f),
        Data::String(s) => DataRef::SharedString(s),
        Data::Bool(b) => DataRef::Bool(*b),
        Data::DateTime(dt) => DataRef::DateTime(*dt),
        Data::DateTimeIso(s) => DataRef::DateTimeIso(s.clone()),
        Data::DurationIso(s) => DataRef::DurationIso(s.clone()),
        Data::Error(e) => DataRef::Error(e.clone()),
        Data::Empty => DataRef::Empty,
    }
}

/// The text of a string cell (inline or shared).
pub fn cell_str<'c>(cell: &'c DataRef<'_>) -> Option<&'c str> {
    match cell {
        DataRef::String(s) => Some(s),
        DataRef::SharedString(s) => Some(s),
        _ => None,
    }
}

/// Cleans one owned cell: a text cell that needs no trimming or folding (most of them) is moved
/// into the value instead of copied; everything else as [`clean`].
pub fn clean_owned(column: &Column, cell: Data, today: NaiveDate) -> Cleaned {
    match cell {
        Data::String(s) if is_plain(column, &s) => Cleaned::ok(Value::Text(s)),
        other => clean(column, &other, today),
    }
}

/// [`clean_owned`] for a streamed cell: an inline string calamine allocated moves into the value;
/// a shared string (a borrow into the workbook's table) is copied once, here.
pub fn clean_owned_ref(column: &Column, cell: DataRef<'_>, today: NaiveDate) -> Cleaned {
    match cell {
        DataRef::String(s) if is_plain(column, &s) => Cleaned::ok(Value::Text(s)),
        DataRef::SharedString(s) if is_plain(column, s) => Cleaned::ok(Value::Text(s.to_owned())),
        other => clean_ref(column, &other, today),
    }
}

/// A text or card cell already in its cleaned form: nothing to trim or fold, within bounds.
fn is_plain(column: &Column, s: &str) -> bool {
    let clean = matches!(clean_text(s), Cow::Borrowed(t) if !t.is_empty() && t.len() == s.len());
    match column.kind {
        ColumnType::Text => clean && column.max_chars.is_none_or(|max| s.chars().count() <= max),
        ColumnType::CardNumber => {
            clean && s.len() <= 40 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b':' || b == b'-')
        }
        _ => false,
    }
}

/// Cleans one cell for `column`; `today` bounds ID birth dates.
pub fn clean_ref(column: &Column, cell: &DataRef<'_>, today: NaiveDate) -> Cleaned {
    // A cell of only spaces is empty, whatever its type.
    if matches!(cell, DataRef::Empty) {
        return Cleaned::ok(Value::Empty);
    }
    let text = match cell_str(cell) {
        Some(s) => {
            let t = clean_text(s);
            if t.is_empty() {
                return Cleaned::ok(Value::Empty);
            }
            Some(t)
        }
        None => None,
    };
    match column.kind {
        ColumnType::Text => Cleaned::ok(Value::Text(match (text, cell) {
            (Some(t), _) => {
                if let Some(max) = column.max_chars
                    && t.chars().count() > max
                {
                    return Cleaned::err(format!("超过{max}个字符"));
                }
                t.into_owned()
            }
            (None, DataRef::Float(f)) => integral_digits(*f).unwrap_or_else(|| f.to_string()),
            (None, DataRef::Int(i)) => i.to_string(),
            (None, DataRef::Bool(b)) => if *b { "是" } else { "否" }.to_string(),
            (None, DataRef::DateTime(dt)) => match excel_date(dt) {
                Some(d) => d.to_string(),
                None => dt.as_f64().to_string(),
            },
            (None, DataRef::DateTimeIso(s) | DataRef::DurationIso(s)) => s.clone(),
            (None, DataRef::Error(e)) => return Cleaned::err(format!("单元格错误值 {e}")),
            (None, DataRef::String(_) | DataRef::SharedString(_) | DataRef::Empty) => {
                return Cleaned::ok(Value::Empty);
            }
        })),
        ColumnType::Integer | ColumnType::Decimal => clean_number(column, text.as_deref(), cell),
        ColumnType::Date => match date_of(text.as_deref(), cell) {
            Ok(d) => Cleaned::ok(Value::Date(d)),
            Err(e) => Cleaned::err(e),
        },
        ColumnType::DateRange => clean_range(text.as_deref(), cell),
        ColumnType::Enum => {
            let t = match (text, cell) {
                (Some(t), _) => t,
                (None, DataRef::Float(f)) => Cow::Owned(integral_digits(*f).unwrap_or_else(|| f.to_string())),
                (None, DataRef::Int(i)) => Cow::Owned(i.to_string()),
                _ => return Cleaned::err("应为文字选项".into()),
            };
            match column.choice(&t) {
                Some(c) => Cleaned::ok(Value::Text(c.value.clone())),
                None => Cleaned::err(format!(
                    "「{t}」不是可选值（{}）",
                    column.choices.iter().map(|c| c.label.as_str()).collect::<Vec<_>>().join("/")
                )),
            }
        }
        ColumnType::IdNumber => clean_id(text.as_deref(), cell, today),
        ColumnType::CardNumber => clean_card(text.as_deref(), cell),
    }
}

fn clean_number(column: &Column, text: Option<&str>, cell: &DataRef<'_>) -> Cleaned {
    let n = match (text, cell) {
        (Some(t), _) => {
            let t: String = t.chars().filter(|c| *c != ',' && !c.is_whitespace()).collect();
            match t.parse::<f64>() {
                Ok(n) if n.is_finite() => n,
                _ => return Cleaned::err(format!("「{t}」不是数字")),
            }
        }
        (None, DataRef::Float(f)) => *f,
        (None, DataRef::Int(i)) => *i as f64,
        (None, DataRef::DateTime(_) | DataRef::DateTimeIso(_)) => {
            return Cleaned::err("单元格为日期格式，应为数字".into());
        }
        _ => return Cleaned::err("应为数字".into()),
    };
    if let Some(lo) = column.min
        && n < lo
    {
        return Cleaned::err(format!("{n} 小于下限 {lo}"));
    }
    if let Some(hi) = column.max
        && n > hi
    {
        return Cleaned::err(format!("{n} 超过上限 {hi}"));
    }
    if column.kind == ColumnType::Integer {
        if n.fract() != 0.0 {
            return Cleaned::err(format!("{n} 应为整数"));
        }
        Cleaned::ok(Value::Integer(n as i64))
    } else {
        Cleaned::ok(Value::Decimal(n))
    }
}

/// A cell Excel formats as a date, converted without trusting plain numbers (pitfalls: any
/// number would "convert"). Serial 60 is Excel's phantom 1900-02-29 and is refused.
fn excel_date(dt: &calamine::ExcelDateTime) -> Option<NaiveDate> {
    if !dt.is_datetime() || dt.as_f64() < 1.0 {
        return None;
    }
    let (y, m, d, ..) = dt.to_ymd_hms_milli();
    NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
}

fn date_of(text: Option<&str>, cell: &DataRef<'_>) -> Result<NaiveDate, String> {
    match (text, cell) {
        (Some(t), _) => parse_text_date(t).ok_or_else(|| {
            format!("日期「{t}」无法识别（应如 2015-8-3、2015/8/3、2015.8.3、2015年8月3日、20150803）")
        }),
        (None, DataRef::DateTime(dt)) => {
            excel_date(dt).ok_or_else(|| "单元格是时间或无效日期，不是日期".to_string())
        }
        (None, DataRef::DateTimeIso(s)) => s
            .get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .ok_or_else(|| format!("日期「{s}」无法识别")),
        // An 8-digit number typed into a General cell: 20150803.
        (None, DataRef::Int(_) | DataRef::Float(_)) => {
            let digits = match cell {
                DataRef::Int(i) => Some(i.to_string()),
                DataRef::Float(f) => integral_digits(*f),
                _ => None,
            };
            digits.filter(|d| d.len() == 8).and_then(|d| parse_text_date(&d)).ok_or_else(|| {
                "单元格是数字而不是日期格式，无法确定日期（请设为日期格式或写成 2015-8-3）".to_string()
            })
        }
        _ => Err("应为日期".into()),
    }
}

/// Parses the text dates officers type: `2015-8-3`, `2015/8/3`, `2015.8.3`, `2015年8月3日`,
/// `20150803` (full-width forms already folded by [`clean_text`]).
pub fn parse_text_date(t: &str) -> Option<NaiveDate> {
    let t = t.trim();
    // A date-time text keeps only its date part.
    let t = t.split([' ', 'T']).next().unwrap_or(t);
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(t, "%Y%m%d").ok();
    }
    let parts: Vec<&str> = t.trim_end_matches('日').split(['-', '/', '.', '年', '月']).collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let y: i32 = parts[0].parse().ok()?;
    let m: u32 = parts[1].parse().ok()?;
    let d: u32 = parts[2].parse().ok()?;
    if parts[0].len() != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

fn clean_range(text: Option<&str>, cell: &DataRef<'_>) -> Cleaned {
    let Some(t) = text else {
        // One date cell: a one-day event.
        return match date_of(None, cell) {
            Ok(d) => Cleaned::ok(Value::DateRange(d, d)),
            Err(e) => Cleaned::err(e),
        };
    };
    let separators = ["至", "～", "~", "—", "－－", "--", "到"];
    let split = separators.iter().find_map(|s| t.split_once(s));
    // `2015-8-3-2015-8-5`, `2015/9/1-2015/9/3`: the hyphen whose both sides are dates.
    let split = split.or_else(|| {
        t.match_indices('-')
            .map(|(i, _)| (&t[..i], &t[i + 1..]))
            .find(|(a, b)| parse_text_date(a).is_some() && parse_range_end(a, b).is_some())
    });
    let (a, b) = match split {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (t, t),
    };
    let (Some(start), Some(end)) = (parse_text_date(a), parse_range_end(a, b)) else {
        return Cleaned::err(format!("日期范围「{t}」无法识别（应如 2015-8-3至2015-8-5）"));
    };
    if end < start {
        return Cleaned::err(format!("日期范围「{t}」结束早于开始"));
    }
    Cleaned::ok(Value::DateRange(start, end))
}

/// The end of a range may omit the year (`2015年8月3日至8月5日`, `2015.8.3-8.5`).
fn parse_range_end(start: &str, end: &str) -> Option<NaiveDate> {
    parse_text_date(end).or_else(|| {
        let s = parse_text_date(start)?;
        parse_text_date(&format!(
            "{}-{}",
            s.year(),
            end.replace(['月', '.', '/'], "-").trim_end_matches('日')
        ))
    })
}

fn clean_id(text: Option<&str>, cell: &DataRef<'_>, today: NaiveDate) -> Cleaned {
    let raw = match (text, cell) {
        (Some(t), _) => Cow::Borrowed(t),
        // A 15-digit legacy number survives as a number; an 18-digit one has lost digits.
        (None, DataRef::Float(f)) => match integral_digits(*f) {
            Some(d) if d.len() == 15 => Cow::Owned(d),
            _ => {
                return Cleaned::err(
                    "身份证号以数字格式保存，后几位已丢失；请将该列设为文本后重新填写".into(),
                );
            }
        },
        (None, DataRef::Int(i)) if i.to_string().len() == 15 => Cow::Owned(i.to_string()),
        (None, DataRef::Int(_)) => {
            return Cleaned::err("身份证号以数字格式保存，已丢失位数；请将该列设为文本后重新填写".into());
        }
        _ => return Cleaned::err("身份证号应为文本".into()),
    };
    match id_number::validate(&raw, today) {
        Ok(id) => Cleaned {
            warning: id.upgraded_from_15.then(|| format!("15位身份证号 {raw} 已升级为 {}", id.normalized)),
            id_gender: Some(id.gender),
            value: Ok(Value::Text(id.normalized)),
        },
        Err(e) => Cleaned::err(e.message_zh()),
    }
}

fn clean_card(text: Option<&str>, cell: &DataRef<'_>) -> Cleaned {
    match (text, cell) {
        (Some(t), _) => {
            let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
            if t.len() > 40 || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == ':' || c == '-') {
                return Cleaned::err(format!("卡号「{t}」含有无效字符"));
            }
            Cleaned::ok(Value::Text(t))
        }
        (None, DataRef::Float(f)) => match integral_digits(*f) {
            Some(d) if *f < 1e15 => Cleaned {
                id_gender: None,
                warning: Some(format!("卡号 {d} 以数字格式保存，若原卡号有前导零已丢失，请核对")),
                value: Ok(Value::Text(d)),
            },
            _ => Cleaned::err(format!("卡号以数字格式保存（{f}），位数已丢失；请将该列设为文本后重新填写")),
        },
        (None, DataRef::Int(i)) => Cleaned {
            id_gender: None,
            warning: Some(format!("卡号 {i} 以数字格式保存，若原卡号有前导零已丢失，请核对")),
            value: Ok(Value::Text(i.to_string())),
        },
        _ => Cleaned::err("卡号应为文本".into()),
    }
}

/// `0` → `A`, `27` → `AB`: the column letter Excel shows.
pub fn column_letter(mut index: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}
