//! Swipe ingest (issue 4, part 3): committed before confirmation, duplicates marked and kept,
//! unknown cards kept, batches idempotent per device sequence number, swipes immutable.

mod common;

use chrono::{Duration, NaiveDateTime};
use cmedesk_core::{
    Actor, Desk, cards,
    staff::{self, NewStaff},
    swipes::{self, DuplicatePolicy, SwipeFilter, SwipeInput, SwipeSource, SwipeStatus},
    terminals,
};
use common::*;

fn at(actor: &Actor, secs: i64) -> Actor {
    Actor::new(actor.operator.clone(), actor.now + Duration::seconds(secs))
}

fn live(terminal: &str, card: &str) -> SwipeInput {
    SwipeInput {
        terminal_id: terminal.into(),
        terminal_seq: None,
        source: SwipeSource::Reader,
        card_key: card.into(),
        raw: Some(vec![0x02, 0x36, 0x03]),
        device_time: None,
        clock_offset_ms: None,
        project_id: None,
    }
}

fn setup() -> (Desk, String, String) {
    let Small { mut desk, cardiology, .. } = small();
    let s = staff::add(
        &mut desk,
        &admin(),
        NewStaff {
            name: "王芳".into(),
            id_number: "11010519491231002X".into(),
            department_id: cardiology,
            card_key: Some("em:67003B51C6".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let t = terminals::ensure(&mut desk, &admin(), "em4100", "报告厅门口读卡器", Some("usb:1a86:7523:A1"))
        .unwrap();
    (desk, s.id, t.id)
}

#[test]
fn live_swipes_are_accepted_then_marked_duplicate_within_the_window() {
    let (mut desk, staff_id, t) = setup();
    let a = admin();
    let first = swipes::ingest(&mut desk, &a, live(&t, "em:67003b51c6"), DuplicatePolicy::default()).unwrap();
    assert_eq!(first.swipe.status, SwipeStatus::Accepted);
    assert_eq!(first.holder.as_ref().unwrap().staff.name, "王芳");
    assert_eq!(first.swipe.staff_id.as_deref(), Some(staff_id.as_str()));
    assert_eq!(first.swipe.raw_hex.as_deref(), Some("023603"));
    let again = swipes::ingest(&mut desk, &at(&a, 30), live(&t, "em:67003B51C6"), DuplicatePolicy::default())
        .unwrap();
    assert_eq!(again.swipe.status, SwipeStatus::Duplicate);
    assert_eq!(again.swipe.duplicate_of.as_deref(), Some(first.swipe.id.as_str()));
    let later = swipes::ingest(&mut desk, &at(&a, 61), live(&t, "em:67003B51C6"), DuplicatePolicy::default())
        .unwrap();
    assert_eq!(later.swipe.status, SwipeStatus::Accepted);
    let unknown =
        swipes::ingest(&mut desk, &a, live(&t, "em:FFFFFFFFFF"), DuplicatePolicy::default()).unwrap();
    assert_eq!(unknown.swipe.status, SwipeStatus::UnknownCard);
    assert!(unknown.holder.is_none());
    // A resident ID card maps through the ID number, with no card issued.
    let rid = swipes::ingest(
        &mut desk,
        &at(&a, 200),
        live(&t, "rid:11010519491231002X"),
        DuplicatePolicy::default(),
    )
    .unwrap();
    assert_eq!(rid.holder.unwrap().staff.id, staff_id);
    // Every swipe is kept: duplicates and unknown cards included.
    assert_eq!(swipes::list(&desk, &SwipeFilter::default()).unwrap().len(), 5);
}

#[test]
fn a_revoked_card_swipes_as_unknown() {
    let (mut desk, _, t) = setup();
    cards::revoke(&mut desk, &admin(), "em:67003B51C6", "丢失").unwrap();
    let s =
        swipes::ingest(&mut desk, &admin(), live(&t, "em:67003B51C6"), DuplicatePolicy::default()).unwrap();
    assert_eq!(s.swipe.status, SwipeStatus::UnknownCard);
}

#[test]
fn swipes_are_immutable() {
    let (mut desk, _, t) = setup();
    swipes::ingest(&mut desk, &admin(), live(&t, "em:67003B51C6"), DuplicatePolicy::default()).unwrap();
    let update = desk.conn().execute("UPDATE swipes SET status = 'duplicate'", []);
    assert!(update.unwrap_err().to_string().contains("immutable"));
    let delete = desk.conn().execute("DELETE FROM swipes", []);
    assert!(delete.unwrap_err().to_string().contains("immutable"));
}

fn stored(t: &str, seq: i64, card: &str, device_time: NaiveDateTime) -> SwipeInput {
    SwipeInput {
        terminal_seq: Some(seq),
        source: SwipeSource::Terminal,
        device_time: Some(device_time),
        ..live(t, card)
    }
}

#[test]
fn terminal_batches_are_idempotent_and_record_offset_and_progress() {
    let (mut desk, _, t) = setup();
    let base = NaiveDateTime::parse_from_str("2026-11-22 08:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
    let batch: Vec<SwipeInput> = (1..=5)
        .map(|i| {
            stored(
                &t,
                i,
                if i == 3 { "em:1111111111" } else { "em:67003B51C6" },
                base + Duration::minutes(i * 5),
            )
        })
        .collect();
    let out = swipes::ingest_batch(
        &mut desk,
        &admin(),
        &t,
        batch.clone(),
        Some(90_000),
        DuplicatePolicy::default(),
    )
    .unwrap();
    assert_eq!((out.recorded, out.already_present, out.unknown_cards, out.last_seq), (5, 0, 1, 5));
    let listed = swipes::list(&desk, &SwipeFilter::default()).unwrap();
    // The device clock ran 90 s fast: swipe times are corrected.
    assert_eq!(listed[0].swiped_at, base + Duration::minutes(5) - Duration::seconds(90));
    assert_eq!(listed[0].device_time, Some(base + Duration::minutes(5)));
    let term = terminals::get(&desk, &t).unwrap();
    assert_eq!((term.last_seq, term.clock_offset_ms), (5, Some(90_000)));
    // The same pull again (the device was not cleared): nothing new, nothing doubled.
    let before = count(&desk, "swipes");
    let again =
        swipes::ingest_batch(&mut desk, &admin(), &t, batch, Some(90_000), DuplicatePolicy::default())
            .unwrap();
    assert_eq!((again.recorded, again.already_present), (0, 5));
    assert_eq!(count(&desk, "swipes"), before);
    // A single re-delivered record is recognised too.
    let one =
        swipes::ingest(&mut desk, &admin(), stored(&t, 2, "em:67003B51C6", base), DuplicatePolicy::default())
            .unwrap();
    assert!(!one.newly_recorded);
}

#[test]
fn a_bad_record_in_a_batch_writes_nothing_and_names_the_record() {
    let (mut desk, _, t) = setup();
    let base = NaiveDateTime::parse_from_str("2026-11-22 08:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
    let mut batch: Vec<SwipeInput> = (1..=4).map(|i| stored(&t, i, "em:67003B51C6", base)).collect();
    batch[2].card_key = "garbage!".into();
    let before = dump(&desk);
    let e =
        swipes::ingest_batch(&mut desk, &admin(), &t, batch, None, DuplicatePolicy::default()).unwrap_err();
    assert_eq!(e.code(), "CARD_KEY_FORMAT");
    assert!(e.message_zh().starts_with("第3条"), "{}", e.message_zh());
    assert_eq!(dump(&desk), before);
}

#[test]
fn viewers_cannot_record_swipes() {
    let (mut desk, _, t) = setup();
    let e = swipes::ingest(
        &mut desk,
        &actor(cmedesk_core::Role::Viewer),
        live(&t, "em:67003B51C6"),
        DuplicatePolicy::default(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "FORBIDDEN");
}
