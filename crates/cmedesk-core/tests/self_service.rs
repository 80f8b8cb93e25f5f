//! Staff self-service rules (issue 10): identification by ID number + second factor, QR
//! check-in as a swipe (committed with audit + outbox; refused outside the window, twice in one
//! window, over the cap — writing nothing), and "my credits" as compliance counts them.

mod common;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use cmedesk_core::{
    Actor, Desk, audit_log, projects,
    rules::RuleBook,
    self_service::{self, CheckIn, CheckedIn},
    staff::{self, NewStaff, StaffRow, StaffStatus},
    swipes::{self, SwipeFilter, SwipeSource, SwipeStatus},
    terminals,
};
use common::*;

fn at(s: &str) -> Actor {
    let now: DateTime<FixedOffset> = DateTime::parse_from_rfc3339(s).unwrap();
    Actor::new(admin().operator, now)
}

fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

struct World {
    desk: Desk,
    project: String,
    window: String,
    terminal: String,
    people: Vec<StaffRow>,
}

fn world() -> World {
    let Small { mut desk, cardiology, approved_code, .. } = small();
    let a = admin();
    let p = projects::create(&mut desk, &a, &approved_code, Default::default()).unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    projects::add_holding_period(&mut desk, &a, &p.id, day, day).unwrap();
    let w = projects::add_attendance_window(
        &mut desk,
        &a,
        &p.id,
        dt("2026-11-22 09:00"),
        dt("2026-11-22 11:00"),
        Some("上午签到"),
    )
    .unwrap();
    let ids = ["11010519491231002X", "440524188001010014", "370101190102039973"];
    let people = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let s = staff::add(
                &mut desk,
                &a,
                NewStaff {
                    name: ["王芳", "李娜", "张伟"][i].to_string(),
                    id_number: id.to_string(),
                    department_id: cardiology.clone(),
                    phone: Some(format!("1390000{i}{i}{i}{i}")),
                    card_key: Some(format!("ic:880000{i}")),
                    ..Default::default()
                },
            )
            .unwrap();
            staff::get_row(&desk, &s.id).unwrap()
        })
        .collect();
    let t = terminals::ensure(&mut desk, &a, "qr", "扫码签到", Some("lan:test")).unwrap();
    World { desk, project: p.id, window: w.id, terminal: t.id, people }
}

fn req(w: &World, person: usize, cap: Option<u32>) -> CheckIn {
    CheckIn {
        project_id: w.project.clone(),
        window_id: w.window.clone(),
        terminal_id: w.terminal.clone(),
        staff: w.people[person].clone(),
        cap,
    }
}

fn check(w: &mut World, a: &Actor, person: usize, cap: Option<u32>) -> cmedesk_core::Result<CheckedIn> {
    let r = req(w, person, cap);
    self_service::check_in(&mut w.desk, a, r)
}

#[test]
fn identify_by_phone_digits_or_card_number_with_one_refusal_for_unknown_and_wrong() {
    let mut w = world();
    let p = &w.people[1];
    assert_eq!(self_service::identify(&w.desk, "440524188001010014", "1111").unwrap().staff.id, p.staff.id);
    assert_eq!(
        self_service::identify(&w.desk, " 440524188001010014 ", "8800001").unwrap().staff.id,
        p.staff.id
    );
    assert_eq!(
        self_service::identify(&w.desk, "440524188001010014", "ic:8800001").unwrap().staff.id,
        p.staff.id
    );
    let wrong = self_service::identify(&w.desk, "440524188001010014", "2222").unwrap_err();
    let unknown = self_service::identify(&w.desk, "110105198001010091", "1111").unwrap_err();
    assert_eq!(wrong.code(), "SELF_SERVICE_NOT_VERIFIED");
    assert_eq!((unknown.code(), unknown.message_zh()), (wrong.code(), wrong.message_zh()));
    // Lower-case x and full-width digits are folded like everywhere else.
    assert!(self_service::identify(&w.desk, "11010519491231002x", "００００").is_ok());
    assert_eq!(self_service::identify(&w.desk, "", "1").unwrap_err().code(), "REQUIRED");
    staff::set_status(
        &mut w.desk,
        &admin(),
        &p.staff.id,
        StaffStatus::Cancelled,
        admin().today(),
        Some("离职"),
    )
    .unwrap();
    assert_eq!(
        self_service::identify(&w.desk, "440524188001010014", "1111").unwrap_err().code(),
        "SELF_SERVICE_INACTIVE"
    );
}

#[test]
fn a_qr_check_in_is_an_audited_swipe_and_refusals_write_nothing() {
    let mut w = world();
    let a = at("2026-11-22T09:15:00+08:00");
    let (audit0, outbox0) = (count(&w.desk, "audit_log"), count(&w.desk, "outbox"));
    let done = check(&mut w, &a, 0, Some(2)).unwrap();
    assert_eq!(
        (done.count, done.swipe.source, done.swipe.status),
        (1, SwipeSource::Qr, SwipeStatus::Accepted)
    );
    assert_eq!(done.swipe.card_key, "rid:11010519491231002X");
    assert_eq!(done.swipe.staff_id.as_deref(), Some(w.people[0].staff.id.as_str()));
    assert_eq!((count(&w.desk, "audit_log") - audit0, count(&w.desk, "outbox") - outbox0), (1, 1));
    assert!(audit_log::verify(&w.desk).unwrap().intact);
    let listed =
        swipes::list(&w.desk, &SwipeFilter { project_id: Some(w.project.clone()), ..Default::default() })
            .unwrap();
    assert_eq!(listed, vec![done.swipe.clone()]);

    let before = dump(&w.desk);
    // Twice in one window.
    let e = check(&mut w, &at("2026-11-22T10:40:00+08:00"), 0, Some(2)).unwrap_err();
    assert_eq!(e.code(), "CHECKIN_ALREADY");
    assert!(e.message_zh().contains("09:15:00"));
    // Outside the window, before and after.
    let e = check(&mut w, &at("2026-11-22T08:59:59+08:00"), 1, None).unwrap_err();
    assert_eq!(e.code(), "CHECKIN_NOT_STARTED");
    let e = check(&mut w, &at("2026-11-22T11:00:00+08:00"), 1, None).unwrap_err();
    assert_eq!(e.code(), "CHECKIN_WINDOW_OVER");
    assert!(e.message_zh().starts_with("不在考勤时间段内"));
    // A window of another project.
    let mut other = req(&w, 1, None);
    other.window_id = "no-such-window".into();
    assert_eq!(self_service::check_in(&mut w.desk, &a, other).unwrap_err().code(), "NOT_FOUND");
    assert_eq!(dump(&w.desk), before, "refusals wrote nothing");

    // The cap counts people in the window: the second fits, the third does not.
    check(&mut w, &a, 1, Some(2)).unwrap();
    let before = dump(&w.desk);
    let e = check(&mut w, &a, 2, Some(2)).unwrap_err();
    assert_eq!(e.code(), "CHECKIN_CAP_REACHED");
    assert_eq!(dump(&w.desk), before);
    let window = projects::attendance_windows(&w.desk, &w.project).unwrap().remove(0);
    assert_eq!(self_service::window_count(&w.desk, &window).unwrap(), 2);
    assert_eq!(
        self_service::current_window(&w.desk, &w.project, dt("2026-11-22 10:59")).unwrap().map(|w| w.id),
        Some(window.id)
    );
    assert_eq!(self_service::current_window(&w.desk, &w.project, dt("2026-11-22 11:00")).unwrap(), None);
}

#[test]
fn my_credits_without_credits_shows_the_whole_gap() {
    let w = world();
    let book = RuleBook::embedded().unwrap();
    let mine = self_service::my_credits(&w.desk, &book, &w.people[0], admin().today()).unwrap();
    assert_eq!(mine.year.year, 2026);
    assert_eq!(mine.status_zh, "不达标");
    assert!(mine.rows.is_empty());
    assert_eq!(mine.id_number_shown, "1101**********002X");
    // R-01/02 (2024 reform): 25 credits and 90 hours.
    let gaps: Vec<(&str, String)> =
        mine.gaps.iter().map(|g| (g.requirement_zh, g.missing.to_string())).collect();
    assert_eq!(gaps, vec![("学分", "25.00".to_string()), ("学时", "90.00".to_string())]);
}
