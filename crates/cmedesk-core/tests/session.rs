//! Issue 9, sessions and roles: lockout after repeated failed sign-ins (time-based), password
//! rules, an administrator's reset and unlock (audited), the idle lock policy; and the full view
//! of ID numbers (allowed roles only, each view audited).

mod common;

use chrono::Duration;
use cmedesk_core::{
    Desk, Role, audit_log,
    privacy::{self, IdView},
    session::{self, Session, SessionPolicy},
    users::{self, NewUser},
};
use common::*;

const GOOD: &str = "right4321";

fn desk_with_officer() -> Desk {
    let mut desk = Desk::open_in_memory().unwrap();
    users::bootstrap_admin(&mut desk, "boot4321x", now()).unwrap();
    users::add(
        &mut desk,
        &admin(),
        NewUser {
            username: "officer1".into(),
            display_name: None,
            role: Role::Officer,
            department_id: None,
            password: GOOD.into(),
        },
    )
    .unwrap();
    desk
}

fn code(e: &cmedesk_core::CoreError) -> &'static str {
    e.code()
}

#[test]
fn lockout_after_repeated_failures_then_expires_with_the_window() {
    let mut desk = desk_with_officer();
    let p = SessionPolicy::default();
    let t0 = now();
    for i in 0..p.max_failed_sign_ins - 1 {
        let e = session::sign_in(&mut desk, "officer1", "wrong", t0 + Duration::seconds(i.into()), &p)
            .unwrap_err();
        assert_eq!(code(&e), "AUTHENTICATION_FAILED");
    }
    // The limit-th failure locks; from then on even the right password is refused, with the
    // very refusal an unknown username gets: the form does not tell who has an account.
    let t_last = t0 + Duration::seconds(10);
    let e = session::sign_in(&mut desk, "officer1", "wrong", t_last, &p).unwrap_err();
    assert_eq!(code(&e), "AUTHENTICATION_FAILED");
    assert!(session::lock_state(&desk, "officer1", t_last, &p).unwrap().locked_until.is_some());
    let before = dump(&desk);
    let e = session::sign_in(&mut desk, "officer1", GOOD, t_last + Duration::seconds(60), &p).unwrap_err();
    let unknown =
        session::sign_in(&mut desk, "nobody", GOOD, t_last + Duration::seconds(60), &p).unwrap_err();
    assert_eq!(code(&e), "AUTHENTICATION_FAILED", "locked, right password: refused");
    assert_eq!(
        (e.code(), e.message_zh(), e.message_en()),
        (unknown.code(), unknown.message_zh(), unknown.message_en())
    );
    assert_eq!(dump(&desk), before, "attempts while locked write nothing and do not extend the lock");
    // Failures are in the audit log, chained.
    let failed: i64 = desk
        .conn()
        .query_row("SELECT COUNT(*) FROM audit_log WHERE action = 'user.sign_in.failed'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(failed, i64::from(p.max_failed_sign_ins));
    assert!(audit_log::verify(&desk).unwrap().intact);
    // Time-based: after the window from the first counted failure, the right password works.
    let later = t0 + Duration::seconds(p.lockout_window_secs + 1);
    session::sign_in(&mut desk, "officer1", GOOD, later, &p).unwrap();
}

#[test]
fn failures_count_across_a_bulk_load_made_in_the_same_minutes() {
    // Sign-in reads only this operator's audit entries: a roster load between two failures
    // (thousands of entries, all inside the window) neither hides nor adds a failure.
    let mut desk = desk_with_officer();
    let p = SessionPolicy::default();
    let t = now();
    for _ in 0..p.max_failed_sign_ins - 1 {
        session::sign_in(&mut desk, "officer1", "wrong", t, &p).unwrap_err();
    }
    let hospital = cmedesk_core::synthetic::generate(5, 300, t.date_naive());
    cmedesk_core::synthetic::load(&mut desk, &admin(), &hospital).unwrap();
    let entries: i64 = desk.conn().query_row("SELECT COUNT(*) FROM audit_log", [], |r| r.get(0)).unwrap();
    assert!(entries > 300, "the load wrote {entries} audit entries");
    let state = session::lock_state(&desk, "officer1", t, &p).unwrap();
    assert_eq!((state.failures, state.locked_until), (p.max_failed_sign_ins - 1, None));
    session::sign_in(&mut desk, "officer1", "wrong", t, &p).unwrap_err();
    assert!(session::lock_state(&desk, "officer1", t, &p).unwrap().locked_until.is_some());
    assert_eq!(session::lock_state(&desk, "admin", t, &p).unwrap().failures, 0, "another operator's count");
}

#[test]
fn a_success_clears_failures_and_unknown_users_write_nothing() {
    let mut desk = desk_with_officer();
    let p = SessionPolicy::default();
    let t = now();
    for _ in 0..p.max_failed_sign_ins - 1 {
        session::sign_in(&mut desk, "officer1", "wrong", t, &p).unwrap_err();
    }
    session::sign_in(&mut desk, "officer1", GOOD, t, &p).unwrap();
    assert_eq!(session::lock_state(&desk, "officer1", t, &p).unwrap().failures, 0);
    // One more failure does not lock: the run was ended by the success.
    let e = session::sign_in(&mut desk, "officer1", "wrong", t, &p).unwrap_err();
    assert_eq!(code(&e), "AUTHENTICATION_FAILED");
    let before = dump(&desk);
    for _ in 0..10 {
        let e = session::sign_in(&mut desk, "nobody", "wrong", t, &p).unwrap_err();
        assert_eq!(code(&e), "AUTHENTICATION_FAILED", "same answer as a wrong password");
    }
    assert_eq!(dump(&desk), before);
}

#[test]
fn admin_reset_or_unlock_lifts_a_lock_and_is_audited() {
    let mut desk = desk_with_officer();
    let p = SessionPolicy::default();
    let t = now();
    let lock = |desk: &mut Desk| {
        for _ in 0..p.max_failed_sign_ins {
            session::sign_in(desk, "officer1", "wrong", t, &p).unwrap_err();
        }
        assert!(session::lock_state(desk, "officer1", t, &p).unwrap().locked_until.is_some());
    };
    lock(&mut desk);
    // Only a user manager may unlock; refused, nothing is written.
    let before = dump(&desk);
    assert_eq!(
        code(&session::unlock(&mut desk, &actor(Role::Officer), "officer1").unwrap_err()),
        "FORBIDDEN"
    );
    assert_eq!(dump(&desk), before);
    session::unlock(&mut desk, &admin(), "officer1").unwrap();
    session::sign_in(&mut desk, "officer1", GOOD, t, &p).unwrap();

    lock(&mut desk);
    users::set_password(&mut desk, &admin(), "officer1", None, "fresh4321").unwrap();
    session::sign_in(&mut desk, "officer1", "fresh4321", t, &p).unwrap();
    let actions: Vec<String> = desk
        .conn()
        .prepare("SELECT action FROM audit_log WHERE entity_id = 'officer1' ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        actions.contains(&"user.unlock".to_string()) && actions.contains(&"user.password.reset".to_string())
    );
    // The reset's audit row never holds the password or its hash (invariant 10).
    let rows: String = desk
        .conn()
        .query_row("SELECT group_concat(COALESCE(before,'') || COALESCE(after,'')) FROM audit_log", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(!rows.contains("fresh4321") && !rows.contains("$argon2"));
}

#[test]
fn password_rules() {
    let mut desk = desk_with_officer();
    for (pw, expected) in [
        ("short1", "PASSWORD_WEAK"),
        ("lettersonly", "PASSWORD_WEAK"),
        ("1234567890", "PASSWORD_WEAK"),
        ("officer1-2026", "PASSWORD_CONTAINS_USERNAME"),
    ] {
        let e = users::set_password(&mut desk, &admin(), "officer1", None, pw).unwrap_err();
        assert_eq!(e.code(), expected, "{pw}");
    }
    let long = format!("a1{}", "x".repeat(127));
    assert_eq!(
        users::set_password(&mut desk, &admin(), "officer1", None, &long).unwrap_err().code(),
        "PASSWORD_WEAK"
    );
    users::set_password(&mut desk, &admin(), "officer1", None, "Good2026pass").unwrap();
}

#[test]
fn idle_lock_policy() {
    let mut desk = desk_with_officer();
    let p = SessionPolicy::default();
    let op = session::sign_in(&mut desk, "officer1", GOOD, now(), &p).unwrap();
    let mut s = Session::new(op, now());
    let almost = now() + Duration::seconds(p.idle_lock_secs - 1);
    s.touch(almost, &p).unwrap();
    // Idle from the last input, not from sign-in.
    assert!(!s.is_idle_locked(almost + Duration::seconds(p.idle_lock_secs - 1), &p));
    let idle = almost + Duration::seconds(p.idle_lock_secs);
    assert!(s.is_idle_locked(idle, &p));
    assert_eq!(s.touch(idle, &p).unwrap_err().code(), "SESSION_IDLE_LOCKED");
    assert_eq!(s.resume(&mut desk, "wrong", idle, &p).unwrap_err().code(), "AUTHENTICATION_FAILED");
    s.resume(&mut desk, GOOD, idle, &p).unwrap();
    s.touch(idle + Duration::seconds(1), &p).unwrap();
}

#[test]
fn full_id_view_needs_the_permission_and_is_audited() {
    let mut desk = desk_with_officer();
    for role in Role::ALL {
        let before = dump(&desk);
        let allowed = role.allows(cmedesk_core::Permission::ViewFullIdNumbers);
        match privacy::reveal(&mut desk, &actor(role), "cmedesk staff list") {
            Ok(view) => {
                assert!(allowed, "{role:?}");
                let IdView::Full(grant) = &view else { panic!("not a full view") };
                let (action, after): (String, String) = desk
                    .conn()
                    .query_row(
                        "SELECT action, after FROM audit_log WHERE entity_id = ?1",
                        [grant.audit_entity_id()],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .unwrap();
                assert_eq!(action, "id_number.view_full");
                assert!(after.contains("cmedesk staff list") && after.contains(role.as_str()));
                assert_eq!(view.text("11010519491231002X"), "11010519491231002X");
            }
            Err(e) => {
                assert!(!allowed, "{role:?}");
                assert_eq!(e.code(), "FORBIDDEN");
                assert_eq!(dump(&desk), before, "a refused view writes nothing");
            }
        }
    }
    assert_eq!(IdView::Masked.text("11010519491231002X"), "1101**********002X");
}
