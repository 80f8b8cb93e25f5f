//! Page models built from the stored credits: a person's booklet (学分登记手册) for a CME year,
//! lazy booklet batches for a department or the whole hospital, and the credit statement
//! (学分记录明细表). What prints is decided here, once, for every printer:
//!
//! * a credit prints when it is approved (通过, which system credits are from birth) and not
//!   revoked — drafts, pending, returned and rejected manual credits are not part of the record;
//! * a batch covers everybody of the scope who is not cancelled or transferred out, plus anyone
//!   who has printable credits that year (a person who left in June still gets their booklet).
//!
//! Batches are lazy: the people (a few fields each) are listed up front, then each person's
//! credits are read only when their model is asked for, so memory stays flat for 100,000 staff.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, FixedOffset, NaiveDate};
use rusqlite::OptionalExtension;

use crate::booklet::{Amount, BookletHeader, BookletModel, BookletRow};
use crate::credits::store::StoredCredit;
use crate::credits::{CreditClass, CreditSource};
use crate::error::{CoreError, Result};
use crate::rules::RuleBook;
use crate::staff::{self, StaffFilter, StaffRow, StaffStatus};
use crate::statement::{Statement, StatementRow, mask_id_number};
use crate::{Actor, Desk, Permission, departments};

/// Which people a booklet batch covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookletScope {
    /// One person (staff id).
    Staff(String),
    /// A department and everything below it (department id).
    Department(String),
    /// The whole hospital.
    All,
}

/// The hospital's name as printed (所在单位 / 单位名称), from the desk settings; empty when it
/// was never set, so the office writes it by hand next to the stamp rather than a wrong one.
pub fn unit_name(desk: &Desk) -> Result<String> {
    Ok(desk
        .conn()
        .query_row("SELECT value FROM desk_meta WHERE key = 'hospital_name'", [], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
}

/// Sets the hospital's name printed on booklets and statements (an admin's setting; audited).
pub fn set_unit_name(desk: &mut Desk, actor: &Actor, name: &str) -> Result<String> {
    actor.require(Permission::ManageUsers)?;
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(CoreError::invalid(
            "unit",
            "UNIT_NAME_LENGTH",
            "单位名称应为 1–100 个字",
            "the unit name must be 1-100 characters",
        ));
    }
    let before = unit_name(desk)?;
    desk.change(actor, |c| {
        c.tx().execute(
            "INSERT INTO desk_meta(key, value) VALUES ('hospital_name', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [&name],
        )?;
        c.record("set", "desk_meta", "hospital_name", Some(&before), Some(&name))?;
        Ok(name.clone())
    })
}

/// The card number as a booklet prints it: the canonical key without its scheme; an ID-card
/// key (`rid:`) prints masked like every other printed ID number.
pub fn card_no_text(card_key: Option<&str>) -> String {
    match card_key.and_then(|k| k.split_once(':')) {
        Some(("rid", id)) => mask_id_number(id),
        Some((_, number)) => number.to_string(),
        None => card_key.unwrap_or_default().to_string(),
    }
}

/// A person's printable credits for a CME year (approved, not revoked), by date then id, with
/// the date each was recorded (学分发放时间).
pub fn printable_credits(desk: &Desk, staff_id: &str, year: i32) -> Result<Vec<(StoredCredit, NaiveDate)>> {
    let sql = format!(
        "SELECT {}, created_at FROM credits
         WHERE staff_id = ?1 AND cme_year = ?2 AND revoked_at IS NULL AND review_status = 'approved'
         ORDER BY activity_date, id",
        crate::credits::store::COLUMNS.replace('\n', " ")
    );
    let mut stmt = desk.conn().prepare_cached(&sql)?;
    let rows = stmt
        .query_map(rusqlite::params![staff_id, year], |r| {
            let credit = crate::credits::store::row(r)?;
            let created: String = r.get(22)?;
            let on = created.get(..10).and_then(|d| d.parse().ok()).unwrap_or(credit.record.activity_date);
            Ok((credit, on))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn level_label(level: &str) -> Option<&'static str> {
    match level {
        "national" => Some("国家级"),
        "provincial" => Some("省级"),
        "municipal" => Some("市级"),
        "hospital" => Some("院级"),
        _ => None,
    }
}

fn class_label(class: CreditClass) -> &'static str {
    match class {
        CreditClass::ClassI => "I类学分",
        CreditClass::ClassII => "II类学分",
    }
}

/// What a project contributes to its credits' booklet rows: 举办方式 and the held dates.
#[derive(Debug, Clone, Default)]
struct ProjectFacts {
    delivery: Option<String>,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
}

/// Builds booklets one person at a time; caches what many people share (projects, rule sets).
pub struct BookletMaker<'d> {
    desk: &'d Desk,
    year: i32,
    unit: String,
    book: RuleBook,
    projects: HashMap<String, ProjectFacts>,
}

impl<'d> BookletMaker<'d> {
    /// A maker for CME year `year`, printing `unit` (see [`unit_name`]) in the header.
    pub fn new(desk: &'d Desk, year: i32, unit: String) -> Result<BookletMaker<'d>> {
        let book = RuleBook::embedded().map_err(CoreError::from)?;
        Ok(BookletMaker { desk, year, unit, book, projects: HashMap::new() })
    }

    fn project(&mut self, id: &str) -> Result<ProjectFacts> {
        if let Some(p) = self.projects.get(id) {
            return Ok(p.clone());
        }
        let facts = self
            .desk
            .conn()
            .prepare_cached(
                "SELECT p.delivery, (SELECT MIN(starts_on) FROM holding_periods h WHERE h.project_id = p.id),
                        (SELECT MAX(ends_on) FROM holding_periods h WHERE h.project_id = p.id)
                 FROM projects p WHERE p.id = ?1",
            )?
            .query_row([id], |r| {
                let day = |s: Option<String>| s.and_then(|s| s.parse::<NaiveDate>().ok());
                Ok(ProjectFacts { delivery: r.get(0)?, starts_on: day(r.get(1)?), ends_on: day(r.get(2)?) })
            })
            .optional()?
            .unwrap_or_default();
        self.projects.insert(id.to_string(), facts.clone());
        Ok(facts)
    }

    /// 形式: the project's 举办方式, else what the source says (远程教育, a manual category's name).
    fn form(&self, c: &StoredCredit, facts: &ProjectFacts) -> String {
        let r = &c.record;
        if let Some(d) = facts.delivery.as_deref().filter(|d| !d.trim().is_empty()) {
            return d.to_string();
        }
        if r.source == CreditSource::Remote {
            return "远程教育".to_string();
        }
        if let Some(cat) = self.book.get(&r.rule_set).ok().and_then(|rs| rs.category(&r.category)) {
            return cat.name.clone();
        }
        if r.category.starts_with("project")
            || matches!(r.source, CreditSource::Attendance | CreditSource::Speaker)
        {
            return "继续医学教育项目".to_string();
        }
        r.category.clone()
    }

    /// The booklet row of one stored credit.
    fn row(&mut self, c: &StoredCredit) -> Result<BookletRow> {
        let r = &c.record;
        let facts = match &r.project_id {
            Some(p) => self.project(p)?,
            None => ProjectFacts::default(),
        };
        // A project's row shows the days it was held; other credits their activity date.
        let (started_on, ended_on) = match (facts.starts_on, facts.ends_on) {
            (Some(s), Some(e)) if s <= r.activity_date && r.activity_date <= e => (s, Some(e)),
            _ => (r.activity_date, None),
        };
        let mut grade = match (r.class, r.credit_level.as_deref().and_then(level_label)) {
            (Some(class), _) => class_label(class).to_string(),
            (None, Some(level)) => level.to_string(),
            (None, None) => "合格".to_string(),
        };
        if r.source == CreditSource::Speaker {
            grade.push_str("（授课）");
        }
        Ok(BookletRow {
            started_on,
            ended_on,
            form: self.form(c, &facts),
            content: r.activity_name.clone(),
            grade,
            hours: Amount::from_hundredths(r.hours.hundredths()),
            credits: Amount::from_hundredths(r.credits.hundredths()),
            organizer: r.issuer.clone(),
            subject: r.subject,
        })
    }

    /// The booklet of one person (a row of the roster) for the maker's year.
    pub fn booklet(&mut self, person: &StaffRow) -> Result<BookletModel> {
        let credits = printable_credits(self.desk, &person.staff.id, self.year)?;
        let mut rows = Vec::with_capacity(credits.len());
        for (c, _) in &credits {
            rows.push(self.row(c)?);
        }
        let header = BookletHeader {
            unit: self.unit.clone(),
            department: person.department_name.clone(),
            name: person.staff.name.clone(),
            card_no: card_no_text(person.card_key.as_deref()),
            year: self.year,
        };
        Ok(BookletModel::new(header, rows))
    }
}

/// One person's booklet for `year`, from the stored credits.
pub fn booklet(desk: &Desk, staff_id: &str, year: i32) -> Result<BookletModel> {
    let person = staff::get_row(desk, staff_id)?;
    BookletMaker::new(desk, year, unit_name(desk)?)?.booklet(&person)
}

/// The people a batch prints, in roster order (department order, then name).
pub fn booklet_people(desk: &Desk, scope: &BookletScope, year: i32) -> Result<Vec<StaffRow>> {
    let people = match scope {
        BookletScope::Staff(id) => return Ok(vec![staff::get_row(desk, id)?]),
        BookletScope::Department(id) => {
            departments::get(desk, id)?;
            staff::list(desk, &StaffFilter { department_id: Some(id.clone()), ..StaffFilter::default() })?
        }
        BookletScope::All => staff::list(desk, &StaffFilter::default())?,
    };
    let with_credits: HashSet<String> = desk
        .conn()
        .prepare(
            "SELECT DISTINCT staff_id FROM credits
             WHERE cme_year = ?1 AND revoked_at IS NULL AND review_status = 'approved'",
        )?
        .query_map([year], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(people
        .into_iter()
        .filter(|p| {
            !matches!(p.staff.status, StaffStatus::Cancelled | StaffStatus::TransferredOut)
                || with_credits.contains(&p.staff.id)
        })
        .collect())
}

/// A lazy batch: each next() reads one person's credits and builds their booklet.
pub struct BookletBatch<'d> {
    maker: BookletMaker<'d>,
    // Declared after `maker` so it drops after the statements that read through it.
    _cache: crate::store::ScanCache<'d>,
    people: std::vec::IntoIter<StaffRow>,
    total: usize,
}

impl BookletBatch<'_> {
    /// How many booklets the batch yields.
    pub fn total(&self) -> usize {
        self.total
    }
}

impl Iterator for BookletBatch<'_> {
    type Item = Result<BookletModel>;

    fn next(&mut self) -> Option<Self::Item> {
        let person = self.people.next()?;
        Some(self.maker.booklet(&person))
    }
}

/// The booklets of `scope` for `year`, built lazily from the stored credits.
pub fn booklet_batch<'d>(desk: &'d Desk, scope: &BookletScope, year: i32) -> Result<BookletBatch<'d>> {
    let cache = desk.scan_cache()?;
    let people = booklet_people(desk, scope, year)?;
    let total = people.len();
    let maker = BookletMaker::new(desk, year, unit_name(desk)?)?;
    Ok(BookletBatch { maker, _cache: cache, people: people.into_iter(), total })
}

/// 学分类别 of a statement row: class, else credit level, else the rule set's category name.
fn statement_category(book: &RuleBook, c: &StoredCredit) -> String {
    let r = &c.record;
    let level = r.credit_level.as_deref().and_then(level_label);
    match (level, r.class) {
        (Some(l), Some(CreditClass::ClassI)) => format!("{l}I类"),
        (Some(l), Some(CreditClass::ClassII)) => format!("{l}II类"),
        (None, Some(class)) => class_label(class).to_string(),
        (Some(l), None) => l.to_string(),
        (None, None) => book
            .get(&r.rule_set)
            .ok()
            .and_then(|rs| rs.category(&r.category))
            .map(|cat| cat.name.clone())
            .unwrap_or_else(|| r.category.clone()),
    }
}

/// The credit statement of one person for `year` from the stored credits, printed at
/// `printed_at` (passed in: the core reads no clock). The ID number is masked unless
/// `reveal_id_number`.
pub fn statement(
    desk: &Desk,
    staff_id: &str,
    year: i32,
    reveal_id_number: bool,
    printed_at: DateTime<FixedOffset>,
) -> Result<Statement> {
    let person = staff::get_row(desk, staff_id)?;
    let book = RuleBook::embedded().map_err(CoreError::from)?;
    let rows = printable_credits(desk, staff_id, year)?
        .into_iter()
        .map(|(c, granted_on)| StatementRow {
            project_name: c.record.activity_name.clone(),
            project_code: c.record.project_code.clone().unwrap_or_default(),
            category: statement_category(&book, &c),
            credits: Amount::from_hundredths(c.record.credits.hundredths()),
            hours: Amount::from_hundredths(c.record.hours.hundredths()),
            granted_on,
        })
        .collect();
    Ok(Statement::new(
        person.staff.name.clone(),
        person.staff.gender.label_zh(),
        &person.staff.id_number,
        reveal_id_number,
        unit_name(desk)?,
        rows,
        printed_at,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_numbers_print_without_their_scheme_and_id_cards_masked() {
        assert_eq!(card_no_text(Some("ic:0627120049")), "0627120049");
        assert_eq!(card_no_text(Some("uid:04A1B2C3")), "04A1B2C3");
        assert_eq!(card_no_text(Some("rid:11010519491231002X")), "1101**********002X");
        assert_eq!(card_no_text(None), "");
    }

    #[test]
    fn a_batch_reads_through_a_small_cache_and_gives_the_bulk_cache_back() {
        let desk = Desk::open_in_memory().unwrap();
        let cache = |d: &Desk| d.conn().query_row("PRAGMA cache_size", [], |r| r.get::<_, i64>(0)).unwrap();
        let bulk = cache(&desk);
        assert!(bulk < -crate::store::SCAN_CACHE_KIB, "the desk opens with the bulk cache ({bulk})");
        let batch = booklet_batch(&desk, &BookletScope::All, 2026).unwrap();
        assert_eq!(cache(&desk), -crate::store::SCAN_CACHE_KIB);
        drop(batch);
        assert_eq!(cache(&desk), bulk);
    }
}
