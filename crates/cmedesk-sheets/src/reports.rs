//! Report exports from the core's compliance evaluation (达标统计, W7/W8): `compliance-report`
//! (one row per department and a 全院合计 row) and `annual-review` (年度审验, one row per person
//! with the counted totals). Both need the CME year; `department` narrows them to it and below,
//! as the 达标统计 page does. And `attendance-detail` (考勤明细) of one project from its swipes.

use std::collections::{HashMap, HashSet};

use cmedesk_core::{
    Desk,
    compliance::{ComplianceReport, Summary as ComplianceSummary},
    credits::{project_grant, store},
    departments, printouts, projects,
    rules::RuleBook,
    staff::{self, StaffFilter},
    swipes, terminals,
};

use crate::{
    domain::{row_of, text},
    error::{Result, SheetsError},
    template::Template,
    value::Value,
};

fn year_of(template: &Template, year: Option<i32>) -> Result<i32> {
    year.ok_or_else(|| SheetsError::YearRequired { template: template.name.clone() })
}

fn department_id(desk: &Desk, department: Option<&str>) -> Result<Option<String>> {
    Ok(match department {
        Some(d) => Some(departments::resolve(desk, d)?.id),
        None => None,
    })
}

/// The compliance report of the template's year (required) for `department` and below.
fn compliance_report(
    desk: &Desk,
    template: &Template,
    year: Option<i32>,
    department: Option<&str>,
) -> Result<(i32, ComplianceReport)> {
    let year = year_of(template, year)?;
    let book = RuleBook::embedded().map_err(cmedesk_core::CoreError::from)?;
    let department = department_id(desk, department)?;
    Ok((year, store::compliance_report(desk, &book, year, department.as_deref(), None)?))
}

/// Everybody on the roster (any status) by staff id, with their department's name.
fn roster_by_id(desk: &Desk) -> Result<HashMap<String, staff::StaffRow>> {
    Ok(staff::list(desk, &StaffFilter::default())?.into_iter().map(|r| (r.staff.id.clone(), r)).collect())
}

fn summary_row(template: &Template, year: i32, name: &str, s: &ComplianceSummary) -> Vec<Value> {
    row_of(
        template,
        vec![
            ("year", Value::Integer(year.into())),
            ("department", text(Some(name))),
            ("headcount", Value::Integer(s.total as i64)),
            ("compliant", Value::Integer(s.compliant as i64)),
            ("non_compliant", Value::Integer(s.non_compliant as i64)),
            ("exempt", Value::Integer(s.exempt as i64)),
            ("rate", Value::Decimal(s.rate_percent.to_decimal())),
        ],
    )
}

/// 科室达标统计: each department's counts in the report's order, then the whole selection.
pub fn compliance_rows(
    desk: &Desk,
    template: &Template,
    year: Option<i32>,
    department: Option<&str>,
) -> Result<Vec<Vec<Value>>> {
    let (year, report) = compliance_report(desk, template, year, department)?;
    let names: HashMap<String, String> =
        departments::list(desk)?.into_iter().map(|d| (d.id, d.name)).collect();
    let mut rows: Vec<Vec<Value>> = report
        .departments
        .iter()
        .map(|d| {
            let name =
                d.department_id.as_ref().and_then(|id| names.get(id)).map_or("（无科室）", String::as_str);
            summary_row(template, year, name, &d.summary)
        })
        .collect();
    let total = if department.is_some() { "合计" } else { "全院合计" };
    rows.push(summary_row(template, year, total, &report.hospital));
    Ok(rows)
}

/// 年度学分审验: every person of the selection with the counted credits and hours and the result.
pub fn annual_review_rows(
    desk: &Desk,
    template: &Template,
    year: Option<i32>,
    department: Option<&str>,
) -> Result<Vec<Vec<Value>>> {
    let (year, report) = compliance_report(desk, template, year, department)?;
    let roster = roster_by_id(desk)?;
    let unit = printouts::unit_name(desk)?;
    Ok(report
        .people
        .iter()
        .filter_map(|p| {
            let r = roster.get(&p.staff_id)?;
            let status = serde_json::to_value(p.status).ok().and_then(|v| v.as_str().map(str::to_string));
            Some(row_of(
                template,
                vec![
                    ("year", Value::Integer(year.into())),
                    ("total_credits", Value::Decimal(p.totals.credits.to_decimal())),
                    ("total_hours", Value::Decimal(p.totals.hours.to_decimal())),
                    ("compliance", text(status.as_deref())),
                    ("status", text(Some(r.staff.status.label_zh()))),
                    ("name", text(Some(&r.staff.name))),
                    ("id_number", text(Some(&r.staff.id_number))),
                    ("title_level", text(r.staff.title_level.map(|t| t.label_zh()))),
                    ("title", text(r.staff.title.as_deref())),
                    ("profession", text(r.staff.profession.as_deref())),
                    ("unit", text(Some(&unit))),
                    ("department", text(Some(&r.department_name))),
                ],
            ))
        })
        .collect())
}

/// 考勤明细 of one project (the upload after an event, W2/W4): every swipe of a known card in time
/// order — a repeat delivery of the same swipe (`duplicate`) is left out — with the holder, the
/// terminal and 是否有效 from the project's attendance analysis (the person's, as granting sees
/// it). Swipes of unknown cards have nobody to name and stay in 考勤分析.
pub fn attendance_rows(desk: &Desk, template: &Template, project: Option<&str>) -> Result<Vec<Vec<Value>>> {
    let project = project
        .filter(|p| !p.trim().is_empty())
        .ok_or_else(|| SheetsError::ProjectRequired { template: template.name.clone() })?;
    let project = projects::resolve(desk, project.trim())?;
    let book = RuleBook::embedded().map_err(cmedesk_core::CoreError::from)?;
    // A project without holding periods has no analysis yet: every swipe is then 无效.
    let valid: HashSet<String> = match project_grant::analyze_project(desk, &book, &project.id) {
        Ok(a) => a
            .analysis
            .people
            .iter()
            .filter(|p| p.valid)
            .filter_map(|p| p.staff_id().map(str::to_string))
            .collect(),
        Err(cmedesk_core::CoreError::Required { .. }) => HashSet::new(),
        Err(e) => return Err(e.into()),
    };
    let roster = roster_by_id(desk)?;
    let terminals: HashMap<String, String> =
        terminals::list(desk)?.into_iter().map(|t| (t.id, t.name)).collect();
    let filter = swipes::SwipeFilter { project_id: Some(project.id.clone()), ..Default::default() };
    Ok(swipes::list(desk, &filter)?
        .into_iter()
        .filter(|s| s.status != swipes::SwipeStatus::Duplicate)
        .filter_map(|s| {
            let person = roster.get(s.staff_id.as_deref()?)?;
            let card = s.card_key.split_once(':').map_or(s.card_key.as_str(), |(_, number)| number);
            let yes_no = if valid.contains(&person.staff.id) { "yes" } else { "no" };
            Some(row_of(
                template,
                vec![
                    ("project_code", text(Some(&project.code))),
                    ("name", text(Some(&person.staff.name))),
                    ("id_number", text(Some(&person.staff.id_number))),
                    ("card_no", text(Some(card))),
                    ("department", text(Some(&person.department_name))),
                    ("swipe_date", Value::Date(s.swiped_at.date())),
                    ("swipe_time", text(Some(&s.swiped_at.format("%H:%M:%S").to_string()))),
                    ("terminal", text(terminals.get(&s.terminal_id).map(String::as_str))),
                    ("valid", text(Some(yes_no))),
                ],
            ))
        })
        .collect())
}
