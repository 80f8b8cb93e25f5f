//! The annual review (年度审验, domain.md W7) over a real desk database: the hospital's initial
//! review of manual credits per record and per person until the deadline (10 September unless
//! configured), marking for the health bureau with the compliance snapshot, the lock on a marked
//! person-year for every kind of credit write, the bureau's result recorded once, and the roles.
//! Every refusal leaves the database unchanged.

mod common;

use chrono::{DateTime, FixedOffset, NaiveDate};
use cmedesk_core::annual_review::{self, BureauResult, Marking};
use cmedesk_core::compliance::ComplianceStatus;
use cmedesk_core::credits::store::{self, NewEvidence};
use cmedesk_core::credits::{Centi, CreditRecord, CreditSource, ReviewStatus, Subject};
use cmedesk_core::manual_credits::{ManualCreditForm, ReviewDecision, ReviewPolicy, SaveMode};
use cmedesk_core::rules::RuleBook;
use cmedesk_core::{Actor, Desk, Operator, Role, audit_log, synthetic};
use common::*;

const HOSPITAL_ONLY: ReviewPolicy = ReviewPolicy { department_required: false };

struct World {
    desk: Desk,
    book: RuleBook,
    staff: Vec<(String, String)>,
    /// Staff neither cancelled nor transferred out: the people of the year's review.
    current: usize,
}

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(&format!("{s}T10:00:00+08:00")).expect("time")
}

fn as_role(role: Role, day: &str) -> Actor {
    Actor { now: at(day), ..actor(role) }
}

fn officer(day: &str) -> Actor {
    as_role(Role::Officer, day)
}

fn world() -> World {
    let mut desk = Desk::open_in_memory().expect("desk");
    let hospital = synthetic::generate(11, 30, NaiveDate::from_ymd_opt(2026, 4, 1).expect("date"));
    synthetic::load(&mut desk, &as_role(Role::Admin, "2026-04-01"), &hospital).expect("load");
    let staff = desk
        .conn()
        .prepare("SELECT id, department_id FROM staff WHERE status = 'active' ORDER BY id")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    let current: i64 = desk
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM staff WHERE status NOT IN ('cancelled', 'transferred_out')",
            [],
            |r| r.get(0),
        )
        .expect("count");
    World { desk, book: RuleBook::embedded().expect("rules"), staff, current: current as usize }
}

fn paper(staff_id: &str, date: &str) -> ManualCreditForm {
    ManualCreditForm {
        staff_id: staff_id.into(),
        category: "paper".into(),
        activity_name: "县域医共体慢病随访研究".into(),
        activity_number: None,
        credit_level: None,
        delivery: None,
        discipline2: None,
        discipline3: None,
        quantity: Some(Centi::units(1)),
        credits: None,
        hours: Centi::units(3),
        activity_date: date.parse().expect("date"),
        note: None,
        issuer: "中华医学杂志".into(),
        evidence: vec![],
    }
}

/// Marks people's 2026 for the health bureau.
fn mark(w: &mut World, who: &Actor, whom: Marking) -> cmedesk_core::Result<annual_review::MarkReport> {
    annual_review::mark_for_bureau(&mut w.desk, who, &w.book, 2026, whom, None)
}

/// A submitted (未审核) manual credit of 2026.
fn submitted(w: &mut World, staff_id: &str) -> String {
    let file =
        NewEvidence { file_name: "封面.pdf".into(), content: format!("%PDF {staff_id}").into_bytes() };
    store::add_manual(
        &mut w.desk,
        &officer("2026-05-01"),
        &w.book,
        paper(staff_id, "2026-04-20"),
        &[file],
        SaveMode::SaveAndSubmit,
    )
    .expect("submit")
    .credit
    .id
}

#[test]
fn w7_initial_review_per_record_and_per_person_closes_after_the_deadline() {
    let mut w = world();
    let (a, b) = (w.staff[0].0.clone(), w.staff[1].0.clone());
    let a1 = submitted(&mut w, &a);
    let b1 = submitted(&mut w, &b);
    let b2 = submitted(&mut w, &b);

    let cal = annual_review::calendar(&w.desk, 2026).expect("calendar");
    assert_eq!(
        (cal.initial_review_by, cal.configured),
        (NaiveDate::from_ymd_opt(2026, 9, 10).expect("d"), false)
    );

    // Per record, on the last day.
    let m = annual_review::review_record(
        &mut w.desk,
        &officer("2026-09-10"),
        &w.book,
        &a1,
        ReviewDecision::Approve,
        None,
        HOSPITAL_ONLY,
    )
    .expect("per record");
    assert_eq!(m.credit.review_status, ReviewStatus::Approved);

    // The day after, the initial review is closed, per record and per person alike.
    let before = dump(&w.desk);
    let late = officer("2026-09-11");
    let e = annual_review::review_record(
        &mut w.desk,
        &late,
        &w.book,
        &b1,
        ReviewDecision::Approve,
        None,
        HOSPITAL_ONLY,
    )
    .expect_err("closed");
    assert_eq!(e.code(), "ANNUAL_REVIEW_CLOSED");
    assert!(e.message_zh().contains("2026-09-10"), "{}", e.message_zh());
    let e = annual_review::review_person(
        &mut w.desk,
        &late,
        &w.book,
        &b,
        2026,
        ReviewDecision::Approve,
        None,
        HOSPITAL_ONLY,
    )
    .expect_err("closed");
    assert_eq!(e.code(), "ANNUAL_REVIEW_CLOSED");
    assert_eq!(dump(&w.desk), before);

    // The deadline is configurable: moved to 30 September, per person reviews both of B's.
    let cal = annual_review::set_deadline(&mut w.desk, &late, 2026, "2026-09-30".parse().expect("d"))
        .expect("deadline");
    assert!(cal.configured);
    let done = annual_review::review_person(
        &mut w.desk,
        &late,
        &w.book,
        &b,
        2026,
        ReviewDecision::Approve,
        None,
        HOSPITAL_ONLY,
    )
    .expect("per person");
    let mut ids: Vec<_> = done.iter().map(|m| m.credit.id.clone()).collect();
    ids.sort();
    let mut want = vec![b1, b2];
    want.sort();
    assert_eq!(ids, want);
    assert!(done.iter().all(|m| m.credit.review_status == ReviewStatus::Approved));
    let e = annual_review::set_deadline(&mut w.desk, &late, 2026, "2025-12-31".parse().expect("d"))
        .expect_err("before the year");
    assert_eq!((e.code(), e.field()), ("ANNUAL_REVIEW_DEADLINE_INVALID", Some("initial_review_by")));
    assert!(audit_log::verify(&w.desk).expect("verify").intact);
}

#[test]
fn w7_marking_for_the_bureau_snapshots_compliance_and_locks_the_person_year() {
    let mut w = world();
    let (a, b) = (w.staff[0].0.clone(), w.staff[1].0.clone());
    let a1 = submitted(&mut w, &a);
    let b1 = submitted(&mut w, &b);
    let day = officer("2026-09-05");
    annual_review::review_record(
        &mut w.desk,
        &day,
        &w.book,
        &a1,
        ReviewDecision::Approve,
        None,
        HOSPITAL_ONLY,
    )
    .expect("approve");

    // B still has a credit awaiting the initial review: refused alone, skipped in bulk.
    let before = dump(&w.desk);
    let e = mark(&mut w, &day, Marking::People(vec![b.clone()])).expect_err("pending");
    assert_eq!(e.code(), "ANNUAL_REVIEW_PENDING");
    let e = mark(&mut w, &day, Marking::People(vec![a.clone(), b.clone()])).expect_err("all or nothing");
    assert_eq!(e.code(), "ANNUAL_REVIEW_PENDING");
    assert!(e.message_zh().starts_with("第2条"), "{}", e.message_zh());
    assert_eq!(dump(&w.desk), before);

    let report = mark(&mut w, &day, Marking::AllReady { department_id: None }).expect("bulk");
    assert_eq!(
        report.skipped.iter().map(|s| (s.staff_id.as_str(), s.code.as_str())).collect::<Vec<_>>(),
        [(b.as_str(), "ANNUAL_REVIEW_PENDING")]
    );
    assert_eq!(report.marked.len(), w.current - 1);
    let ra = report.marked.iter().find(|r| r.staff_id == a).expect("A marked");
    // A's paper (1 article) counts 2 credits under national-2024; far from 25: 不达标.
    let compliance = store::compliance_report(&w.desk, &w.book, 2026, None, None).expect("compliance");
    let pa = compliance.people.iter().find(|p| p.staff_id == a).expect("A");
    assert_eq!((ra.compliance, ra.credits, ra.hours), (pa.status, pa.totals.credits, pa.totals.hours));
    assert_eq!(ra.compliance, ComplianceStatus::NonCompliant);
    assert!(ra.credits.is_positive());
    assert_eq!(annual_review::get(&w.desk, &a, 2026).expect("get").as_ref(), Some(ra));

    // A's 2026 is locked for every kind of credit write; each refusal writes nothing.
    let before = dump(&w.desk);
    let locked = |e: cmedesk_core::CoreError| assert_eq!(e.code(), "ANNUAL_REVIEW_LOCKED", "{e}");
    locked(
        store::add_manual(&mut w.desk, &day, &w.book, paper(&a, "2026-06-01"), &[], SaveMode::Save)
            .expect_err("add"),
    );
    locked(store::revoke(&mut w.desk, &day, &w.book, &a1, "录入错误").expect_err("revoke"));
    locked(store::set_exemption(&mut w.desk, &day, &a, 2026, Some("援外")).expect_err("exempt"));
    let granted = CreditRecord {
        id: "grant-a-2026".into(),
        staff_id: a.clone(),
        cme_year: 2026,
        rule_set: "national-2024".into(),
        activity_date: "2026-06-12".parse().expect("d"),
        source: CreditSource::Import,
        project_id: None,
        project_code: Some("2026-04-08-186(国)".into()),
        activity_name: "省外项目".into(),
        category: "project-national".into(),
        credit_level: Some("national".into()),
        class: None,
        credits: Centi::units(4),
        hours: Centi::units(12),
        subject: Subject::Professional,
        issuer: "外院".into(),
        review_status: ReviewStatus::Approved,
        rate: None,
        cap: None,
        platform: None,
    };
    locked(
        store::record_credits(&mut w.desk, &day, &w.book, std::slice::from_ref(&granted)).expect_err("grant"),
    );
    locked(
        store::review_person(
            &mut w.desk,
            &day,
            &w.book,
            &a,
            2026,
            ReviewDecision::Approve,
            None,
            HOSPITAL_ONLY,
        )
        .expect_err("review"),
    );
    let e = mark(&mut w, &day, Marking::People(vec![a.clone()])).expect_err("twice");
    assert_eq!(e.code(), "ANNUAL_REVIEW_ALREADY_MARKED");
    assert_eq!(dump(&w.desk), before);

    // A person not yet marked and A's other years are not locked.
    store::record_credits(
        &mut w.desk,
        &day,
        &w.book,
        &[CreditRecord { id: "grant-b-2026".into(), staff_id: b.clone(), ..granted.clone() }],
    )
    .expect("B is not locked");
    store::add_manual(&mut w.desk, &day, &w.book, paper(&a, "2027-02-01"), &[], SaveMode::Save)
        .expect("A's 2027 is open");

    // B, once reviewed, can be marked; the status shows everybody's progress.
    annual_review::review_record(
        &mut w.desk,
        &day,
        &w.book,
        &b1,
        ReviewDecision::Reject,
        Some("非本人论文"),
        HOSPITAL_ONLY,
    )
    .expect("reject");
    let st = annual_review::status(&w.desk, 2026, None, day.today()).expect("status");
    assert!(st.initial_review_open);
    assert_eq!((st.awaiting_review, st.marked as usize), (0, w.current - 1));
    let sb = st.people.iter().find(|p| p.staff_id == b).expect("B");
    assert_eq!(
        (sb.awaiting_review, sb.approved, sb.returned_or_rejected, sb.review.is_some()),
        (0, 0, 1, false)
    );
    let r = mark(&mut w, &day, Marking::People(vec![b.clone()])).expect("B");
    assert_eq!(r.marked.len(), 1);
    let e = mark(&mut w, &day, Marking::AllReady { department_id: None }).expect_err("everybody marked");
    assert_eq!(e.code(), "NOTHING_TO_MARK");
    assert!(audit_log::verify(&w.desk).expect("verify").intact);
}

#[test]
fn w7_the_bureau_result_is_recorded_once_on_a_marked_person_year() {
    let mut w = world();
    let (a, b) = (w.staff[0].0.clone(), w.staff[1].0.clone());
    let day = officer("2026-09-30");
    mark(&mut w, &day, Marking::People(vec![a.clone()])).expect("mark");
    let before = dump(&w.desk);
    let e = annual_review::record_bureau_result(&mut w.desk, &day, &b, 2026, BureauResult::Passed, None)
        .expect_err("not marked");
    assert_eq!(e.code(), "ANNUAL_REVIEW_NOT_MARKED");
    let e =
        annual_review::record_bureau_result(&mut w.desk, &day, &a, 2026, BureauResult::Failed, Some("  "))
            .expect_err("failed needs a reason");
    assert_eq!((e.code(), e.field()), ("REQUIRED", Some("note")));
    assert_eq!(dump(&w.desk), before);

    let r = annual_review::record_bureau_result(
        &mut w.desk,
        &day,
        &a,
        2026,
        BureauResult::Failed,
        Some("学分不足"),
    )
    .expect("record");
    assert_eq!((r.bureau_result, r.bureau_note.as_deref()), (Some(BureauResult::Failed), Some("学分不足")));
    let before = dump(&w.desk);
    let e = annual_review::record_bureau_result(&mut w.desk, &day, &a, 2026, BureauResult::Passed, None)
        .expect_err("final");
    assert_eq!(e.code(), "ANNUAL_REVIEW_FINAL");
    assert_eq!(dump(&w.desk), before);
    let last = audit_log::list(
        &w.desk,
        &audit_log::Filter { entity: Some("annual_review".into()), ..Default::default() },
    )
    .expect("log");
    assert_eq!(last[0].action, "annual_review.bureau");
    assert_eq!(last[1].action, "annual_review.mark");
}

#[test]
fn w7_only_the_hospital_runs_the_annual_review() {
    let mut w = world();
    let (a, dept) = w.staff[0].clone();
    let a1 = submitted(&mut w, &a);
    let secretary = Actor {
        operator: Operator {
            username: "sec".into(),
            display_name: "科室秘书".into(),
            role: Role::DepartmentSecretary,
            department_id: Some(dept),
        },
        now: at("2026-09-01"),
    };
    let before = dump(&w.desk);
    for who in [&secretary, &as_role(Role::Viewer, "2026-09-01")] {
        let e = annual_review::review_record(
            &mut w.desk,
            who,
            &w.book,
            &a1,
            ReviewDecision::Approve,
            None,
            HOSPITAL_ONLY,
        )
        .expect_err("initial review is the hospital's");
        assert_eq!(e.code(), "FORBIDDEN");
        let e = mark(&mut w, who, Marking::People(vec![a.clone()])).expect_err("marking");
        assert_eq!(e.code(), "FORBIDDEN");
        let e = annual_review::set_deadline(&mut w.desk, who, 2026, "2026-09-20".parse().expect("d"))
            .expect_err("deadline");
        assert_eq!(e.code(), "FORBIDDEN");
    }
    assert_eq!(dump(&w.desk), before);
}
