//! 学分 commands: attendance analysis, grant preview and grant (授分), manual credits and their
//! review, the annual review (年度审验), compliance (达标统计) and one person's credits.
//! Each is a few lines into `cmedesk_core::credits` / `annual_review`; the rule book is the
//! embedded one, as in the CLI.

use chrono::NaiveDate;
use cmedesk_core::CoreError;
use cmedesk_core::annual_review::{self, MarkReport, Marking, ReviewCalendar, YearStatus};
use cmedesk_core::compliance::ComplianceReport;
use cmedesk_core::credits::project_grant::{self, GrantPreview, GrantRequest, ProjectAnalysis, ProjectGrant};
use cmedesk_core::credits::store::{self, CreditFilter, NewEvidence, StoredCredit};
use cmedesk_core::manual_credits::{ManualCreditForm, ReviewDecision, ReviewPolicy, SaveMode};
use cmedesk_core::rules::{RuleBook, RuleSet};
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::error::ApiResult;
use crate::state::AppState;

fn book() -> ApiResult<RuleBook> {
    Ok(RuleBook::embedded().map_err(CoreError::from)?)
}

fn policy(skip_department: bool) -> ReviewPolicy {
    ReviewPolicy { department_required: !skip_department }
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

#[tauri::command]
pub async fn analyze_attendance(
    state: State<'_, AppState>,
    project_id: String,
) -> ApiResult<ProjectAnalysis> {
    let book = book()?;
    state.read(|desk, _| Ok(project_grant::analyze_project(desk, &book, &project_id)?))
}

/// What [`grant_credits`] would write, written nowhere.
#[tauri::command]
pub async fn preview_grant(
    state: State<'_, AppState>,
    project_id: String,
    request: GrantRequest,
) -> ApiResult<GrantPreview> {
    let book = book()?;
    state.read(|desk, _| Ok(project_grant::preview_grant(desk, &book, &project_id, &request)?))
}

#[tauri::command]
pub async fn grant_credits(
    state: State<'_, AppState>,
    project_id: String,
    request: GrantRequest,
) -> ApiResult<ProjectGrant> {
    let book = book()?;
    state.write(|desk, actor| Ok(project_grant::grant_project(desk, actor, &book, &project_id, &request)?))
}

#[tauri::command]
pub async fn list_credits(state: State<'_, AppState>, filter: CreditFilter) -> ApiResult<Vec<StoredCredit>> {
    state.read(|desk, _| Ok(store::list(desk, &filter)?))
}

/// The rule set a CME year is judged by (categories for 学分录入, the requirement for 达标统计).
#[tauri::command]
pub async fn rule_set_for_year(state: State<'_, AppState>, year: i32) -> ApiResult<RuleSet> {
    let book = book()?;
    state.read(|desk, _| Ok(store::rule_set_for_year(desk, &book, year)?.clone()))
}

/// An evidence file picked in the form: its name and bytes.
#[derive(Debug, Deserialize)]
pub struct EvidenceUpload {
    pub file_name: String,
    pub content: Vec<u8>,
}

#[tauri::command]
pub async fn add_manual_credit(
    state: State<'_, AppState>,
    form: ManualCreditForm,
    files: Vec<EvidenceUpload>,
    mode: SaveMode,
) -> ApiResult<store::ManualCredit> {
    let book = book()?;
    let files: Vec<NewEvidence> =
        files.into_iter().map(|f| NewEvidence { file_name: f.file_name, content: f.content }).collect();
    state.write(|desk, actor| Ok(store::add_manual(desk, actor, &book, form, &files, mode)?))
}

#[tauri::command]
pub async fn submit_manual_credit(
    state: State<'_, AppState>,
    credit_id: String,
) -> ApiResult<store::ManualCredit> {
    let book = book()?;
    state.write(|desk, actor| Ok(store::submit_manual(desk, actor, &book, &credit_id)?))
}

#[tauri::command]
pub async fn manual_credit_detail(
    state: State<'_, AppState>,
    credit_id: String,
) -> ApiResult<store::ManualCredit> {
    state.read(|desk, _| Ok(store::manual_detail(desk, &credit_id)?))
}

/// A review decision on one record at the reviewer's level (科室 or 医院 by role).
#[tauri::command]
pub async fn review_credit(
    state: State<'_, AppState>,
    credit_id: String,
    decision: ReviewDecision,
    reason: Option<String>,
    skip_department: bool,
) -> ApiResult<store::ManualCredit> {
    let book = book()?;
    state.write(|desk, actor| {
        Ok(store::review_manual(
            desk,
            actor,
            &book,
            &credit_id,
            decision,
            reason.as_deref(),
            policy(skip_department),
        )?)
    })
}

#[tauri::command]
pub async fn compliance_report(
    state: State<'_, AppState>,
    year: i32,
    department_id: Option<String>,
) -> ApiResult<ComplianceReport> {
    let book = book()?;
    state.read(|desk, _| Ok(store::compliance_report(desk, &book, year, department_id.as_deref(), None)?))
}

/// One person's year: the evaluation (with the reason for every credit not counted) and every
/// stored credit, revoked ones included.
#[derive(Debug, Serialize)]
pub struct PersonCredits {
    pub report: ComplianceReport,
    pub credits: Vec<StoredCredit>,
}

#[tauri::command]
pub async fn person_credits(
    state: State<'_, AppState>,
    staff_id: String,
    year: i32,
) -> ApiResult<Option<PersonCredits>> {
    let book = book()?;
    state.read(|desk, _| {
        Ok(store::person_compliance(desk, &book, year, &staff_id, None)?
            .map(|(report, credits)| PersonCredits { report, credits }))
    })
}

/// Revokes a stored credit (granted by mistake, entered twice): the record stays, marked with
/// the reason, and no longer counts. Closed years and person-years marked for the bureau refuse.
#[tauri::command]
pub async fn revoke_credit(
    state: State<'_, AppState>,
    credit_id: String,
    reason: String,
) -> ApiResult<StoredCredit> {
    let book = book()?;
    state.write(|desk, actor| Ok(store::revoke(desk, actor, &book, &credit_id, &reason)?))
}

#[tauri::command]
pub async fn annual_review_status(
    state: State<'_, AppState>,
    year: i32,
    department_id: Option<String>,
) -> ApiResult<YearStatus> {
    state.read(|desk, _| Ok(annual_review::status(desk, year, department_id.as_deref(), today())?))
}

#[tauri::command]
pub async fn set_review_deadline(
    state: State<'_, AppState>,
    year: i32,
    date: NaiveDate,
) -> ApiResult<ReviewCalendar> {
    state.write(|desk, actor| Ok(annual_review::set_deadline(desk, actor, year, date)?))
}

/// The hospital's initial review of every waiting credit of a person and year (按人审核).
#[tauri::command]
pub async fn annual_review_person(
    state: State<'_, AppState>,
    staff_id: String,
    year: i32,
    decision: ReviewDecision,
    reason: Option<String>,
    skip_department: bool,
) -> ApiResult<Vec<store::ManualCredit>> {
    let book = book()?;
    state.write(|desk, actor| {
        Ok(annual_review::review_person(
            desk,
            actor,
            &book,
            &staff_id,
            year,
            decision,
            reason.as_deref(),
            policy(skip_department),
        )?)
    })
}

/// Marks people for the health bureau (报卫生局), which locks their year; with no `staff_ids`
/// everybody ready (of the department) is marked and the others come back as skipped.
#[tauri::command]
pub async fn mark_for_bureau(
    state: State<'_, AppState>,
    year: i32,
    staff_ids: Vec<String>,
    department_id: Option<String>,
) -> ApiResult<MarkReport> {
    let book = book()?;
    let whom =
        if staff_ids.is_empty() { Marking::AllReady { department_id } } else { Marking::People(staff_ids) };
    state.write(|desk, actor| Ok(annual_review::mark_for_bureau(desk, actor, &book, year, whom, None)?))
}
