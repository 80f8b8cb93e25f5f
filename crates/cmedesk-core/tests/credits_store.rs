//! Credits persistence over a real desk database: every write audited with an outbox row,
//! granting twice writes nothing, revoking is an event, manual credits through department and
//! hospital review with evidence stored by hash, exemptions and compliance over stored data,
//! refused operations write nothing.

mod common;

use chrono::NaiveDate;
use cmedesk_core::attendance::{
    AnalysisInput, AttendanceWindow, HoldingPeriod, SwipeInput, SwipeStatus, Swiper, analyze,
};
use cmedesk_core::compliance::ComplianceStatus;
use cmedesk_core::credits::store::{
    self, CreditFilter, NewEvidence, compliance_report, record_credits, revoke,
};
use cmedesk_core::credits::{Centi, ReviewStatus, Subject};
use cmedesk_core::grant::{CourseInput, GrantInput, GrantStrategy, ProjectInput, grant_participants};
use cmedesk_core::manual_credits::{ManualCreditForm, ReviewDecision, ReviewPolicy, SaveMode};
use cmedesk_core::rules::{AttendanceChecks, RuleBook};
use cmedesk_core::{Actor, Desk, Operator, Role, audit_log, synthetic};
use common::*;

struct World {
    desk: Desk,
    book: RuleBook,
    /// (staff id, department id)
    staff: Vec<(String, String)>,
    project: (String, String),
}

fn world() -> World {
    let mut desk = Desk::open_in_memory().expect("desk");
    let hospital = synthetic::generate(7, 40, now().date_naive());
    synthetic::load(&mut desk, &admin(), &hospital).expect("load synthetic hospital");
    let staff: Vec<(String, String)> = desk
        .conn()
        .prepare("SELECT id, department_id FROM staff WHERE status = 'active' ORDER BY id")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    let project: (String, String) = desk
        .conn()
        .query_row("SELECT id, code FROM projects ORDER BY code LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("a synthetic project");
    World { desk, book: RuleBook::embedded().expect("rules"), staff, project }
}

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn secretary(dept: &str) -> Actor {
    Actor::new(
        Operator {
            username: "secretary".into(),
            display_name: "科室秘书".into(),
            role: Role::DepartmentSecretary,
            department_id: Some(dept.into()),
        },
        now(),
    )
}

/// Grants the world's project to the first `n` staff, each with a swipe in the one window.
fn grant(w: &World, n: usize, strategy: GrantStrategy) -> Vec<cmedesk_core::credits::CreditRecord> {
    let at = |h: u32| {
        chrono::DateTime::parse_from_rfc3339(&format!("2026-06-12T{h:02}:00:00+08:00")).expect("time")
    };
    let periods = [HoldingPeriod { starts_on: d("2026-06-12"), ends_on: d("2026-06-12") }];
    let windows = [AttendanceWindow { label: "签到".into(), starts_at: at(7), ends_at: at(9) }];
    let swipes: Vec<SwipeInput> = w.staff[..n]
        .iter()
        .enumerate()
        .map(|(i, (s, _))| SwipeInput {
            swipe_id: format!("sw{i}"),
            swiper: Swiper::Staff(s.clone()),
            at: at(8),
            status: SwipeStatus::Recorded,
        })
        .collect();
    let analysis = analyze(&AnalysisInput {
        periods: &periods,
        windows: &windows,
        swipes: &swipes,
        expected: &[],
        duration_minutes: None,
        other_projects: &[],
        speakers: &[],
        checks: &AttendanceChecks::default(),
        repeat_gap_seconds: 60,
    })
    .expect("analysis");
    let project = ProjectInput {
        id: w.project.0.clone(),
        code: w.project.1.clone(),
        name: "测试项目".into(),
        credit_level: "national".into(),
        total_hours: Centi::units(12),
        declared_credits: None,
        last_day: d("2026-06-12"),
        issuer: "示例医院".into(),
        subject: Subject::Professional,
        courses: vec![CourseInput {
            id: "c".into(),
            title: "课".into(),
            hours: Centi::units(12),
            windows: vec![0],
            speaker_staff_id: None,
        }],
    };
    grant_participants(&GrantInput {
        project: &project,
        analysis: &analysis,
        strategy: &strategy,
        exclusions: &[],
        activity_date: None,
        evaluated: &[],
        exam_passed: &[],
        rule_set: w.book.get("national-2024").expect("rule set"),
    })
    .expect("grant")
    .credits
}

#[test]
fn granting_twice_writes_once_and_every_write_is_audited() {
    let mut w = world();
    let credits = grant(&w, 5, GrantStrategy::AllCoursesFull);
    let audit0 = count(&w.desk, "audit_log");
    let r = record_credits(&mut w.desk, &admin(), &w.book, &credits).expect("record");
    assert_eq!((r.inserted, r.updated, r.unchanged), (5, 0, 0));
    assert_eq!(count(&w.desk, "audit_log") - audit0, 5);
    assert_eq!(count(&w.desk, "outbox") - audit0, count(&w.desk, "audit_log") - audit0);
    let snapshot = dump(&w.desk);
    let r = record_credits(&mut w.desk, &admin(), &w.book, &credits).expect("record again");
    assert_eq!((r.inserted, r.updated, r.unchanged), (0, 0, 5));
    assert_eq!(dump(&w.desk), snapshot, "granting twice changed the database");
    // Stored exactly as granted, rate and cap included.
    let stored = store::get(&w.desk, &credits[0].id).expect("stored");
    assert_eq!(stored.record, credits[0]);
    assert_eq!(stored.record.credits, Centi::units(4));
    // A re-grant with more people inserts only the new ones.
    let more = grant(&w, 7, GrantStrategy::AllCoursesFull);
    let r = record_credits(&mut w.desk, &admin(), &w.book, &more).expect("record more");
    assert_eq!((r.inserted, r.unchanged), (2, 5));
    assert!(audit_log::verify(&w.desk).expect("verify").intact);
}

#[test]
fn revoking_is_an_event_and_stands_against_a_regrant() {
    let mut w = world();
    let credits = grant(&w, 2, GrantStrategy::AllCoursesFull);
    record_credits(&mut w.desk, &admin(), &w.book, &credits).expect("record");
    let e = revoke(&mut w.desk, &admin(), &w.book, &credits[0].id, " ").expect_err("reason required");
    assert_eq!(e.code(), "REASON_REQUIRED");
    let audit0 = count(&w.desk, "audit_log");
    let r = revoke(&mut w.desk, &admin(), &w.book, &credits[0].id, "代刷卡，撤销").expect("revoke");
    assert_eq!(r.revoked_reason.as_deref(), Some("代刷卡，撤销"));
    assert_eq!(count(&w.desk, "audit_log"), audit0 + 1);
    assert_eq!(
        revoke(&mut w.desk, &admin(), &w.book, &credits[0].id, "再次").expect_err("twice").code(),
        "CREDIT_ALREADY_REVOKED"
    );
    let r = record_credits(&mut w.desk, &admin(), &w.book, &credits).expect("regrant");
    assert_eq!(r.unchanged, 2);
    assert!(store::get(&w.desk, &credits[0].id).expect("get").revoked_at.is_some());
    let visible =
        store::list(&w.desk, &CreditFilter { project_id: Some(w.project.0.clone()), ..Default::default() })
            .expect("list");
    assert_eq!(visible.len(), 1);
    let report = compliance_report(&w.desk, &w.book, 2026, None, None).expect("compliance");
    let p = report.people.iter().find(|p| p.staff_id == credits[0].staff_id).expect("person");
    assert_eq!(p.totals.credits, Centi::ZERO);
    assert!(
        p.decisions.iter().any(|x| x.reason == Some(cmedesk_core::compliance::NotCountedReason::Revoked))
    );
}

#[test]
fn refused_operations_write_nothing() {
    let mut w = world();
    let credits = grant(&w, 3, GrantStrategy::AllCoursesFull);
    let before = dump(&w.desk);
    for role in [Role::Viewer, Role::DepartmentSecretary] {
        let e = record_credits(&mut w.desk, &actor(role), &w.book, &credits).expect_err("forbidden");
        assert_eq!(e.code(), "FORBIDDEN");
    }
    let mut manual = credits[0].clone();
    manual.source = cmedesk_core::credits::CreditSource::Manual;
    assert_eq!(
        record_credits(&mut w.desk, &admin(), &w.book, &[manual]).expect_err("manual").code(),
        "CREDIT_SOURCE_MANUAL"
    );
    assert_eq!(dump(&w.desk), before);
}

fn paper_form(staff_id: &str) -> ManualCreditForm {
    ManualCreditForm {
        staff_id: staff_id.into(),
        category: "paper".into(),
        activity_name: "基层医院慢病管理的随机对照研究".into(),
        activity_number: None,
        credit_level: None,
        delivery: None,
        discipline2: Some("临床内科学".into()),
        discipline3: None,
        quantity: Some(Centi::units(2)),
        credits: None,
        hours: Centi::units(6),
        activity_date: d("2026-05-20"),
        note: Some("第一作者".into()),
        issuer: "中华医学杂志".into(),
        evidence: vec![],
    }
}

#[test]
fn manual_credit_entry_review_and_evidence() {
    let mut w = world();
    let (staff_id, dept) = w.staff[0].clone();
    let other_dept = w.staff.iter().map(|(_, d)| d.clone()).find(|d| *d != dept).expect("two departments");
    let file =
        NewEvidence { file_name: "期刊封面.pdf".into(), content: b"%PDF-1.4 synthetic cover".to_vec() };

    // A secretary of another department may not enter for this person; nothing is written.
    let before = dump(&w.desk);
    let e = store::add_manual(
        &mut w.desk,
        &secretary(&other_dept),
        &w.book,
        paper_form(&staff_id),
        std::slice::from_ref(&file),
        SaveMode::Save,
    )
    .expect_err("other department");
    assert_eq!(e.code(), "FORBIDDEN");
    // Submitting without evidence is refused with the category's list.
    let e = store::add_manual(
        &mut w.desk,
        &secretary(&dept),
        &w.book,
        paper_form(&staff_id),
        &[],
        SaveMode::SaveAndSubmit,
    )
    .expect_err("evidence");
    assert_eq!((e.code(), e.field()), ("EVIDENCE_REQUIRED", Some("evidence")));
    assert_eq!(dump(&w.desk), before);

    // Save as draft with the file, then submit.
    let m = store::add_manual(
        &mut w.desk,
        &secretary(&dept),
        &w.book,
        paper_form(&staff_id),
        std::slice::from_ref(&file),
        SaveMode::Save,
    )
    .expect("draft");
    assert_eq!((m.credit.credits, m.trail.status), (Centi::units(4), ReviewStatus::Draft));
    assert_eq!(m.credit.rule_set, "national-2024");
    let ev = &store::manual_detail(&w.desk, &m.credit.id).expect("detail").form.evidence;
    assert_eq!(ev.len(), 1);
    assert_eq!(store::evidence_content(&w.desk, &ev[0].sha256).expect("bytes"), file.content);
    let m = store::submit_manual(&mut w.desk, &secretary(&dept), &w.book, &m.credit.id).expect("submit");
    assert_eq!(m.credit.review_status, ReviewStatus::Pending);

    let policy = ReviewPolicy { department_required: true };
    let e = store::review_manual(
        &mut w.desk,
        &admin(),
        &w.book,
        &m.credit.id,
        ReviewDecision::Approve,
        None,
        policy,
    )
    .expect_err("department first");
    assert_eq!(e.code(), "REVIEW_AWAITING_DEPARTMENT");
    store::review_manual(
        &mut w.desk,
        &secretary(&dept),
        &w.book,
        &m.credit.id,
        ReviewDecision::Approve,
        None,
        policy,
    )
    .expect("department approves");
    let m = store::review_manual(
        &mut w.desk,
        &actor(Role::Officer),
        &w.book,
        &m.credit.id,
        ReviewDecision::Approve,
        None,
        policy,
    )
    .expect("hospital approves");
    assert_eq!(m.credit.review_status, ReviewStatus::Approved);
    assert_eq!(store::get(&w.desk, &m.credit.id).expect("row").record.review_status, ReviewStatus::Approved);
    let e = store::review_manual(
        &mut w.desk,
        &secretary(&dept),
        &w.book,
        &m.credit.id,
        ReviewDecision::Reject,
        Some("晚了"),
        policy,
    )
    .expect_err("lower after higher");
    assert_eq!(e.code(), "REVIEW_LOWER_AFTER_HIGHER");
    let e = store::edit_manual(
        &mut w.desk,
        &admin(),
        &w.book,
        &m.credit.id,
        paper_form(&staff_id),
        &[],
        SaveMode::Save,
    )
    .expect_err("approved is not editable");
    assert_eq!(e.code(), "REVIEW_INVALID_TRANSITION");
    assert_eq!(store::manual_detail(&w.desk, &m.credit.id).expect("detail").trail.steps.len(), 2);
    assert!(audit_log::verify(&w.desk).expect("verify").intact);
}

#[test]
fn returned_credit_is_edited_and_resubmitted() {
    let mut w = world();
    let (staff_id, _) = w.staff[1].clone();
    let file = NewEvidence { file_name: "封面.jpg".into(), content: vec![1, 2, 3, 4] };
    let m = store::add_manual(
        &mut w.desk,
        &admin(),
        &w.book,
        paper_form(&staff_id),
        &[file],
        SaveMode::SaveAndSubmit,
    )
    .expect("submitted");
    let policy = ReviewPolicy { department_required: false };
    let m = store::review_manual(
        &mut w.desk,
        &admin(),
        &w.book,
        &m.credit.id,
        ReviewDecision::Return,
        Some("请补充目录页"),
        policy,
    )
    .expect("returned");
    assert_eq!(m.credit.review_status, ReviewStatus::Returned);
    let mut form = m.form.clone();
    form.quantity = Some(Centi::units(1));
    let extra = NewEvidence { file_name: "目录页.jpg".into(), content: vec![5, 6, 7] };
    let m = store::edit_manual(
        &mut w.desk,
        &admin(),
        &w.book,
        &m.credit.id,
        form,
        &[extra],
        SaveMode::SaveAndSubmit,
    )
    .expect("edited and resubmitted");
    assert_eq!((m.credit.credits, m.credit.review_status), (Centi::units(2), ReviewStatus::Pending));
    assert_eq!(store::manual_detail(&w.desk, &m.credit.id).expect("detail").form.evidence.len(), 2);
}

#[test]
fn exemptions_and_rule_set_choice_drive_compliance() {
    let mut w = world();
    let (staff_id, _) = w.staff[2].clone();
    store::set_exemption(&mut w.desk, &admin(), &staff_id, 2026, Some("援疆一年")).expect("exempt");
    let report = compliance_report(&w.desk, &w.book, 2026, None, None).expect("compliance");
    let p = report.people.iter().find(|p| p.staff_id == staff_id).expect("person");
    assert_eq!((p.status, p.note.as_deref()), (ComplianceStatus::Exempt, Some("援疆一年")));
    assert_eq!(report.rule_set, "national-2024");
    assert_eq!(report.hospital.total, report.people.len());
    store::set_exemption(&mut w.desk, &admin(), &staff_id, 2026, None).expect("clear");
    let report = compliance_report(&w.desk, &w.book, 2026, None, None).expect("compliance");
    assert_ne!(
        report.people.iter().find(|p| p.staff_id == staff_id).expect("person").status,
        ComplianceStatus::Exempt
    );

    // The province's year 2026 starts on 2025-10-01: a credit dated 2025-11-01 belongs to it.
    store::set_year_rule_set(&mut w.desk, &admin(), &w.book, 2026, "province-example").expect("choose");
    let mut form = paper_form(&staff_id);
    form.activity_date = d("2025-11-01");
    // The year is open on 2026-11-22 (province locks on 31 January after the year's end).
    let m = store::add_manual(&mut w.desk, &admin(), &w.book, form, &[], SaveMode::Save).expect("saved");
    assert_eq!((m.credit.cme_year, m.credit.rule_set.as_str()), (2026, "province-example"));
    assert_eq!(
        store::set_year_rule_set(&mut w.desk, &admin(), &w.book, 2026, "nope").expect_err("unknown").code(),
        "RULE_SET_UNKNOWN"
    );
    let f =
        store::forecast_report(&w.desk, &w.book, 2026, d("2026-06-30"), None, None, &[]).expect("forecast");
    assert_eq!(f.people.len(), report.people.len());
}

#[test]
fn stored_project_is_analysed_and_granted_once() {
    use cmedesk_core::credits::project_grant::{GrantRequest, analyze_project, grant_project};
    use cmedesk_core::swipes::{self, DuplicatePolicy, SwipeSource};
    use cmedesk_core::{projects, terminals};

    let mut w = world();
    // A held synthetic project with windows.
    let ids: Vec<String> = w
        .desk
        .conn()
        .prepare("SELECT DISTINCT project_id FROM attendance_windows ORDER BY project_id")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    let detail = ids
        .iter()
        .map(|id| projects::detail(&w.desk, id).expect("detail"))
        .find(|d| d.holding_periods.iter().all(|h| h.ends_on < now().date_naive()))
        .expect("a held project with windows");
    let project_id = detail.project.id.clone();
    let cards: Vec<(String, String)> = w
        .desk
        .conn()
        .prepare("SELECT staff_id, card_key FROM cards WHERE revoked_at IS NULL ORDER BY staff_id LIMIT 4")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    assert_eq!(cards.len(), 4);
    let t =
        terminals::ensure(&mut w.desk, &admin(), "mbox", "报告厅考勤机", Some("test:1")).expect("terminal");
    let mut seq = 0;
    let mut swipe = |desk: &mut Desk, card: &str, at: chrono::NaiveDateTime| {
        seq += 1;
        swipes::ingest(
            desk,
            &admin(),
            swipes::SwipeInput {
                terminal_id: t.id.clone(),
                terminal_seq: Some(seq),
                source: SwipeSource::Terminal,
                card_key: card.into(),
                raw: None,
                device_time: Some(at),
                clock_offset_ms: Some(0),
                project_id: Some(project_id.clone()),
            },
            DuplicatePolicy::default(),
        )
        .expect("ingest");
    };
    let windows = &detail.attendance_windows;
    // Three people swipe in every window; the fourth only in the first; an unknown card too.
    for (i, (_, card)) in cards.iter().enumerate() {
        for (k, win) in windows.iter().enumerate() {
            if i < 3 || k == 0 {
                swipe(&mut w.desk, card, win.starts_at + chrono::Duration::minutes(5));
            }
        }
    }
    swipe(&mut w.desk, "uid:00C0FFEE", windows[0].starts_at + chrono::Duration::minutes(6));

    let pa = analyze_project(&w.desk, &w.book, &project_id).expect("analysis");
    assert_eq!(pa.analysis.valid_count, if windows.len() > 1 { 3 } else { 4 });
    assert_eq!(pa.analysis.swipes_unknown_card, 1);
    let request = GrantRequest {
        strategy: GrantStrategy::MustHavePassedExam,
        exclusions: vec![],
        activity_date: None,
        evaluated: vec![],
        exam_passed: cards.iter().map(|(s, _)| s.clone()).collect(),
        speakers: false,
    };
    let g = grant_project(&mut w.desk, &admin(), &w.book, &project_id, &request).expect("grant");
    assert_eq!(g.saved.inserted, pa.analysis.valid_count);
    let granted: Vec<&str> = g.participants.credits.iter().map(|c| c.staff_id.as_str()).collect();
    let mut first_three: Vec<&str> = cards[..3].iter().map(|(s, _)| s.as_str()).collect();
    first_three.sort_unstable();
    assert!(first_three.iter().all(|s| granted.contains(s)));
    assert!(g.participants.credits.iter().all(|c| {
        c.activity_date == detail.holding_periods.iter().map(|h| h.ends_on).max().expect("period")
    }));
    let again = grant_project(&mut w.desk, &admin(), &w.book, &project_id, &request).expect("grant again");
    assert_eq!((again.saved.inserted, again.saved.unchanged), (0, g.saved.inserted));
    // Course strategies never grant less than valid attendance: the fourth person, who swiped
    // only in the first window, gets nothing from all-courses-full either.
    let courses = GrantRequest { strategy: GrantStrategy::AllCoursesFull, ..request };
    let g = grant_project(&mut w.desk, &admin(), &w.book, &project_id, &courses).expect("grant");
    if windows.len() > 1 {
        assert!(g.participants.credits.iter().all(|c| c.staff_id != cards[3].0));
    }
    assert_eq!(g.participants.credits.len(), pa.analysis.valid_count);
}

#[test]
fn remote_learning_import_is_idempotent_and_read_only() {
    use cmedesk_core::remote_learning::{
        LearningMode, LearningRecord, Platform, RemoteCourse, RemotePolicy, RemoteProject,
    };
    let mut w = world();
    let project = RemoteProject {
        id: "remote-prp-2026".into(),
        code: "2026-R-001".into(),
        name: "PRP 康复、再生技术".into(),
        class: None,
        credit_level: "provincial".into(),
        credits: Centi::units(5),
        hours: Centi::units(15),
        activity_date: d("2026-06-01"),
        issuer: "华西远程医学中心".into(),
        courses: (1..=2).map(|i| RemoteCourse { id: format!("k{i}"), title: format!("课程{i}") }).collect(),
    };
    let rec = |staff: &str, course: &str, minutes: u32| LearningRecord {
        platform: Platform::Mobile,
        staff_id: staff.into(),
        project_code: "2026-R-001".into(),
        course_id: course.into(),
        mode: LearningMode::OnDemand,
        minutes,
        signed_in: false,
        signed_out: false,
    };
    let (a, b) = (w.staff[0].0.clone(), w.staff[1].0.clone());
    let records = vec![
        rec(&a, "k1", 30),
        rec(&a, "k2", 45),
        rec(&b, "k1", 30),
        rec(&b, "k2", 10),
        rec("not-on-roster", "k1", 30),
        rec("not-on-roster", "k2", 30),
    ];
    let policy = RemotePolicy::default();
    let first = store::import_remote(&mut w.desk, &admin(), &w.book, &project, &records, &[], &policy)
        .expect("import");
    assert_eq!(first.saved.inserted, 1);
    assert_eq!(first.unknown_staff, vec!["not-on-roster".to_string()]);
    assert!(first.outcome.incomplete.iter().any(|i| i.staff_id == b));
    let again = store::import_remote(&mut w.desk, &admin(), &w.book, &project, &records, &[], &policy)
        .expect("import again");
    assert_eq!((again.saved.inserted, again.saved.unchanged), (0, 1));
    let credit = first.outcome.credits.iter().find(|c| c.staff_id == a).expect("credit");
    let stored = store::get(&w.desk, &credit.id).expect("stored");
    assert_eq!(
        (stored.record.project_id.clone(), stored.record.platform.as_deref()),
        (None, Some("华西云课堂"))
    );
    let e =
        store::edit_manual(&mut w.desk, &admin(), &w.book, &credit.id, paper_form(&a), &[], SaveMode::Save)
            .expect_err("read-only");
    assert_eq!(e.code(), "CREDIT_READ_ONLY");
}

#[test]
fn a_locked_year_is_frozen() {
    let mut w = world();
    // national-2024 locks CME year 2025 on 2026-03-31; the clock says 2026-11-22.
    let mut credits = grant(&w, 1, GrantStrategy::AllCoursesFull);
    credits[0].cme_year = 2025;
    credits[0].activity_date = d("2025-06-12");
    let before = dump(&w.desk);
    let e = record_credits(&mut w.desk, &admin(), &w.book, &credits).expect_err("locked");
    assert_eq!(e.code(), "CME_YEAR_LOCKED");
    assert!(e.message_zh().contains("2026-03-31"));
    assert_eq!(dump(&w.desk), before);
}

#[test]
fn per_person_review_mode_decides_every_waiting_credit_at_once() {
    let mut w = world();
    let (staff_id, dept) = w.staff[3].clone();
    let file = NewEvidence { file_name: "封面.pdf".into(), content: b"cover".to_vec() };
    let mut ids = Vec::new();
    for (i, mode) in
        [SaveMode::SaveAndSubmit, SaveMode::SaveAndSubmit, SaveMode::Save].into_iter().enumerate()
    {
        let mut form = paper_form(&staff_id);
        form.activity_name = format!("论文 {i}");
        let m = store::add_manual(&mut w.desk, &admin(), &w.book, form, std::slice::from_ref(&file), mode)
            .expect("saved");
        ids.push(m.credit.id);
    }
    let policy = ReviewPolicy { department_required: true };
    let audit0 = count(&w.desk, "audit_log");
    let done = store::review_person(
        &mut w.desk,
        &secretary(&dept),
        &w.book,
        &staff_id,
        2026,
        ReviewDecision::Approve,
        None,
        policy,
    )
    .expect("department reviews the person");
    assert_eq!(done.len(), 2);
    assert_eq!(count(&w.desk, "audit_log"), audit0 + 2);
    let done = store::review_person(
        &mut w.desk,
        &admin(),
        &w.book,
        &staff_id,
        2026,
        ReviewDecision::Approve,
        None,
        policy,
    )
    .expect("hospital reviews the person");
    assert!(done.iter().all(|m| m.credit.review_status == ReviewStatus::Approved));
    assert_eq!(store::get(&w.desk, &ids[2]).expect("draft").record.review_status, ReviewStatus::Draft);
    let e = store::review_person(
        &mut w.desk,
        &admin(),
        &w.book,
        &staff_id,
        2026,
        ReviewDecision::Approve,
        None,
        policy,
    )
    .expect_err("nothing left");
    assert_eq!(e.code(), "NOTHING_TO_REVIEW");
    let report = compliance_report(&w.desk, &w.book, 2026, None, None).expect("compliance");
    let p = report.people.iter().find(|p| p.staff_id == staff_id).expect("person");
    // Two approved papers of 2 articles each at 2 credits = 8 credits, capped by nothing.
    assert_eq!(p.totals.credits, Centi::units(8));
}
