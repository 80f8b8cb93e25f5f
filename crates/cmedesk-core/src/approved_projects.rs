//! The approved project list (国家级/省级继续医学教育项目公布目录): projects the platform has
//! approved. A hospital never types a project in; it selects one from this list (seed 004 step 7).
//! Filled by import or sync; `add` serves the CLI and tests until then.

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::{
    actor::{Actor, Permission},
    error::{CoreError, Result},
    sql::{self, text_enum},
    store::Desk,
};

const ENTITY: &str = "approved_project";

text_enum! {
    /// 学分级别.
    pub enum CreditLevel {
        National = ("national", "国家级"),
        Provincial = ("provincial", "省级"),
        Municipal = ("municipal", "市级"),
        Hospital = ("hospital", "院级"),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ApprovedProject {
    pub id: String,
    pub code: String,
    pub year: i32,
    pub name: String,
    pub credit_level: CreditLevel,
    /// 学科名称.
    pub discipline: Option<String>,
    /// 申办单位.
    pub organizer: Option<String>,
    pub lead: Option<String>,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub venue: Option<String>,
    pub credits: f64,
    pub total_hours: f64,
    pub planned_enrolment: Option<i32>,
    /// Where the entry came from: `manual`, `import`, `sync`, `demo`.
    pub source: String,
}

#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(default)]
pub struct NewApprovedProject {
    pub code: String,
    pub year: i32,
    pub name: String,
    pub credit_level: Option<CreditLevel>,
    pub discipline: Option<String>,
    pub organizer: Option<String>,
    pub lead: Option<String>,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub venue: Option<String>,
    pub credits: f64,
    pub total_hours: f64,
    pub planned_enrolment: Option<i32>,
    pub source: Option<String>,
}

/// An approved entry and, when the hospital already hosts it, the hosted project's id.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ApprovedProjectRow {
    #[serde(flatten)]
    #[ts(flatten)]
    pub approved: ApprovedProject,
    pub hosted_project_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(default)]
pub struct ApprovedFilter {
    pub year: Option<i32>,
    /// Code or name contains.
    pub query: Option<String>,
    /// Only entries not hosted yet.
    pub available_only: bool,
}

/// `2026-04-08-186（国）` → `2026-04-08-186(国)`: spaces dropped, brackets folded to ASCII.
pub fn normalize_code(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '－' | '—' => '-',
            '\u{FF10}'..='\u{FF19}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// A project number is `YYYY-…` (published) or starts with `L` (temporary, V-2); at most 30
/// characters (V-1).
pub fn check_code(raw: &str) -> Result<String> {
    let code = normalize_code(raw);
    if code.is_empty() {
        return Err(CoreError::Required { field: "code", label_zh: "项目编号" });
    }
    sql::max_chars(&code, 30, "code", "项目编号")?;
    let published =
        code.len() > 5 && code[..4].chars().all(|c| c.is_ascii_digit()) && code[4..].starts_with('-');
    if !published && !code.starts_with('L') {
        return Err(CoreError::invalid(
            "code",
            "PROJECT_CODE_FORMAT",
            format!("项目编号「{code}」格式不正确（应如 2026-04-08-186(国)，临时编号以 L 开头）"),
            format!("project code {code:?} must look like 2026-04-08-186(国) or start with L"),
        ));
    }
    Ok(code)
}

pub(crate) fn amount_in_range(v: f64, field: &'static str, label_zh: &'static str, max: f64) -> Result<()> {
    if !v.is_finite() || v <= 0.0 || v > max {
        return Err(CoreError::invalid(
            field,
            "AMOUNT_RANGE",
            format!("{label_zh}应大于0且不超过{max}"),
            format!("{field} must be > 0 and <= {max}"),
        ));
    }
    Ok(())
}

/// The credit level a published code implies when the list has no 学分级别 column: `(国)` is
/// national, anything else provincial.
pub fn level_of_code(code: &str) -> CreditLevel {
    if code.contains('国') { CreditLevel::National } else { CreditLevel::Provincial }
}

/// The hours an approved entry stands for when its published list gives only credits (the
/// national list has no 学时 column): the participants' rate of the rule set in force that year,
/// turned round — national 1 credit per 3 hours, provincial 1 per 6.
/// Session-rated levels (院级, R-35) have no hours to derive and are refused, as is a year no
/// rule set covers. Rounded to a hundredth of an hour.
pub fn hours_for_credits(
    desk: &Desk,
    book: &crate::rules::RuleBook,
    year: i32,
    level: CreditLevel,
    credits: f64,
) -> Result<f64> {
    let rule_set = crate::credits::store::rule_set_for_year(desk, book, year)?;
    let rate = &rule_set.project_rate(level.as_str())?.participant;
    let (per, earned) = (rate.per.to_decimal(), rate.credits.to_decimal());
    if rate.unit != "hour" || earned <= 0.0 {
        return Err(CoreError::invalid(
            "total_hours",
            "HOURS_NOT_DERIVABLE",
            format!(
                "{}项目按{}计分，无法由学分换算学时，请填写学时",
                level.label_zh(),
                if rate.unit == "session" { "次" } else { rate.unit.as_str() }
            ),
            format!("{} credits are per {}; hours cannot be derived", level.as_str(), rate.unit),
        ));
    }
    Ok((credits * per / earned * 100.0).round() / 100.0)
}

pub fn add(desk: &mut Desk, actor: &Actor, new: NewApprovedProject) -> Result<ApprovedProject> {
    let mut added = add_many(desk, actor, vec![new])?;
    added.pop().ok_or_else(|| CoreError::Corrupt("add_many returned nothing".into()))
}

/// Adds many approved entries in one transaction (an imported list): all of them, or none — the
/// error names the entry (`CoreError::InBatch`). Each entry is checked and audited exactly like
/// [`add`]; a code repeated inside the batch is a duplicate too.
pub fn add_many(
    desk: &mut Desk,
    actor: &Actor,
    entries: Vec<NewApprovedProject>,
) -> Result<Vec<ApprovedProject>> {
    actor.require(Permission::EditProjects)?;
    let many = entries.len() > 1;
    let wrap = |index: usize, e: CoreError| {
        if many { CoreError::in_batch(index, e) } else { e }
    };
    let mut checked = Vec::with_capacity(entries.len());
    let mut codes = std::collections::HashSet::new();
    for (index, new) in entries.into_iter().enumerate() {
        let (code, name) = check_new(desk, &new).map_err(|e| wrap(index, e))?;
        if !codes.insert(code.clone()) {
            return Err(wrap(
                index,
                CoreError::Duplicate { entity: ENTITY, entity_zh: "项目编号", field: "code", key: code },
            ));
        }
        checked.push((code, name, new));
    }
    desk.change(actor, |c| {
        let mut out = Vec::with_capacity(checked.len());
        for (code, name, new) in checked {
            let p = ApprovedProject {
                id: c.new_id(),
                credit_level: new.credit_level.unwrap_or_else(|| level_of_code(&new.code)),
                code,
                year: new.year,
                name,
                discipline: sql::clean(new.discipline.as_deref()),
                organizer: sql::clean(new.organizer.as_deref()),
                lead: sql::clean(new.lead.as_deref()),
                planned_start: new.planned_start,
                planned_end: new.planned_end,
                venue: sql::clean(new.venue.as_deref()),
                credits: new.credits,
                total_hours: new.total_hours,
                planned_enrolment: new.planned_enrolment,
                source: sql::clean(new.source.as_deref()).unwrap_or_else(|| "manual".into()),
            };
            c.tx().execute(
                "INSERT INTO approved_projects(id, code, year, name, credit_level, discipline, organizer, lead, planned_start,
                     planned_end, venue, credits, total_hours, planned_enrolment, source, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                params![
                    p.id,
                    p.code,
                    p.year,
                    p.name,
                    p.credit_level,
                    p.discipline,
                    p.organizer,
                    p.lead,
                    p.planned_start.map(|d| d.to_string()),
                    p.planned_end.map(|d| d.to_string()),
                    p.venue,
                    p.credits,
                    p.total_hours,
                    p.planned_enrolment,
                    p.source,
                    c.actor().timestamp()
                ],
            )?;
            c.record("approved_project.add", ENTITY, &p.id, None, Some(&p))?;
            out.push(p);
        }
        Ok(out)
    })
}

/// The checks of [`add`] for one entry: (normalised code, trimmed name).
fn check_new(desk: &Desk, new: &NewApprovedProject) -> Result<(String, String)> {
    let (code, name) = check_entry(new)?;
    let existing: Option<String> = desk
        .conn()
        .prepare_cached("SELECT id FROM approved_projects WHERE code = ?1")?
        .query_row([&code], |r| r.get(0))
        .optional()?;
    if existing.is_some() {
        return Err(CoreError::Duplicate {
            entity: ENTITY, entity_zh: "项目编号", field: "code", key: code
        });
    }
    Ok((code, name))
}

/// The checks of one entry that need no database (the provincial side runs them too):
/// (normalised code, trimmed name).
pub(crate) fn check_entry(new: &NewApprovedProject) -> Result<(String, String)> {
    let code = check_code(&new.code)?;
    let name = sql::required(&new.name, "name", "项目名称")?;
    sql::max_chars(&name, 300, "name", "项目名称")?;
    if !(2000..=2100).contains(&new.year) {
        return Err(CoreError::invalid("year", "YEAR_RANGE", "年度不正确", "year out of range"));
    }
    amount_in_range(new.credits, "credits", "学分", 99.0)?;
    amount_in_range(new.total_hours, "total_hours", "总学时", 1000.0)?;
    if let (Some(s), Some(e)) = (new.planned_start, new.planned_end)
        && s > e
    {
        return Err(CoreError::invalid(
            "planned_end",
            "DATE_ORDER",
            "拟举办截止日期早于起始日期",
            "planned end before start",
        ));
    }
    Ok((code, name))
}

const SELECT: &str = "SELECT a.id, a.code, a.year, a.name, a.credit_level, a.discipline, a.organizer, a.lead,
    a.planned_start, a.planned_end, a.venue, a.credits, a.total_hours, a.planned_enrolment, a.source,
    (SELECT p.id FROM projects p WHERE p.approved_project_id = a.id)
    FROM approved_projects a";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ApprovedProjectRow> {
    let date = |i: usize| -> rusqlite::Result<Option<NaiveDate>> {
        Ok(r.get::<_, Option<String>>(i)?.and_then(|s| s.parse().ok()))
    };
    Ok(ApprovedProjectRow {
        approved: ApprovedProject {
            id: r.get(0)?,
            code: r.get(1)?,
            year: r.get(2)?,
            name: r.get(3)?,
            credit_level: r.get(4)?,
            discipline: r.get(5)?,
            organizer: r.get(6)?,
            lead: r.get(7)?,
            planned_start: date(8)?,
            planned_end: date(9)?,
            venue: r.get(10)?,
            credits: r.get(11)?,
            total_hours: r.get(12)?,
            planned_enrolment: r.get(13)?,
            source: r.get(14)?,
        },
        hosted_project_id: r.get(15)?,
    })
}

pub fn list(desk: &Desk, filter: &ApprovedFilter) -> Result<Vec<ApprovedProjectRow>> {
    let sql = format!(
        "{SELECT} WHERE (?1 IS NULL OR a.year = ?1)
           AND (?2 IS NULL OR a.code LIKE '%' || ?2 || '%' OR a.name LIKE '%' || ?2 || '%')
         ORDER BY a.year DESC, a.code"
    );
    let rows: Vec<ApprovedProjectRow> = desk
        .conn()
        .prepare(&sql)?
        .query_map(params![filter.year, sql::clean(filter.query.as_deref())], row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows.into_iter().filter(|r| !filter.available_only || r.hosted_project_id.is_none()).collect())
}

/// By id or by project code.
pub fn resolve(desk: &Desk, reference: &str) -> Result<ApprovedProjectRow> {
    let code = normalize_code(reference);
    desk.conn()
        .query_row(&format!("{SELECT} WHERE a.id = ?1 OR a.code = ?2"), params![reference.trim(), code], row)
        .optional()?
        .ok_or_else(|| CoreError::NotFound {
            entity: ENTITY,
            entity_zh: "已批准项目",
            key: reference.to_string(),
        })
}
