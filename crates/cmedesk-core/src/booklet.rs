//! The credit registration booklet (学分登记手册, domain.md §6) as a page model.
//!
//! The core decides *what* a person's booklet says — header, rows in order, and the totals
//! 公需科目 / 专业科目 / 年度累计完成 — so every printer (PDF, preview, export) shows the same numbers.
//! Laying it out on paper belongs to `cmedesk-print`. Quantities are fixed-point hundredths
//! ([`Amount`]) so that totals never drift the way summed floats do.

use std::cmp::Ordering;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A non-negative-or-negative quantity of hours (学时) or credits (学分) in hundredths.
///
/// Booklets print two decimals (`12.00(2.00)`); storing hundredths keeps sums exact.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(transparent)]
#[ts(export, type = "number")]
pub struct Amount(i64);

impl Amount {
    /// Zero hours or credits.
    pub const ZERO: Amount = Amount(0);

    /// An amount from hundredths (`1250` is 12.50).
    pub const fn from_hundredths(hundredths: i64) -> Self {
        Amount(hundredths)
    }

    /// The amount in hundredths.
    pub const fn hundredths(self) -> i64 {
        self.0
    }

    /// Parses a decimal such as `12`, `12.5`, `12.50`; more than two decimals is refused
    /// rather than silently rounded, because a credit office must see the number it typed.
    pub fn parse(text: &str) -> Option<Amount> {
        let text = text.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, frac) = match digits.split_once('.') {
            Some((w, f)) => (w, f),
            None => (digits, ""),
        };
        if whole.is_empty() || frac.len() > 2 {
            return None;
        }
        if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let whole: i64 = whole.parse().ok()?;
        let frac_value: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().ok()? * 10,
            _ => frac.parse().ok()?,
        };
        let value = whole.checked_mul(100)?.checked_add(frac_value)?;
        Some(Amount(if negative { -value } else { value }))
    }

    /// Sum that saturates instead of overflowing (no panics on absurd input).
    pub fn saturating_add(self, other: Amount) -> Amount {
        Amount(self.0.saturating_add(other.0))
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// Which part of the annual total a credit counts towards (公需科目 / 专业科目): the credits
/// engine's own [`crate::credits::Subject`], so a stored credit maps onto a row unchanged.
pub use crate::credits::Subject;

/// The booklet's header: whose booklet, for which unit and CME year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct BookletHeader {
    /// 所在单位 (the hospital; the stamp goes next to it).
    pub unit: String,
    /// 科室: the person's department, used to name batch files and sort batches.
    pub department: String,
    /// 姓名.
    pub name: String,
    /// 卡号: the staff card number as issued (text: leading zeros matter).
    pub card_no: String,
    /// 年度: the CME year.
    pub year: i32,
}

/// One line of the booklet table: 起止时间 | 形式 | 内容 | 成绩 | 学时(分) | 承办单位.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct BookletRow {
    /// First day of the activity.
    pub started_on: NaiveDate,
    /// Last day when the activity spans several days.
    pub ended_on: Option<NaiveDate>,
    /// 形式: delivery, e.g. 继续医学教育项目, 远程教育, 论文.
    pub form: String,
    /// 内容: the project or activity name.
    pub content: String,
    /// 成绩: what was earned, e.g. `I类学分`, `合格`.
    pub grade: String,
    /// 学时.
    pub hours: Amount,
    /// 学分 (printed in parentheses after the hours).
    pub credits: Amount,
    /// 承办单位: the organiser.
    pub organizer: String,
    /// Which total the row counts towards.
    pub subject: Subject,
}

impl BookletRow {
    /// The 起止时间 cell: `2015-08-02` or `2015-08-02至2015-08-05`.
    pub fn period_text(&self) -> String {
        match self.ended_on {
            Some(end) if end != self.started_on => {
                format!("{}至{}", self.started_on.format("%Y-%m-%d"), end.format("%Y-%m-%d"))
            }
            _ => self.started_on.format("%Y-%m-%d").to_string(),
        }
    }

    /// The 学时(分) cell: hours with credits in parentheses, e.g. `12.00(2.00)`.
    pub fn hours_credits_text(&self) -> String {
        format!("{}({})", self.hours, self.credits)
    }

    /// Booklet order: by date, then end date, then content, so reprints are identical.
    fn booklet_order(&self, other: &Self) -> Ordering {
        self.started_on
            .cmp(&other.started_on)
            .then_with(|| self.ended_on.cmp(&other.ended_on))
            .then_with(|| self.content.cmp(&other.content))
            .then_with(|| self.form.cmp(&other.form))
            .then_with(|| self.organizer.cmp(&other.organizer))
    }
}

/// Hours and credits of one total line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct HoursCredits {
    /// 学时.
    pub hours: Amount,
    /// 学分.
    pub credits: Amount,
}

impl HoursCredits {
    fn add(self, hours: Amount, credits: Amount) -> Self {
        HoursCredits {
            hours: self.hours.saturating_add(hours),
            credits: self.credits.saturating_add(credits),
        }
    }

    /// `51.00 学时（11.00分）` as the booklet prints a total.
    pub fn text(&self) -> String {
        format!("{} 学时（{}分）", self.hours, self.credits)
    }
}

/// The totals that close the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct BookletTotals {
    /// 公需科目.
    pub general: HoursCredits,
    /// 专业科目.
    pub professional: HoursCredits,
    /// 年度累计完成 (general + professional).
    pub year: HoursCredits,
}

/// A person's booklet for one year: header, rows in booklet order, totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct BookletModel {
    /// Whose booklet.
    pub header: BookletHeader,
    /// Rows sorted by [`BookletModel::new`].
    pub rows: Vec<BookletRow>,
    /// Totals computed from `rows`.
    pub totals: BookletTotals,
}

impl BookletModel {
    /// Builds the model: sorts rows into booklet order and computes the totals from them, so
    /// the totals can never disagree with the rows printed above them.
    pub fn new(header: BookletHeader, mut rows: Vec<BookletRow>) -> Self {
        rows.sort_by(BookletRow::booklet_order);
        let mut totals = BookletTotals::default();
        for row in &rows {
            match row.subject {
                Subject::General => totals.general = totals.general.add(row.hours, row.credits),
                Subject::Professional => {
                    totals.professional = totals.professional.add(row.hours, row.credits)
                }
            }
            totals.year = totals.year.add(row.hours, row.credits);
        }
        BookletModel { header, rows, totals }
    }

    /// A person without a single credit row this year; their booklet still prints and says so.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The file name for one-PDF-per-person batches: `科室_姓名_年度.pdf`, with characters
    /// that Windows or Linux refuse in file names replaced by `＿`.
    pub fn file_name(&self) -> String {
        let clean = |s: &str| -> String {
            let cleaned: String = s
                .trim()
                .chars()
                .map(|c| match c {
                    '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' | '_' => '＿',
                    c if c.is_control() => '＿',
                    c => c,
                })
                .collect();
            if cleaned.is_empty() { "未填".to_string() } else { cleaned }
        };
        format!("{}_{}_{}.pdf", clean(&self.header.department), clean(&self.header.name), self.header.year)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn row(day: u32, content: &str, hours: i64, credits: i64, subject: Subject) -> BookletRow {
        BookletRow {
            started_on: date(2025, 8, day),
            ended_on: None,
            form: "继续医学教育项目".into(),
            content: content.into(),
            grade: "合格".into(),
            hours: Amount::from_hundredths(hours),
            credits: Amount::from_hundredths(credits),
            organizer: "示例市中心医院".into(),
            subject,
        }
    }

    fn header() -> BookletHeader {
        BookletHeader {
            unit: "示例县中医院".into(),
            department: "心内科".into(),
            name: "陈示例".into(),
            card_no: "0627120049".into(),
            year: 2025,
        }
    }

    #[test]
    fn amount_parses_and_prints_two_decimals() {
        assert_eq!(Amount::parse("12"), Some(Amount::from_hundredths(1200)));
        assert_eq!(Amount::parse("2.5"), Some(Amount::from_hundredths(250)));
        assert_eq!(Amount::parse(" 0.05 "), Some(Amount::from_hundredths(5)));
        assert_eq!(Amount::parse("-1.25"), Some(Amount::from_hundredths(-125)));
        assert_eq!(Amount::parse("1.234"), None);
        assert_eq!(Amount::parse("abc"), None);
        assert_eq!(Amount::parse(".5"), None);
        assert_eq!(Amount::parse("99999999999999999999"), None);
        assert_eq!(Amount::from_hundredths(1200).to_string(), "12.00");
        assert_eq!(Amount::from_hundredths(5).to_string(), "0.05");
        assert_eq!(Amount::from_hundredths(-125).to_string(), "-1.25");
    }

    #[test]
    fn model_sorts_rows_and_totals_by_subject() {
        let model = BookletModel::new(
            header(),
            vec![
                row(8, "医患沟通与健康型社会构建", 1500, 500, Subject::Professional),
                row(2, "急性心肌梗死救治项目启动会", 1200, 200, Subject::Professional),
                row(7, "法治与医疗安全（公需）", 600, 100, Subject::General),
            ],
        );
        let days: Vec<u32> = model.rows.iter().map(|r| chrono::Datelike::day(&r.started_on)).collect();
        assert_eq!(days, vec![2, 7, 8]);
        assert_eq!(model.totals.general.text(), "6.00 学时（1.00分）");
        assert_eq!(model.totals.professional.text(), "27.00 学时（7.00分）");
        assert_eq!(model.totals.year.text(), "33.00 学时（8.00分）");
        assert!(!model.is_empty());
        assert_eq!(model.rows[0].hours_credits_text(), "12.00(2.00)");
    }

    #[test]
    fn empty_year_is_empty_with_zero_totals() {
        let model = BookletModel::new(header(), Vec::new());
        assert!(model.is_empty());
        assert_eq!(model.totals.year.text(), "0.00 学时（0.00分）");
    }

    #[test]
    fn period_text_shows_ranges() {
        let mut r = row(2, "x", 0, 0, Subject::General);
        assert_eq!(r.period_text(), "2025-08-02");
        r.ended_on = Some(date(2025, 8, 5));
        assert_eq!(r.period_text(), "2025-08-02至2025-08-05");
    }

    #[test]
    fn file_name_is_department_name_year_and_safe() {
        let mut h = header();
        assert_eq!(BookletModel::new(h.clone(), vec![]).file_name(), "心内科_陈示例_2025.pdf");
        h.department = "ICU/急诊".into();
        h.name = String::new();
        assert_eq!(BookletModel::new(h, vec![]).file_name(), "ICU＿急诊_未填_2025.pdf");
    }
}
