//! The two templates the core can take and give today: records → `NewStaff` /
//! `NewApprovedProject`, and roster / approved-list query rows → sheet rows. Field names follow
//! the template files; no validation here beyond what the sheet itself says — the core decides.

use std::collections::HashMap;

use cmedesk_core::{
    CoreError, Desk,
    approved_projects::{self, ApprovedFilter, CreditLevel, NewApprovedProject},
    cards, departments,
    id_number::{self, Gender},
    rules::RuleBook,
    staff::{self, NewStaff, StaffFilter, StaffStatus, TitleLevel},
};

use crate::{
    error::Result,
    read::{Parsed, Record, Warning},
    template::Template,
    value::Value,
};

/// Looks a field up in a record by name.
struct Fields<'a> {
    template: &'a Template,
    record: &'a mut Record,
}

impl Fields<'_> {
    fn get(&self, field: &str) -> &Value {
        match self.template.column(field) {
            Some((i, _)) => &self.record.values[i],
            None => &Value::Empty,
        }
    }
    /// Moves the text out (each field is read once; moving spares a copy per cell).
    fn text(&mut self, field: &str) -> Option<String> {
        take_text(self.record, self.template.column(field).map(|(i, _)| i))
    }
    fn number(&self, field: &str) -> Option<f64> {
        match self.get(field) {
            Value::Decimal(f) => Some(*f),
            Value::Integer(i) => Some(*i as f64),
            _ => None,
        }
    }
}

/// Turns roster records into core inputs, resolving department names through the core and
/// rejecting rows whose department, card or ID cannot be used. Returns (sheet row, input).
pub fn staff_inputs(desk: &Desk, template: &Template, parsed: &mut Parsed) -> Result<Vec<(u32, NewStaff)>> {
    let mut inputs = StaffInputs::new(desk, template)?;
    let mut records = std::mem::take(&mut parsed.records);
    for record in &mut records {
        // Kept in `parsed` either way: the caller reads how many rows were clean.
        let _taken = inputs.take(record, parsed);
    }
    parsed.records = records;
    Ok(inputs.finish())
}

/// [`staff_inputs`] one record at a time, for [`crate::read::parse_streaming`]: the import builds
/// each person while the next rows are still being parsed.
pub struct StaffInputs<'d> {
    desk: &'d Desk,
    /// Looked up once per name: a roster names a dozen departments over thousands of rows.
    departments_by_name: HashMap<String, std::result::Result<String, String>>,
    /// ID number → name of everyone already on the roster.
    existing: HashMap<String, String>,
    /// The template's column of each roster field, looked up once, not once per row.
    columns: RosterColumns,
    out: Vec<(u32, NewStaff)>,
}

/// Indices into a record's values of the roster fields (`None`: the template lacks the field).
struct RosterColumns {
    name: Option<usize>,
    gender: Option<usize>,
    id_number: Option<usize>,
    card_no: Option<usize>,
    department: Option<usize>,
    title: Option<usize>,
    title_level: Option<usize>,
    profession: Option<usize>,
    phone: Option<usize>,
    status: Option<usize>,
}

impl RosterColumns {
    fn of(template: &Template) -> Self {
        let at = |field: &str| template.column(field).map(|(i, _)| i);
        RosterColumns {
            name: at("name"),
            gender: at("gender"),
            id_number: at("id_number"),
            card_no: at("card_no"),
            department: at("department"),
            title: at("title"),
            title_level: at("title_level"),
            profession: at("profession"),
            phone: at("phone"),
            status: at("status"),
        }
    }
}

/// Moves the text of value `i` out of a record, leaving it empty (each field is read once).
fn take_text(record: &mut Record, i: Option<usize>) -> Option<String> {
    let v = record.values.get_mut(i?)?;
    match std::mem::replace(v, Value::Empty) {
        Value::Text(s) => Some(s),
        other => {
            *v = other;
            None
        }
    }
}

impl<'d> StaffInputs<'d> {
    pub fn new(desk: &'d Desk, template: &'d Template) -> Result<Self> {
        let existing = staff::list(desk, &StaffFilter::default())?
            .into_iter()
            .map(|r| (r.staff.id_number, r.staff.name))
            .collect();
        let columns = RosterColumns::of(template);
        Ok(StaffInputs { desk, departments_by_name: HashMap::new(), existing, columns, out: Vec::new() })
    }

    /// Turns one record into an input, or rejects its row in `parsed`. Moves values out of the
    /// record, so returns `false`: nothing of it is worth keeping (see [`crate::read::Sink`]).
    pub fn take(&mut self, record: &mut Record, parsed: &mut Parsed) -> bool {
        let (desk, cols) = (self.desk, &self.columns);
        let row = record.row;
        let mut ok = true;
        let department = take_text(record, cols.department).unwrap_or_default();
        let department_id = match self.departments_by_name.get(&department) {
            Some(known) => known.clone(),
            None => {
                let resolved =
                    departments::resolve(desk, &department).map(|d| d.id).map_err(|e| e.message_zh());
                self.departments_by_name.insert(department, resolved.clone());
                resolved
            }
        };
        let department_id = match department_id {
            Ok(id) => id,
            Err(reason) => {
                parsed.reject(row, Some("department"), reason);
                ok = false;
                String::new()
            }
        };
        let id_number = take_text(record, cols.id_number).unwrap_or_default();
        let gender = take_text(record, cols.gender).as_deref().and_then(Gender::parse);
        // The ID was validated while cleaning; only its gender is compared here.
        if let (Some(given), Some(from_id)) = (gender, record.id_gender)
            && given != from_id
        {
            let e = id_number::IdNumberError::GenderMismatch { from_id, given };
            parsed.reject(row, Some("gender"), e.message_zh());
            ok = false;
        }
        if let Some(name) = self.existing.get(&id_number) {
            parsed.reject(row, Some("id_number"), format!("身份证号已在人员库中（{name}）"));
            ok = false;
        }
        let card_key = match take_text(record, cols.card_no) {
            Some(c) => match cards::normalize_key(&c) {
                Ok(k) => Some(k),
                Err(e) => {
                    parsed.reject(row, Some("card_no"), e.message_zh());
                    ok = false;
                    None
                }
            },
            None => None,
        };
        if ok {
            self.out.push((
                row,
                NewStaff {
                    name: take_text(record, cols.name).unwrap_or_default(),
                    gender,
                    id_number,
                    department_id,
                    title: take_text(record, cols.title),
                    title_level: take_text(record, cols.title_level).as_deref().and_then(TitleLevel::parse),
                    profession: take_text(record, cols.profession),
                    phone: take_text(record, cols.phone),
                    status: take_text(record, cols.status).as_deref().and_then(StaffStatus::parse),
                    note: None,
                    card_key,
                },
            ));
        }
        false
    }

    /// The inputs of every row taken and not rejected, with their sheet rows.
    pub fn finish(self) -> Vec<(u32, NewStaff)> {
        self.out
    }
}

/// Turns approved-list records into core inputs. The year comes from the 年度 column, else from
/// the code's `YYYY-` prefix, else from the start date.
pub fn approved_inputs(
    desk: &Desk,
    template: &Template,
    parsed: &mut Parsed,
) -> Result<Vec<(u32, NewApprovedProject)>> {
    let existing: HashMap<String, String> = approved_projects::list(desk, &ApprovedFilter::default())?
        .into_iter()
        .map(|r| (r.approved.code, r.approved.name))
        .collect();
    // The national list has no 学时 column: hours come from 学分 at the year's rate then.
    let book = RuleBook::embedded().map_err(CoreError::from)?;
    let hours_column = parsed.mapped("total_hours").is_some();
    let mut derived = 0usize;
    let mut records = std::mem::take(&mut parsed.records);
    let mut out = Vec::with_capacity(records.len());
    for record in &mut records {
        let row = record.row;
        let mut f = Fields { template, record };
        let code = match approved_projects::check_code(&f.text("code").unwrap_or_default()) {
            Ok(c) => c,
            Err(e) => {
                parsed.reject(row, Some("code"), e.message_zh());
                continue;
            }
        };
        if let Some(name) = existing.get(&code) {
            parsed.reject(row, Some("code"), format!("项目编号已在项目目录中（{name}）"));
            continue;
        }
        let (start, end) = match f.get("period") {
            Value::DateRange(s, e) => (Some(*s), Some(*e)),
            _ => (None, None),
        };
        let year = f
            .number("year")
            .map(|y| y as i32)
            .or_else(|| code.get(..4).and_then(|y| y.parse().ok()))
            .or_else(|| start.map(|s| chrono::Datelike::year(&s)));
        let Some(year) = year else {
            parsed.reject(row, Some("code"), "无法确定年度：请填写年度列或使用 YYYY- 开头的项目编号".into());
            continue;
        };
        let credit_level = f.text("credit_level").as_deref().and_then(CreditLevel::parse);
        let credits = f.number("credits").unwrap_or_default();
        let total_hours = match f.number("total_hours") {
            Some(h) => h,
            None => {
                let level = credit_level.unwrap_or_else(|| approved_projects::level_of_code(&code));
                match approved_projects::hours_for_credits(desk, &book, year, level, credits) {
                    Ok(h) => {
                        derived += 1;
                        h
                    }
                    Err(e) => {
                        let field = if hours_column { "total_hours" } else { "credits" };
                        parsed.reject(row, Some(field), e.message_zh());
                        continue;
                    }
                }
            }
        };
        out.push((
            row,
            NewApprovedProject {
                code,
                year,
                name: f.text("name").unwrap_or_default(),
                credit_level,
                discipline: f.text("discipline"),
                organizer: f.text("organizer"),
                lead: f.text("lead"),
                planned_start: start,
                planned_end: end,
                venue: f.text("venue"),
                credits,
                total_hours,
                planned_enrolment: f.number("planned_enrolment").map(|n| n as i32),
                source: Some("import".into()),
            },
        ));
    }
    parsed.records = records;
    if derived > 0 {
        let column = if hours_column { "学时（空白单元格）" } else { "学时（文件无此列）" };
        parsed.warnings.push(Warning {
            row: parsed.header_row,
            column: column.to_string(),
            message: format!("{derived}个项目的学时按当年学分规则由学分换算（如国家级项目每3学时1学分）"),
        });
    }
    Ok(out)
}

pub(crate) fn text(s: Option<&str>) -> Value {
    match s {
        Some(s) if !s.is_empty() => Value::Text(s.to_string()),
        _ => Value::Empty,
    }
}

/// Builds a row in template column order from (field, value) pairs.
pub(crate) fn row_of(template: &Template, pairs: Vec<(&str, Value)>) -> Vec<Value> {
    let mut row = vec![Value::Empty; template.columns.len()];
    for (field, v) in pairs {
        if let Some((i, _)) = template.column(field) {
            row[i] = v;
        }
    }
    row
}

/// The roster as sheet rows (`department` limits it to that department and below).
pub fn staff_rows(desk: &Desk, template: &Template, department: Option<&str>) -> Result<Vec<Vec<Value>>> {
    let department_id = match department {
        Some(d) => Some(departments::resolve(desk, d)?.id),
        None => None,
    };
    let rows = staff::list(desk, &StaffFilter { department_id, ..StaffFilter::default() })?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let s = r.staff;
            // `ic:3201…` is shown as the bare number people know; other kinds keep their prefix.
            let card = r.card_key.map(|k| k.strip_prefix("ic:").map(str::to_string).unwrap_or(k));
            row_of(
                template,
                vec![
                    ("name", text(Some(&s.name))),
                    ("gender", text(Some(s.gender.as_str()))),
                    ("id_number", text(Some(&s.id_number))),
                    ("card_no", text(card.as_deref())),
                    ("department", text(Some(&r.department_name))),
                    ("title", text(s.title.as_deref())),
                    ("title_level", text(s.title_level.map(|t| t.as_str()))),
                    ("profession", text(s.profession.as_deref())),
                    ("phone", text(s.phone.as_deref())),
                    ("status", text(Some(s.status.as_str()))),
                ],
            )
        })
        .collect())
}

/// The approved project list as sheet rows, optionally for one year.
pub fn approved_rows(desk: &Desk, template: &Template, year: Option<i32>) -> Result<Vec<Vec<Value>>> {
    let rows = approved_projects::list(desk, &ApprovedFilter { year, ..ApprovedFilter::default() })?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let a = r.approved;
            let period = match (a.planned_start, a.planned_end) {
                (Some(s), Some(e)) => Value::DateRange(s, e),
                (Some(s), None) => Value::DateRange(s, s),
                _ => Value::Empty,
            };
            row_of(
                template,
                vec![
                    ("discipline", text(a.discipline.as_deref())),
                    ("code", text(Some(&a.code))),
                    ("name", text(Some(&a.name))),
                    ("organizer", text(a.organizer.as_deref())),
                    ("lead", text(a.lead.as_deref())),
                    ("period", period),
                    ("venue", text(a.venue.as_deref())),
                    ("credits", Value::Decimal(a.credits)),
                    ("total_hours", Value::Decimal(a.total_hours)),
                    (
                        "planned_enrolment",
                        a.planned_enrolment.map_or(Value::Empty, |n| Value::Integer(n.into())),
                    ),
                    ("year", Value::Integer(a.year.into())),
                    ("credit_level", text(Some(a.credit_level.as_str()))),
                ],
            )
        })
        .collect())
}

/// The credit list (学分明细, seed 003's credit query export): credits of a CME year (all years
/// when `year` is absent), of people in `department` and below when given; revoked credits are
/// left out, as the query screen does.
pub fn credit_rows(
    desk: &Desk,
    template: &Template,
    year: Option<i32>,
    department: Option<&str>,
    person: Option<&str>,
) -> Result<Vec<Vec<Value>>> {
    let department_id = match department {
        Some(d) => Some(departments::resolve(desk, d)?.id),
        None => None,
    };
    // One person (个人学分's export): only their credits, whatever their department.
    let person = match person.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(staff::resolve(desk, p)?),
        None => None,
    };
    let people: HashMap<String, (String, String)> = match &person {
        Some(row) => {
            HashMap::from([(row.staff.id.clone(), (row.staff.name.clone(), row.staff.id_number.clone()))])
        }
        None => staff::list(desk, &StaffFilter { department_id, ..StaffFilter::default() })?
            .into_iter()
            .map(|r| (r.staff.id, (r.staff.name, r.staff.id_number)))
            .collect(),
    };
    let credits = cmedesk_core::credits::store::list(
        desk,
        &cmedesk_core::credits::store::CreditFilter {
            cme_year: year,
            staff_id: person.map(|row| row.staff.id),
            ..Default::default()
        },
    )?;
    Ok(credits
        .into_iter()
        .filter_map(|c| {
            let c = c.record;
            let (name, id_number) = people.get(&c.staff_id)?;
            // The review state's stable key is its serde name (`pending`, `approved`, …).
            let state =
                serde_json::to_value(c.review_status).ok().and_then(|v| v.as_str().map(str::to_string));
            Some(row_of(
                template,
                vec![
                    ("name", text(Some(name))),
                    ("id_number", text(Some(id_number))),
                    ("date", Value::Date(c.activity_date)),
                    ("project_code", text(c.project_code.as_deref())),
                    ("activity", text(Some(&c.activity_name))),
                    ("activity_type", text(Some(&c.category))),
                    ("credit_level", text(c.credit_level.as_deref())),
                    ("hours", Value::Decimal(c.hours.to_decimal())),
                    ("credits", Value::Decimal(c.credits.to_decimal())),
                    ("review_state", text(state.as_deref())),
                ],
            ))
        })
        .collect())
}
