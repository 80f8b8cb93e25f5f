//! Live swipe sessions (issue 4, kiosk): the one path `cmedesk swipe listen` and the desktop 签到
//! page share. The reader is registered once per identity; each take is committed (row + audit +
//! outbox) when it returns; the live count follows accepted / duplicate / unknown card.

mod common;

use chrono::Duration;
use cmedesk_core::{
    Actor, audit_log,
    kiosk::{LiveSession, ReaderIdentity, SwipeCounts},
    projects::{self, ProjectDetails},
    staff::{self, NewStaff},
    swipes::{DuplicatePolicy, SwipeSource, SwipeStatus},
    terminals,
};
use common::*;

fn keyboard() -> ReaderIdentity {
    ReaderIdentity {
        kind: "keyboard".into(),
        name: "键盘式读卡器".into(),
        identity: "keyboard".into(),
        source: SwipeSource::Keyboard,
    }
}

fn at(actor: &Actor, secs: i64) -> Actor {
    Actor::new(actor.operator.clone(), actor.now + Duration::seconds(secs))
}

#[test]
fn a_session_commits_each_take_and_counts_by_status() {
    let Small { mut desk, cardiology, approved_code, .. } = small();
    let a = admin();
    staff::add(
        &mut desk,
        &a,
        NewStaff {
            name: "王芳".into(),
            id_number: "11010519491231002X".into(),
            department_id: cardiology,
            card_key: Some("3201000010".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let project = projects::create(&mut desk, &a, &approved_code, ProjectDetails::default()).unwrap();

    let session =
        LiveSession::open(&mut desk, &a, &keyboard(), Some(&project.code), DuplicatePolicy::default())
            .unwrap();
    assert_eq!(session.project_id.as_deref(), Some(project.id.as_str()));
    // Opening again finds the same terminal: one registration per reader identity.
    let again =
        LiveSession::open(&mut desk, &a, &keyboard(), Some(&project.id), DuplicatePolicy::default()).unwrap();
    assert_eq!(again.terminal_id, session.terminal_id);
    assert_eq!(terminals::list(&desk).unwrap().iter().filter(|t| t.kind == "keyboard").count(), 1);

    let log_before = audit_log::verify(&desk).unwrap().rows;
    let first = session.take(&mut desk, &a, "3201000010", Some(b"3201000010".to_vec())).unwrap();
    assert_eq!(first.swipe.status, SwipeStatus::Accepted);
    assert_eq!(first.swipe.card_key, "ic:3201000010");
    assert_eq!(first.swipe.source, SwipeSource::Keyboard);
    assert_eq!(first.holder.as_ref().unwrap().staff.name, "王芳");
    // Committed with its audit row by the time take returned.
    assert_eq!(audit_log::verify(&desk).unwrap().rows, log_before + 1);

    let second = session.take(&mut desk, &at(&a, 20), "3201000010", None).unwrap();
    assert_eq!(second.swipe.status, SwipeStatus::Duplicate);
    assert_eq!(second.swipe.duplicate_of.as_deref(), Some(first.swipe.id.as_str()));
    let unknown = session.take(&mut desk, &at(&a, 30), "9900000001", None).unwrap();
    assert_eq!(unknown.swipe.status, SwipeStatus::UnknownCard);
    assert!(unknown.holder.is_none());

    assert_eq!(session.counts(&desk).unwrap(), SwipeCounts { accepted: 1, duplicate: 1, unknown_card: 1 });
    // Outside the duplicate window the same card counts again.
    let later = session.take(&mut desk, &at(&a, 61), "3201000010", None).unwrap();
    assert_eq!(later.swipe.status, SwipeStatus::Accepted);
    assert_eq!(session.counts(&desk).unwrap().accepted, 2);
}

#[test]
fn a_bad_card_number_is_refused_and_writes_nothing() {
    let Small { mut desk, .. } = small();
    let a = admin();
    let session = LiveSession::open(&mut desk, &a, &keyboard(), None, DuplicatePolicy::default()).unwrap();
    let before = dump(&desk);
    let err = session.take(&mut desk, &a, "not a card!", None).unwrap_err();
    assert_eq!(err.code(), "CARD_KEY_FORMAT");
    assert_eq!(dump(&desk), before);
    assert_eq!(session.counts(&desk).unwrap(), SwipeCounts::default());
}

#[test]
fn a_viewer_cannot_open_a_session() {
    let Small { mut desk, .. } = small();
    let err = LiveSession::open(
        &mut desk,
        &actor(cmedesk_core::Role::Viewer),
        &keyboard(),
        None,
        DuplicatePolicy::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "FORBIDDEN");
}
