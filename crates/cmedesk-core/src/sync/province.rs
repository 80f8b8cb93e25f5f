//! The provincial side (省级平台) of the exchange, as the exchange server plays it for tests and
//! demos (issue 8): its facts — an approved project, the review decision on a submitted hosted
//! project, a remote-learning credit — become ops of the province's own site in the space log,
//! so every desk receives them through the normal pull, merged by the same rules as any desk's
//! edit (a concurrent local edit of the same field is a visible conflict, never lost).
//!
//! Each fact is checked here with the desk's own rules against the merged data of the space
//! before anything is logged: an approved entry passes the approved-list checks, a decision
//! needs a project the space shows as 已上报 (the project state machine), a remote credit needs
//! a person the space knows. Pure: the caller passes the merged data, the time and the ids.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde_json::{Map, Value};

use super::{FieldEdit, Hlc, Op, OpBody, Replica};
use crate::{
    approved_projects::{self, ApprovedProject, NewApprovedProject, amount_in_range, check_entry},
    credits::{
        Centi, CreditClass, CreditRecord, CreditSource, ReviewStatus, Subject, deterministic_id,
        store::StoredCredit,
    },
    error::{CoreError, Result},
    projects::{ProjectAction, ProjectState},
    rules::RuleBook,
};

/// The site id under which the province's ops are logged (its own gapless `site_seq`).
pub const PROVINCE_SITE: &str = "province";

/// One provincial fact as field values of a replicated row. `fields` holds only values that
/// differ from what the space shows: empty means the space already holds the fact.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub entity: &'static str,
    pub entity_id: String,
    pub fields: Map<String, Value>,
}

/// The province's decision on a submitted hosted project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approved,
    Rejected,
}

impl Decision {
    /// `approved` / `rejected` (or 审核通过 / 退回).
    pub fn parse(s: &str) -> Option<Decision> {
        match s.trim() {
            "approved" | "approve" | "审核通过" => Some(Decision::Approved),
            "rejected" | "reject" | "退回" => Some(Decision::Rejected),
            _ => None,
        }
    }

    fn action(self) -> ProjectAction {
        match self {
            Decision::Approved => ProjectAction::Approve,
            Decision::Rejected => ProjectAction::Reject,
        }
    }
}

/// A remote-learning credit the province posts for one person.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteCredit {
    /// The person: 身份证号 (as the platform knows people) or the staff id of the space.
    pub staff: String,
    pub project_code: String,
    /// 项目名称; defaults to the approved entry's name, else the code.
    pub activity_name: Option<String>,
    pub credits: f64,
    pub hours: f64,
    /// 平台 (e.g. 华西云课堂).
    pub platform: String,
    pub activity_date: NaiveDate,
    /// Defaults to the activity date's year.
    pub cme_year: Option<i32>,
    /// Defaults to the approved entry's level, else the one the code implies.
    pub credit_level: Option<String>,
    pub class: Option<CreditClass>,
    /// Defaults to the platform.
    pub issuer: Option<String>,
    /// Defaults to the national rule set covering the CME year.
    pub rule_set: Option<String>,
}

fn to_map(v: impl serde::Serialize) -> Result<Map<String, Value>> {
    match serde_json::to_value(v).map_err(|e| CoreError::Corrupt(e.to_string()))? {
        Value::Object(m) => Ok(m),
        other => Err(CoreError::Corrupt(format!("expected an object, got {other}"))),
    }
}

/// Keeps the fields whose value differs from the space's.
fn changed(replica: &Replica, entity: &'static str, id: String, all: Map<String, Value>) -> Fact {
    let fields = all
        .into_iter()
        .filter(|(k, v)| replica.field(entity, &id, k).is_none_or(|s| s.value != *v))
        .collect();
    Fact { entity, entity_id: id, fields }
}

/// An entry of the approved list. A code the space already lists keeps its id (the entry is
/// corrected, not doubled); `new_id` (UUIDv7 from the caller) names a new one.
pub fn approved_project(replica: &Replica, new: &NewApprovedProject, new_id: &str) -> Result<Fact> {
    let (code, name) = check_entry(new)?;
    let id = replica
        .find_row("approved_project", "code", &Value::from(code.as_str()))
        .unwrap_or(new_id)
        .to_string();
    let clean =
        |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let entry = ApprovedProject {
        id: id.clone(),
        credit_level: new.credit_level.unwrap_or_else(|| approved_projects::level_of_code(&code)),
        code,
        year: new.year,
        name,
        discipline: clean(&new.discipline),
        organizer: clean(&new.organizer),
        lead: clean(&new.lead),
        planned_start: new.planned_start,
        planned_end: new.planned_end,
        venue: clean(&new.venue),
        credits: new.credits,
        total_hours: new.total_hours,
        planned_enrolment: new.planned_enrolment,
        source: "sync".into(),
    };
    Ok(changed(replica, "approved_project", id, to_map(&entry)?))
}

/// The province's decision on the hosted project numbered `code`: only a project the space
/// shows as 已上报 can be decided (the desk's state machine), and a rejection needs a reason.
pub fn review_decision(
    replica: &Replica,
    code: &str,
    decision: Decision,
    reason: Option<&str>,
) -> Result<Fact> {
    let code = approved_projects::normalize_code(code);
    let Some(id) = replica.find_row("project", "code", &Value::from(code.as_str())) else {
        return Err(CoreError::NotFound { entity: "project", entity_zh: "继教项目", key: code });
    };
    let state = replica
        .field("project", id, "state")
        .and_then(|s| s.value.as_str())
        .and_then(ProjectState::parse)
        .ok_or_else(|| CoreError::Corrupt(format!("project {id} has no state in the merged data")))?;
    let action = decision.action();
    let Some(next) = state.after(action) else {
        return Err(CoreError::InvalidTransition {
            entity: "project",
            state: state.as_str(),
            state_zh: state.label_zh(),
            action: action.as_str(),
            action_zh: action.label_zh(),
            missing: vec![],
        });
    };
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if decision == Decision::Rejected && reason.is_none() {
        return Err(CoreError::Required { field: "reason", label_zh: "退回原因" });
    }
    let mut fields = Map::new();
    fields.insert("state".into(), Value::from(next.as_str()));
    fields.insert("state_reason".into(), reason.map_or(Value::Null, Value::from));
    Ok(changed(replica, "project", id.to_string(), fields))
}

/// A read-only remote credit (source `remote`, approved) for a person of the space. Its id is
/// derived from (remote, project code, person): posting it twice stores it once.
pub fn remote_credit(replica: &Replica, book: &RuleBook, input: &RemoteCredit) -> Result<Fact> {
    let person = input.staff.trim();
    let staff_id = if replica.rows_of("staff").any(|(id, _)| id == person) {
        person.to_string()
    } else {
        replica
            .find_row("staff", "id_number", &Value::from(person.to_uppercase()))
            .map(str::to_string)
            .ok_or_else(|| CoreError::NotFound {
                entity: "staff",
                entity_zh: "人员",
                key: crate::privacy::mask_text(person),
            })?
    };
    let code = approved_projects::check_code(&input.project_code)?;
    amount_in_range(input.credits, "credits", "学分", 99.0)?;
    amount_in_range(input.hours, "hours", "学时", 1000.0)?;
    let platform = input.platform.trim();
    if platform.is_empty() {
        return Err(CoreError::Required { field: "platform", label_zh: "平台" });
    }
    let cent = |v: f64, field: &'static str| {
        Centi::from_decimal(v).ok_or_else(|| {
            CoreError::invalid(field, "AMOUNT_PRECISION", "数值最多两位小数", "at most two decimals")
        })
    };
    let approved = replica.find_row("approved_project", "code", &Value::from(code.as_str()));
    let approved_text = |field: &str| {
        approved.and_then(|id| replica.field("approved_project", id, field)).and_then(|s| s.value.as_str())
    };
    let year = input.cme_year.unwrap_or(input.activity_date.year());
    let rule_set = match &input.rule_set {
        Some(id) => book.get(id)?.id.clone(),
        None => book.national_for_year(year)?.id.clone(),
    };
    let record = CreditRecord {
        id: deterministic_id(&["remote", &code, &staff_id]),
        staff_id,
        cme_year: year,
        rule_set,
        activity_date: input.activity_date,
        source: CreditSource::Remote,
        project_id: replica.find_row("project", "code", &Value::from(code.as_str())).map(str::to_string),
        activity_name: input
            .activity_name
            .clone()
            .or_else(|| approved_text("name").map(str::to_string))
            .unwrap_or_else(|| code.clone()),
        credit_level: Some(
            input
                .credit_level
                .clone()
                .or_else(|| approved_text("credit_level").map(str::to_string))
                .unwrap_or_else(|| approved_projects::level_of_code(&code).as_str().to_string()),
        ),
        project_code: Some(code),
        category: "remote".into(),
        class: input.class,
        credits: cent(input.credits, "credits")?,
        hours: cent(input.hours, "hours")?,
        subject: Subject::Professional,
        issuer: input.issuer.clone().unwrap_or_else(|| platform.to_string()),
        review_status: ReviewStatus::Approved,
        rate: None,
        cap: None,
        platform: Some(platform.to_string()),
    };
    let id = record.id.clone();
    let stored = StoredCredit { record, revoked_at: None, revoked_reason: None };
    Ok(changed(replica, "credit", id, to_map(&stored)?))
}

/// The op that logs `fact` as the province's `site_seq`-th op. Its clock reads past every stamp
/// of the fields it sets (the province saw them), and each field's base is that stamp, so the
/// fact replaces what it saw and conflicts only with edits the hub has not merged yet.
pub fn to_op(replica: &Replica, fact: &Fact, site_seq: i64, op_id: &str, now_ms: i64) -> Op {
    let base = |k: &str| replica.field(fact.entity, &fact.entity_id, k).map(|s| s.hlc.clone());
    let seen = fact.fields.keys().filter_map(|k| base(k)).max();
    let hlc = match seen {
        Some(h) if h.wall_ms >= now_ms => {
            Hlc { wall_ms: h.wall_ms, counter: h.counter.saturating_add(1), site: PROVINCE_SITE.into() }
        }
        _ => Hlc { wall_ms: now_ms, counter: 0, site: PROVINCE_SITE.into() },
    };
    let fields: BTreeMap<String, FieldEdit> = fact
        .fields
        .iter()
        .map(|(k, v)| (k.clone(), FieldEdit { value: v.clone(), base: base(k).unwrap_or_else(Hlc::zero) }))
        .collect();
    Op {
        site_id: PROVINCE_SITE.into(),
        site_seq,
        op_id: op_id.into(),
        entity: fact.entity.into(),
        entity_id: fact.entity_id.clone(),
        body: OpBody::Fields { hlc, fields },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(replica: &mut Replica, seq: i64, entity: &str, id: &str, fields: Value) {
        let fields = fields
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), FieldEdit { value: v.clone(), base: Hlc::zero() }))
            .collect();
        replica.apply(&Op {
            site_id: "desk".into(),
            site_seq: seq,
            op_id: format!("op-{seq}"),
            entity: entity.into(),
            entity_id: id.into(),
            body: OpBody::Fields {
                hlc: Hlc { wall_ms: 1_000, counter: seq as u32, site: "desk".into() },
                fields,
            },
        });
    }

    #[test]
    fn a_decision_needs_a_submitted_project_and_a_rejection_a_reason() {
        let mut r = Replica::new();
        row(&mut r, 1, "project", "p1", json!({"code": "2026-04-08-186(国)", "state": "draft"}));
        let e = review_decision(&r, "2026-04-08-186（国）", Decision::Approved, None).unwrap_err();
        assert_eq!(e.code(), "INVALID_TRANSITION");
        row(&mut r, 2, "project", "p1", json!({"state": "submitted"}));
        let e = review_decision(&r, "2026-04-08-186(国)", Decision::Rejected, Some(" ")).unwrap_err();
        assert_eq!(e.code(), "REQUIRED");
        let f = review_decision(&r, "2026-04-08-186(国)", Decision::Rejected, Some("材料不全")).unwrap();
        assert_eq!(f.fields["state"], json!("rejected"));
        let op = to_op(&r, &f, 1, "prov-1", 500);
        let OpBody::Fields { hlc, fields } = &op.body else { panic!() };
        assert!(*hlc > r.field("project", "p1", "state").unwrap().hlc, "the clock passes what it saw");
        assert_eq!(fields["state"].base, r.field("project", "p1", "state").unwrap().hlc);
        let before = r.conflicts().len();
        r.apply(&op);
        assert_eq!(r.conflicts().len(), before, "the decision replaces what it saw");
        assert_eq!(r.field("project", "p1", "state").unwrap().value, json!("rejected"));
        assert_eq!(
            review_decision(&r, "2026-01-01-001", Decision::Approved, None).unwrap_err().code(),
            "NOT_FOUND"
        );
    }

    #[test]
    fn an_approved_entry_is_checked_and_a_known_code_keeps_its_id() {
        let r = Replica::new();
        let bad = NewApprovedProject {
            code: "abc".into(),
            year: 2026,
            name: "x".into(),
            credits: 1.0,
            total_hours: 3.0,
            ..Default::default()
        };
        assert_eq!(approved_project(&r, &bad, "n1").unwrap_err().code(), "PROJECT_CODE_FORMAT");
        let good = NewApprovedProject { code: "2026-04-08-186(国)".into(), ..bad };
        let f = approved_project(&r, &good, "n1").unwrap();
        assert_eq!((f.entity_id.as_str(), &f.fields["credit_level"]), ("n1", &json!("national")));
        let mut r = r;
        r.apply(&to_op(&r, &f, 1, "prov-1", 5));
        let again = approved_project(&r, &good, "n2").unwrap();
        assert_eq!(again.entity_id, "n1");
        assert!(again.fields.is_empty(), "the space holds it already: {:?}", again.fields);
    }

    #[test]
    fn a_remote_credit_names_a_known_person_and_has_a_derived_id() {
        let mut r = Replica::new();
        row(&mut r, 1, "staff", "s1", json!({"id": "s1", "id_number": "11010519491231002X"}));
        let book = RuleBook::embedded().unwrap();
        let mut input = RemoteCredit {
            staff: "11010519491231002x".into(),
            project_code: "2026-09-01-001(国)".into(),
            activity_name: None,
            credits: 2.0,
            hours: 6.0,
            platform: "华西云课堂".into(),
            activity_date: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
            cme_year: None,
            credit_level: None,
            class: None,
            issuer: None,
            rule_set: None,
        };
        let f = remote_credit(&r, &book, &input).unwrap();
        assert_eq!(f.entity_id, deterministic_id(&["remote", "2026-09-01-001(国)", "s1"]));
        assert_eq!((&f.fields["source"], &f.fields["staff_id"]), (&json!("remote"), &json!("s1")));
        input.staff = "110105194912310038".into();
        let e = remote_credit(&r, &book, &input).unwrap_err();
        assert_eq!(e.code(), "NOT_FOUND");
        assert!(!e.to_string().contains("110105194912310038"), "the ID number is masked: {e}");
    }
}
