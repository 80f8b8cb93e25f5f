//! Invariant 3: every mutating core function writes the domain row, an audit-log row and an
//! outbox row in one transaction; the audit chain detects tampering; refused operations write
//! nothing at all.

mod common;

use chrono::{NaiveDate, NaiveDateTime};
use cmedesk_core::{
    Desk, Role, approved_projects, audit_log, cards, departments, printouts,
    projects::{self, NewCourse, ProjectAction, ProjectDetails},
    staff::{self, NewStaff, StaffEdit, StaffStatus},
    statement, statement_issues, swipes, terminals, users,
};
use common::*;

fn person(name: &str, id: &str, dept: &str) -> NewStaff {
    NewStaff { name: name.into(), id_number: id.into(), department_id: dept.into(), ..Default::default() }
}

fn complete_details() -> ProjectDetails {
    ProjectDetails {
        delivery: Some("继续医学教育项目".into()),
        venue: Some("本院学术报告厅".into()),
        discipline2: Some("临床内科学".into()),
        discipline3: Some("心血管病学".into()),
        lead: Some("张三".into()),
        handler: Some("李四".into()),
        handler_phone: Some("13900000000".into()),
        fee: Some(0.0),
        ..Default::default()
    }
}

fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Runs `f` and checks it added audit and outbox rows one for one, gaplessly, chain intact.
fn audited<T>(desk: &mut Desk, what: &str, f: impl FnOnce(&mut Desk) -> cmedesk_core::Result<T>) -> T {
    let (audit0, outbox0) = (count(desk, "audit_log"), count(desk, "outbox"));
    let out = f(desk).unwrap_or_else(|e| panic!("{what}: {e}"));
    let (audit1, outbox1) = (count(desk, "audit_log"), count(desk, "outbox"));
    assert!(audit1 > audit0, "{what} wrote no audit row");
    assert_eq!(audit1 - audit0, outbox1 - outbox0, "{what}: audit and outbox rows differ");
    let max_seq: i64 = desk.conn().query_row("SELECT MAX(site_seq) FROM outbox", [], |r| r.get(0)).unwrap();
    assert_eq!(max_seq, outbox1, "{what}: site_seq has a gap");
    assert!(audit_log::verify(desk).unwrap().intact, "{what}: chain broken");
    out
}

#[test]
fn every_mutation_writes_domain_row_audit_and_outbox() {
    let Small { mut desk, cardiology, nursing, approved_code } = small();
    let a = admin();
    let dept = audited(&mut desk, "departments::add", |d| {
        departments::add(
            d,
            &a,
            departments::NewDepartment { name: "急诊医学科".into(), ..Default::default() },
        )
    });
    audited(&mut desk, "departments::rename", |d| departments::rename(d, &a, &dept.id, "急诊科"));
    audited(&mut desk, "departments::move_to", |d| {
        departments::move_to(d, &a, &dept.id, Some(&nursing), Some(5))
    });
    let s = audited(&mut desk, "staff::add", |d| {
        staff::add(
            d,
            &a,
            NewStaff {
                card_key: Some("0012345678".into()),
                ..person("王芳", "11010519491231002X", &cardiology)
            },
        )
    });
    assert_eq!(count(&desk, "staff"), 1);
    audited(&mut desk, "staff::add_many", |d| {
        staff::add_many(
            d,
            &a,
            vec![
                person("赵敏", "110105198001010040", &nursing),
                person("钱磊", "110105198001010091", &nursing),
            ],
        )
    });
    audited(&mut desk, "staff::update", |d| {
        staff::update(
            d,
            &a,
            &s.id,
            StaffEdit {
                name: "王芳".into(),
                id_number: s.id_number.clone(),
                phone: Some("13800000000".into()),
                ..Default::default()
            },
        )
    });
    audited(&mut desk, "staff::transfer", |d| {
        staff::transfer(d, &a, &s.id, &nursing, d_("2026-11-01"), Some("工作需要"))
    });
    audited(&mut desk, "staff::set_status", |d| {
        staff::set_status(d, &a, &s.id, StaffStatus::Maternity, d_("2026-11-02"), None)
    });
    audited(&mut desk, "cards::replace", |d| cards::replace(d, &a, &s.id, "uid:04A1B2C3", "丢失"));
    audited(&mut desk, "cards::revoke", |d| cards::revoke(d, &a, "uid:04A1B2C3", "离职"));
    audited(&mut desk, "cards::issue", |d| cards::issue(d, &a, &s.id, "em:67003B51C6"));
    audited(&mut desk, "approved_projects::add", |d| {
        approved_projects::add(
            d,
            &a,
            approved_projects::NewApprovedProject {
                code: "L2026-001".into(),
                year: 2026,
                name: "院内培训".into(),
                credits: 1.0,
                total_hours: 3.0,
                ..Default::default()
            },
        )
    });
    let p = audited(&mut desk, "projects::create", |d| {
        projects::create(d, &a, &approved_code, ProjectDetails::default())
    });
    audited(&mut desk, "projects::update", |d| projects::update(d, &a, &p.id, complete_details()));
    audited(&mut desk, "projects::add_course", |d| {
        projects::add_course(
            d,
            &a,
            &p.id,
            NewCourse {
                title: "心梗救治".into(),
                hours: 6.0,
                speaker_staff: Some(s.id_number.clone()),
                ..Default::default()
            },
        )
    });
    audited(&mut desk, "projects::add_holding_period", |d| {
        projects::add_holding_period(d, &a, &p.id, d_("2026-11-10"), d_("2026-11-11"))
    });
    audited(&mut desk, "projects::add_attendance_window", |d| {
        projects::add_attendance_window(
            d,
            &a,
            &p.id,
            dt("2026-11-10 07:30"),
            dt("2026-11-10 09:00"),
            Some("上午"),
        )
    });
    for action in [
        ProjectAction::Submit,
        ProjectAction::Approve,
        ProjectAction::MarkHeld,
        ProjectAction::GrantCredits,
        ProjectAction::Close,
    ] {
        audited(&mut desk, action.as_str(), |d| projects::transition(d, &a, &p.id, action, None));
    }
    let t = audited(&mut desk, "terminals::ensure", |d| {
        terminals::ensure(d, &a, "em4100", "门口读卡器", Some("usb:1"))
    });
    let swipe = |seq: Option<i64>| swipes::SwipeInput {
        terminal_id: t.id.clone(),
        terminal_seq: seq,
        source: swipes::SwipeSource::Reader,
        card_key: "em:67003B51C6".into(),
        raw: None,
        device_time: None,
        clock_offset_ms: None,
        project_id: Some(p.id.clone()),
    };
    audited(&mut desk, "swipes::ingest", |d| swipes::ingest(d, &a, swipe(None), Default::default()));
    audited(&mut desk, "swipes::ingest_batch", |d| {
        swipes::ingest_batch(
            d,
            &a,
            &t.id,
            vec![swipe(Some(1)), swipe(Some(2))],
            Some(500),
            Default::default(),
        )
    });
    audited(&mut desk, "swipes::ingest_batch (nothing new)", |d| {
        swipes::ingest_batch(d, &a, &t.id, vec![swipe(Some(1))], Some(500), Default::default())
    });
    audited(&mut desk, "users::add", |d| {
        users::add(
            d,
            &a,
            users::NewUser {
                username: "officer1".into(),
                display_name: None,
                role: Role::Officer,
                department_id: None,
                password: "secret123".into(),
            },
        )
    });
    audited(&mut desk, "users::set_password", |d| users::set_password(d, &a, "officer1", None, "better456"));
    audited(&mut desk, "printouts::set_unit_name", |d| printouts::set_unit_name(d, &a, "示例县中医院"));
    let off = cmedesk_core::backup::schedule::Schedule { enabled: false, ..Default::default() };
    audited(&mut desk, "backup::schedule::save", |d| {
        cmedesk_core::backup::schedule::save(d, &a, off.clone())
    });
    assert_eq!(cmedesk_core::backup::schedule::load(&desk).unwrap(), off);
    let st = printouts::statement(&desk, &s.id, 2026, false, now()).unwrap();
    assert_eq!(st.unit, "示例县中医院");
    let code = st.sign(&statement::signing_key_from_seed(&[5; 32])).unwrap();
    let issue = audited(&mut desk, "statement_issues::record", |d| {
        statement_issues::record(d, &a, &s.id, 2026, &st, &code)
    });
    assert_eq!(count(&desk, "statement_issues"), 1);
    assert_eq!(statement_issues::find(&desk, &issue.short_code.to_lowercase()).unwrap(), Some(issue.clone()));
    // The same signed statement twice is a replay, refused.
    assert_eq!(
        statement_issues::record(&mut desk, &a, &s.id, 2026, &st, &code).unwrap_err().code(),
        "DUPLICATE"
    );
    // The password itself is never in the audit log or the outbox.
    assert!(
        !dump(&desk)
            .lines()
            .filter(|l| l.starts_with("audit_log") || l.starts_with("outbox"))
            .any(|l| l.contains("argon2"))
    );
}

fn d_(s: &str) -> NaiveDate {
    d(s)
}

#[test]
fn tampered_audit_rows_are_detected() {
    let Small { mut desk, cardiology, .. } = small();
    staff::add(&mut desk, &admin(), person("王芳", "11010519491231002X", &cardiology)).unwrap();
    let report = audit_log::verify(&desk).unwrap();
    assert!(report.intact);
    assert_eq!(report.rows, 5);
    desk.conn()
        .execute("UPDATE audit_log SET after = replace(after, '王芳', '王芬') WHERE seq = 5", [])
        .unwrap();
    let report = audit_log::verify(&desk).unwrap();
    assert!(!report.intact);
    assert_eq!(report.first_bad_seq, Some(5));

    let Small { desk, .. } = small();
    desk.conn().execute("DELETE FROM audit_log WHERE seq = 2", []).unwrap();
    let report = audit_log::verify(&desk).unwrap();
    assert_eq!((report.intact, report.first_bad_seq), (false, Some(3)));
}

#[test]
fn refused_operations_change_nothing() {
    let Small { mut desk, cardiology, approved_code, .. } = small();
    let a = admin();
    let s = staff::add(&mut desk, &a, person("王芳", "11010519491231002X", &cardiology)).unwrap();
    let p = projects::create(&mut desk, &a, &approved_code, ProjectDetails::default()).unwrap();
    let before = dump(&desk);
    let attempts: Vec<(&str, cmedesk_core::CoreError)> = vec![
        (
            "malformed ID",
            staff::add(&mut desk, &a, person("李四", "110105194912310021", &cardiology)).unwrap_err(),
        ),
        (
            "unknown department",
            staff::add(&mut desk, &a, person("李四", "110105198001010059", "no-such-dept")).unwrap_err(),
        ),
        (
            "duplicate in the middle of a batch",
            staff::add_many(
                &mut desk,
                &a,
                vec![
                    person("甲", "110105198001010059", &cardiology),
                    person("乙", "110105198001010067", &cardiology),
                    person("丙", "11010519491231002x", &cardiology),
                ],
            )
            .unwrap_err(),
        ),
        (
            "forbidden transition",
            projects::transition(&mut desk, &a, &p.id, ProjectAction::Approve, None).unwrap_err(),
        ),
        (
            "submit incomplete",
            projects::transition(&mut desk, &a, &p.id, ProjectAction::Submit, None).unwrap_err(),
        ),
        (
            "wrong role",
            staff::add(&mut desk, &actor(Role::Viewer), person("李四", "110105198001010059", &cardiology))
                .unwrap_err(),
        ),
        (
            "secretary edits roster",
            staff::set_status(
                &mut desk,
                &actor(Role::DepartmentSecretary),
                &s.id,
                StaffStatus::Cancelled,
                d("2026-11-01"),
                None,
            )
            .unwrap_err(),
        ),
        (
            "officer manages users",
            users::add(
                &mut desk,
                &actor(Role::Officer),
                users::NewUser {
                    username: "x".into(),
                    display_name: None,
                    role: Role::Admin,
                    department_id: None,
                    password: "abcdefg12".into(),
                },
            )
            .unwrap_err(),
        ),
        ("viewer issues a statement", {
            let st = printouts::statement(&desk, &s.id, 2026, false, now()).unwrap();
            let code = st.sign(&statement::signing_key_from_seed(&[5; 32])).unwrap();
            statement_issues::record(&mut desk, &actor(Role::Viewer), &s.id, 2026, &st, &code).unwrap_err()
        }),
        (
            "secretary names the unit",
            printouts::set_unit_name(&mut desk, &actor(Role::DepartmentSecretary), "x").unwrap_err(),
        ),
        (
            "exempt without reason",
            staff::set_status(&mut desk, &a, &s.id, StaffStatus::Exempt, d("2026-11-01"), None).unwrap_err(),
        ),
        (
            "transfer into own department",
            staff::transfer(&mut desk, &a, &s.id, &cardiology, d("2026-11-01"), None).unwrap_err(),
        ),
        ("department cycle", {
            let parent = departments::get(&desk, &cardiology).unwrap().parent_id.unwrap();
            departments::move_to(&mut desk, &a, &parent, Some(&cardiology), None).unwrap_err()
        }),
        (
            "window outside the period",
            projects::add_attendance_window(
                &mut desk,
                &a,
                &p.id,
                dt("2026-12-01 08:00"),
                dt("2026-12-01 09:00"),
                None,
            )
            .unwrap_err(),
        ),
        (
            "too many course hours",
            projects::add_course(
                &mut desk,
                &a,
                &p.id,
                NewCourse {
                    title: "x".into(),
                    hours: 13.0,
                    speaker_name: Some("外院专家".into()),
                    ..Default::default()
                },
            )
            .unwrap_err(),
        ),
        ("bad card key", cards::issue(&mut desk, &a, &s.id, "zz:1").unwrap_err()),
    ];
    let codes: Vec<(&str, &str)> = attempts.iter().map(|(what, e)| (*what, e.code())).collect();
    assert_eq!(
        codes,
        vec![
            ("malformed ID", "ID_NUMBER_CHECKSUM"),
            ("unknown department", "NOT_FOUND"),
            ("duplicate in the middle of a batch", "DUPLICATE"),
            ("forbidden transition", "INVALID_TRANSITION"),
            ("submit incomplete", "INVALID_TRANSITION"),
            ("wrong role", "FORBIDDEN"),
            ("secretary edits roster", "FORBIDDEN"),
            ("officer manages users", "FORBIDDEN"),
            ("viewer issues a statement", "FORBIDDEN"),
            ("secretary names the unit", "FORBIDDEN"),
            ("exempt without reason", "REQUIRED"),
            ("transfer into own department", "TRANSFER_SAME_DEPARTMENT"),
            ("department cycle", "DEPARTMENT_CYCLE"),
            ("window outside the period", "WINDOW_OUTSIDE_PERIOD"),
            ("too many course hours", "COURSE_HOURS_EXCEED"),
            ("bad card key", "CARD_KEY_FORMAT"),
        ]
    );
    assert_eq!(dump(&desk), before, "a refused operation wrote something");
    // The batch error names the entry and the field.
    let batch = &attempts[2].1;
    assert_eq!(batch.field(), Some("id_number"));
    assert!(batch.message_zh().starts_with("第3条"), "{}", batch.message_zh());
    // Submission names what is missing, in Chinese.
    let msg = attempts[4].1.message_zh();
    assert!(msg.contains("举办地点") && msg.contains("课程") && msg.contains("举办周期"), "{msg}");
}
