//! 远程教育学习记录 rows (template `remote-learning`, seed 000) → the core's learning and exam
//! records for one hosted project, and the core's decision back as names and Chinese reasons.
//! Rows that cannot be used (a person not on the roster, a course the project does not have,
//! another project's code, a mobile row without minutes, a PC row without 直播/点播) are rejected
//! by their Excel row and column; the completion rules themselves are the core's
//! (`remote_learning::evaluate`).

use std::collections::{BTreeMap, HashMap};

use cmedesk_core::{
    Desk, approved_projects,
    credits::{remote_project, store::SaveReport},
    remote_learning::{ExamRecord, LearningMode, LearningRecord, Platform, RemoteOutcome, RemoteProject},
    staff::{self, StaffFilter},
};
use serde::Serialize;

use crate::{
    error::Result,
    read::{Parsed, Record},
    template::{Template, fold_header},
    value::Value,
};

/// A person in the import's outcome: credited on a platform, or not with the reasons.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RemotePerson {
    pub name: String,
    /// Full in the report; shells mask it unless the operator may see full numbers.
    pub id_number: String,
    /// The platform credited on (credited people), or judged (the others; None: both).
    pub platform: Option<String>,
    /// Why not, in Chinese (empty for credited people).
    pub reasons: Vec<String>,
}

/// Who gets credits for the project and why not for the others.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RemoteSummary {
    pub project_code: String,
    pub project_name: String,
    /// Credits each completing person gets.
    pub credits: f64,
    pub credited: Vec<RemotePerson>,
    pub not_credited: Vec<RemotePerson>,
    /// What was written (None on a dry run).
    pub saved: Option<SaveReport>,
}

/// Learning records of one sheet for one project.
pub struct RemoteInputs {
    pub records: Vec<LearningRecord>,
    pub exams: Vec<ExamRecord>,
    /// staff id → (name, ID number) of everyone in the sheet.
    pub people: HashMap<String, (String, String)>,
}

fn text<'r>(template: &Template, record: &'r Record, field: &str) -> Option<&'r str> {
    template.column(field).and_then(|(i, _)| record.values[i].text())
}

fn number(template: &Template, record: &Record, field: &str) -> Option<f64> {
    match template.column(field).map(|(i, _)| &record.values[i]) {
        Some(Value::Decimal(f)) => Some(*f),
        Some(Value::Integer(i)) => Some(*i as f64),
        _ => None,
    }
}

/// Turns the parsed rows into the core's records, rejecting the rows that cannot be used.
pub fn remote_inputs(
    desk: &Desk,
    template: &Template,
    project: &RemoteProject,
    parsed: &mut Parsed,
) -> Result<RemoteInputs> {
    let roster: HashMap<String, (String, String)> = staff::list(desk, &StaffFilter::default())?
        .into_iter()
        .map(|r| (r.staff.id_number, (r.staff.id, r.staff.name)))
        .collect();
    // Sheets name courses by title; the platform's own course ids are not in the file.
    let courses: HashMap<String, &str> =
        project.courses.iter().map(|c| (fold_header(&c.title), c.id.as_str())).collect();
    let code = approved_projects::normalize_code(&project.code);
    let mut people = HashMap::new();
    let mut pc = Vec::new();
    let mut exams = Vec::new();
    // Mobile minutes add up per person and course (live and on demand alike), in hundredths so
    // that 29.5 + 0.5 is 30; the core counts whole minutes, so the sum is floored only once.
    let mut mobile: BTreeMap<(String, String), i64> = BTreeMap::new();
    let records = std::mem::take(&mut parsed.records);
    for record in &records {
        let row = record.row;
        let mut ok = true;
        let given_code = text(template, record, "project_code").unwrap_or_default();
        if approved_projects::normalize_code(given_code) != code {
            parsed.reject(row, Some("project_code"), format!("项目编号不是所选项目 {}", project.code));
            ok = false;
        }
        let id_number = text(template, record, "id_number").unwrap_or_default();
        let name = text(template, record, "name").unwrap_or_default();
        let staff_id = match roster.get(id_number) {
            Some((id, on_roster)) if on_roster == name => Some(id.clone()),
            Some((_, on_roster)) => {
                parsed.reject(row, Some("name"), format!("姓名与人员库不符（人员库为{on_roster}）"));
                ok = false;
                None
            }
            None => {
                parsed.reject(row, Some("id_number"), "身份证号不在人员库中".to_string());
                ok = false;
                None
            }
        };
        let course_title = text(template, record, "course").unwrap_or_default();
        let course = courses.get(&fold_header(course_title)).copied();
        if course.is_none() {
            let known: Vec<&str> = project.courses.iter().map(|c| c.title.as_str()).collect();
            parsed.reject(
                row,
                Some("course"),
                format!("项目 {} 没有这门课程（课程：{}）", project.code, known.join("、")),
            );
            ok = false;
        }
        let platform = match text(template, record, "platform") {
            Some("pc") => Platform::Pc,
            _ => Platform::Mobile,
        };
        let mode = match text(template, record, "mode") {
            Some("live") => Some(LearningMode::Live),
            Some("on_demand") => Some(LearningMode::OnDemand),
            _ => None,
        };
        let minutes = number(template, record, "minutes");
        if platform == Platform::Mobile && minutes.is_none() {
            parsed.reject(row, Some("minutes"), "华西云课堂的记录须填写学习时长（分钟）".to_string());
            ok = false;
        }
        if platform == Platform::Pc && mode.is_none() {
            parsed.reject(row, Some("mode"), "区域协同平台的记录须填写学习方式（直播/点播）".to_string());
            ok = false;
        }
        let (Some(staff_id), Some(course), true) = (staff_id, course, ok) else {
            continue;
        };
        people.entry(staff_id.clone()).or_insert_with(|| (name.to_string(), id_number.to_string()));
        if let Some(passed) = text(template, record, "exam_passed") {
            exams.push(ExamRecord {
                platform,
                staff_id: staff_id.clone(),
                project_code: project.code.clone(),
                passed: passed == "yes",
            });
        }
        match platform {
            Platform::Mobile => {
                let hundredths = (minutes.unwrap_or(0.0) * 100.0).round() as i64;
                *mobile.entry((staff_id, course.to_string())).or_default() += hundredths;
            }
            // A PC session counts only with its own sign-in and sign-out: rows are kept apart.
            Platform::Pc => pc.push(LearningRecord {
                platform,
                staff_id,
                project_code: project.code.clone(),
                course_id: course.to_string(),
                mode: mode.unwrap_or(LearningMode::Live),
                minutes: minutes.map_or(0, |m| m.max(0.0).floor() as u32),
                signed_in: text(template, record, "sign_in") == Some("yes"),
                signed_out: text(template, record, "sign_out") == Some("yes"),
            }),
        }
    }
    parsed.records = records;
    let mut out: Vec<LearningRecord> = mobile
        .into_iter()
        .map(|((staff_id, course_id), hundredths)| LearningRecord {
            platform: Platform::Mobile,
            staff_id,
            project_code: project.code.clone(),
            course_id,
            mode: LearningMode::Live,
            minutes: u32::try_from(hundredths.max(0) / 100).unwrap_or(u32::MAX),
            signed_in: false,
            signed_out: false,
        })
        .collect();
    out.extend(pc);
    Ok(RemoteInputs { records: out, exams, people })
}

/// The core's outcome as the officer reads it: names, ID numbers, platforms, reasons.
pub fn summary(
    project: &RemoteProject,
    outcome: &RemoteOutcome,
    people: &HashMap<String, (String, String)>,
    saved: Option<SaveReport>,
) -> RemoteSummary {
    let person = |staff_id: &str| {
        people.get(staff_id).cloned().unwrap_or_else(|| (staff_id.to_string(), String::new()))
    };
    let credited = outcome
        .credits
        .iter()
        .map(|c| {
            let (name, id_number) = person(&c.staff_id);
            RemotePerson { name, id_number, platform: c.platform.clone(), reasons: Vec::new() }
        })
        .collect();
    let not_credited = outcome
        .incomplete
        .iter()
        .map(|i| {
            let (name, id_number) = person(&i.staff_id);
            RemotePerson {
                name,
                id_number,
                platform: i.platform.map(|p| p.name_zh().to_string()),
                reasons: i.reasons.iter().map(remote_project::reason_zh).collect(),
            }
        })
        .collect();
    RemoteSummary {
        project_code: project.code.clone(),
        project_name: project.name.clone(),
        credits: project.credits.to_decimal(),
        credited,
        not_credited,
        saved,
    }
}
