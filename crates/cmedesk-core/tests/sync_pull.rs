//! Pulling the server's log into real desk databases (design.md §4): rows another desk made
//! appear with an audit row marked as remote and no outbox echo; an officer's unpushed edit is
//! never overwritten; a field edited on two desks converges to the later clock everywhere with
//! the loser in the conflict log; an edit made after seeing a value is no conflict; taking the
//! loser is a new edit that wins everywhere; a page that skips a seq is refused whole; desks'
//! canonical hashes equal the server's.

mod common;

use chrono::Duration;
use cmedesk_core::{
    Actor, Desk, audit_log, departments,
    staff::{self, NewStaff, StaffEdit},
    sync::{
        LogEntry, MemoryHub, PullReply, PullRequest,
        conflicts::{self, Resolution},
        outbox_ops::load_marks,
        pull_apply::{apply_pull_page, canonical_hash},
    },
};
use common::*;

fn at(minutes: i64) -> Actor {
    let mut a = admin();
    a.now += Duration::minutes(minutes);
    a
}

fn now_text(minutes: i64) -> String {
    at(minutes).now.to_rfc3339()
}

fn push(desk: &Desk, hub: &mut MemoryHub) {
    sync::push_all(desk, hub, &now_text(0));
}

fn pull(desk: &Desk, hub: &MemoryHub, minutes: i64) -> usize {
    sync::pull_to_head(desk, hub, &now_text(minutes)).conflicts
}

fn set_phone(desk: &mut Desk, actor: &Actor, id: &str, phone: &str) {
    let s = staff::get(desk, id).unwrap();
    let edit = StaffEdit {
        name: s.name,
        gender: Some(s.gender),
        id_number: s.id_number,
        title: s.title,
        title_level: s.title_level,
        profession: s.profession,
        phone: Some(phone.into()),
        note: s.note,
    };
    staff::update(desk, actor, id, edit).unwrap();
}

fn phone(desk: &Desk, id: &str) -> Option<String> {
    staff::get(desk, id).unwrap().phone
}

fn outbox_len(desk: &Desk) -> i64 {
    cmedesk_core::outbox::last_site_seq(desk).unwrap()
}

#[test]
fn pulled_rows_land_with_a_remote_audit_row_and_no_outbox_echo() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Desk::create(&dir.path().join("a.db")).unwrap();
    let b = Desk::create(&dir.path().join("b.db")).unwrap();
    let mut hub = MemoryHub::new();
    let dept = departments::add(
        &mut a,
        &at(0),
        departments::NewDepartment { name: "心内科".into(), ..Default::default() },
    )
    .unwrap();
    let s = staff::add(
        &mut a,
        &at(1),
        NewStaff {
            name: "王芳".into(),
            id_number: "11010519491231002X".into(),
            department_id: dept.id.clone(),
            phone: Some("13800000000".into()),
            ..Default::default()
        },
    )
    .unwrap();
    push(&a, &mut hub);
    let b_outbox = outbox_len(&b);
    assert_eq!(pull(&b, &hub, 2), 0);
    assert_eq!(staff::get(&b, &s.id).unwrap(), s, "the same person on desk B");
    assert_eq!(outbox_len(&b), b_outbox, "a pulled change is not pushed back");
    let remote =
        audit_log::list(&b, &audit_log::Filter { operator: Some("sync".into()), ..Default::default() })
            .unwrap();
    assert_eq!(remote.len(), 2, "department and staff, each with one remote audit row");
    assert!(remote.iter().all(|e| e.action == "sync.pull"));
    assert!(audit_log::verify(&b).unwrap().intact);
    assert_eq!(canonical_hash(&b).unwrap(), hub.state().canonical_hash());
    // Pulling again changes nothing; A pulling its own ops back writes no row.
    assert_eq!(pull(&b, &hub, 3), 0);
    let a_audit = audit_log::verify(&a).unwrap().rows;
    pull(&a, &hub, 3);
    assert_eq!(audit_log::verify(&a).unwrap().rows, a_audit, "own ops come back without a write");
    assert_eq!(canonical_hash(&a).unwrap(), hub.state().canonical_hash());
}

#[test]
fn an_unpushed_edit_survives_a_pull_then_both_desks_converge_with_the_loser_logged() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Desk::create(&dir.path().join("a.db")).unwrap();
    let mut b = Desk::create(&dir.path().join("b.db")).unwrap();
    let mut hub = MemoryHub::new();
    let dept = departments::add(
        &mut a,
        &at(0),
        departments::NewDepartment { name: "骨科".into(), ..Default::default() },
    )
    .unwrap();
    let s = staff::add(
        &mut a,
        &at(1),
        NewStaff {
            name: "李娜".into(),
            id_number: "11010519491231002X".into(),
            department_id: dept.id,
            ..Default::default()
        },
    )
    .unwrap();
    push(&a, &mut hub);
    pull(&b, &hub, 2);
    pull(&a, &hub, 2);

    // Both edit the phone offline; B's edit is later (minute 20 vs 10).
    set_phone(&mut a, &at(10), &s.id, "13811111111");
    set_phone(&mut b, &at(20), &s.id, "13822222222");
    push(&a, &mut hub);
    pull(&b, &hub, 21);
    assert_eq!(phone(&b, &s.id).as_deref(), Some("13822222222"), "B's unpushed edit is never overwritten");

    push(&b, &mut hub);
    let b_conflicts = pull(&b, &hub, 22);
    let a_conflicts = pull(&a, &hub, 22);
    assert_eq!((a_conflicts, b_conflicts), (1, 1), "both desks see the same conflict");
    assert_eq!(phone(&a, &s.id).as_deref(), Some("13822222222"));
    assert_eq!(phone(&b, &s.id).as_deref(), Some("13822222222"));
    for d in [&a, &b] {
        assert_eq!(canonical_hash(d).unwrap(), hub.state().canonical_hash());
        let open = conflicts::list(d, false).unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(
            (open[0].field.as_str(), &open[0].winner, &open[0].loser),
            ("phone", &"13822222222".into(), &"13811111111".into())
        );
        assert!(audit_log::verify(d).unwrap().intact);
    }

    // An edit made after seeing the value is no conflict.
    set_phone(&mut a, &at(30), &s.id, "13833333333");
    push(&a, &mut hub);
    assert_eq!(pull(&b, &hub, 31), 0);
    assert_eq!(pull(&a, &hub, 31), 0);
    assert_eq!(phone(&b, &s.id).as_deref(), Some("13833333333"));

    // Taking the loser of the old conflict is a new edit: it wins on every desk.
    let id = conflicts::list(&b, false).unwrap()[0].id;
    let done = conflicts::resolve(&mut b, &at(40), id, Resolution::TakeLoser).unwrap();
    assert_eq!(done.resolution.as_deref(), Some("take_loser"));
    assert_eq!(phone(&b, &s.id).as_deref(), Some("13811111111"));
    push(&b, &mut hub);
    assert_eq!(pull(&a, &hub, 41), 0);
    assert_eq!(pull(&b, &hub, 41), 0);
    assert_eq!(phone(&a, &s.id).as_deref(), Some("13811111111"));
    assert!(conflicts::list(&b, false).unwrap().is_empty());
    let again = conflicts::resolve(&mut b, &at(42), id, Resolution::KeepWinner).unwrap_err();
    assert_eq!(again.code(), "SYNC_CONFLICT_RESOLVED");
    for d in [&a, &b] {
        assert_eq!(canonical_hash(d).unwrap(), hub.state().canonical_hash());
    }
}

#[test]
fn a_page_that_skips_a_seq_is_refused_whole_and_the_cursor_stays() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Desk::create(&dir.path().join("a.db")).unwrap();
    let b = Desk::create(&dir.path().join("b.db")).unwrap();
    let mut hub = MemoryHub::new();
    for name in ["甲科", "乙科", "丙科"] {
        departments::add(
            &mut a,
            &at(0),
            departments::NewDepartment { name: name.into(), ..Default::default() },
        )
        .unwrap();
    }
    push(&a, &mut hub);
    let full = hub.pull(&PullRequest { site_id: b.site_id().into(), after: 0, limit: 100 });
    let mut entries: Vec<LogEntry> = full.entries.clone();
    entries.remove(1);
    let holed = PullReply { entries, ..full };
    let before = dump(&b);
    let err = apply_pull_page(&b, &holed, &now_text(1)).unwrap_err();
    assert!(err.to_string().contains("expected 2"), "{err}");
    assert_eq!(dump(&b), before, "nothing of the page was applied");
    assert_eq!(load_marks(&b).unwrap().cursor, 0);
    pull(&b, &hub, 2);
    assert_eq!(departments::list(&b).unwrap().len(), 3);
}
