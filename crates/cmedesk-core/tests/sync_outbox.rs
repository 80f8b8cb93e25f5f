//! The real desk outbox as sync ops: a new staff row is every field, an edit only the fields it
//! changed (from the audit log's `before`), ops are numbered like the outbox, hash the same when
//! read twice, pass the server's validation, and a desk's ops merge on the reference hub.

mod common;

use cmedesk_core::{
    Desk, departments,
    staff::{self, NewStaff, StaffEdit},
    sync::{MemoryHub, OpBody, PushReply, PushRequest, outbox_ops::outbox_ops},
};
use common::*;
use serde_json::json;

#[test]
fn outbox_rows_become_ops_with_only_the_changed_fields() {
    let mut desk = Desk::open_in_memory().unwrap();
    let a = admin();
    let dept = departments::add(
        &mut desk,
        &a,
        departments::NewDepartment { name: "心内科".into(), ..Default::default() },
    )
    .unwrap();
    let s = staff::add(
        &mut desk,
        &a,
        NewStaff {
            name: "王芳".into(),
            id_number: "11010519491231002X".into(),
            department_id: dept.id.clone(),
            ..Default::default()
        },
    )
    .unwrap();
    staff::update(
        &mut desk,
        &a,
        &s.id,
        StaffEdit {
            name: "王芳".into(),
            id_number: s.id_number.clone(),
            phone: Some("13800000000".into()),
            ..Default::default()
        },
    )
    .unwrap();

    let ops = outbox_ops(&desk, 0, 1_000).unwrap();
    let last = cmedesk_core::outbox::last_site_seq(&desk).unwrap();
    assert_eq!(ops.len() as i64, last);
    for (i, op) in ops.iter().enumerate() {
        assert_eq!(op.site_seq, i as i64 + 1);
        assert_eq!(op.site_id, desk.site_id());
        op.validate().unwrap();
    }
    let edits: Vec<_> = ops.iter().filter(|o| o.entity == "staff").collect();
    assert_eq!(edits.len(), 2);
    let OpBody::Fields { fields: added, .. } = &edits[0].body else { panic!("staff is a mergeable row") };
    assert_eq!(added["name"].value, json!("王芳"));
    let OpBody::Fields { fields: edited, .. } = &edits[1].body else { panic!("staff is a mergeable row") };
    assert!(edited.contains_key("phone"), "{edited:?}");
    assert!(!edited.contains_key("name"), "unchanged fields are not sent: {edited:?}");

    // Reading again yields the same ops (a re-push hashes the same), and paging works.
    let again = outbox_ops(&desk, 0, 1_000).unwrap();
    assert_eq!(
        ops.iter().map(|o| o.hash()).collect::<Vec<_>>(),
        again.iter().map(|o| o.hash()).collect::<Vec<_>>()
    );
    assert_eq!(outbox_ops(&desk, 1, 1).unwrap()[0].site_seq, 2);

    let mut hub = MemoryHub::new();
    let reply = hub.push(&PushRequest { site_id: desk.site_id().to_string(), ops: ops.clone() });
    let PushReply::Accepted { acked_through, .. } = reply else { panic!("{reply:?}") };
    assert_eq!(acked_through, last);
    assert_eq!(hub.state().field("staff", &s.id, "phone").unwrap().value, json!("13800000000"));
}

#[test]
fn marks_are_kept_with_the_desk_and_pushed_at_follows_acked_through() {
    use cmedesk_core::sync::{
        SyncMarks,
        outbox_ops::{load_marks, store_marks},
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.db");
    let mut desk = Desk::create(&path).unwrap();
    for name in ["甲科", "乙科", "丙科", "丁科"] {
        departments::add(
            &mut desk,
            &admin(),
            departments::NewDepartment { name: name.into(), ..Default::default() },
        )
        .unwrap();
    }
    let last = cmedesk_core::outbox::last_site_seq(&desk).unwrap();
    assert_eq!(load_marks(&desk).unwrap(), SyncMarks::default());
    let marks = SyncMarks { acked_through: 3, epoch: Some(7), cursor: 0, quarantined_at: None };
    let rejected = [("op-x".to_string(), "no field changed".to_string())].into();
    store_marks(&desk, &marks, &rejected, "2026-11-22T10:00:00+08:00").unwrap();
    assert_eq!(cmedesk_core::outbox::pending_count(&desk).unwrap(), last - 3);
    drop(desk);
    let desk = Desk::open(&path).unwrap();
    assert_eq!(load_marks(&desk).unwrap(), marks);
    // A restored server acknowledges less: the rows above it are pending again.
    let rewound = SyncMarks { acked_through: 1, epoch: Some(8), ..marks };
    store_marks(&desk, &rewound, &Default::default(), "2026-11-22T10:01:00+08:00").unwrap();
    assert_eq!(cmedesk_core::outbox::pending_count(&desk).unwrap(), last - 1);
}

/// An outbox row names the change (`{"action": ...}`); its state is read from the audit-log row
/// with the same number. Rows written by older builds, which copied `after` into the payload,
/// read as the same ops; a damaged payload is refused.
#[test]
fn outbox_payload_names_the_action_and_ops_take_the_state_from_the_audit_log() {
    let mut desk = Desk::open_in_memory().unwrap();
    let a = admin();
    let dept = departments::add(
        &mut desk,
        &a,
        departments::NewDepartment { name: "急诊科".into(), ..Default::default() },
    )
    .unwrap();
    staff::add(
        &mut desk,
        &a,
        NewStaff {
            name: "李娜".into(),
            id_number: "440524188001010014".into(),
            department_id: dept.id.clone(),
            card_key: Some("ic:20260001".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let rows: Vec<(String, String)> = desk
        .conn()
        .prepare("SELECT o.payload, a.action FROM outbox o JOIN audit_log a ON a.seq = o.site_seq ORDER BY o.site_seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    // The card issued with the person is part of the person's entry.
    assert_eq!(rows.len(), 2, "department, staff with card");
    for (payload, action) in &rows {
        assert_eq!(payload, &json!({ "action": action }).to_string());
    }
    let ops = outbox_ops(&desk, 0, 100).unwrap();
    let OpBody::Fields { fields, .. } = &ops[1].body else { panic!("staff is a mergeable row") };
    assert_eq!(
        (fields["name"].value.clone(), fields["card_key"].value.clone()),
        (json!("李娜"), json!("ic:20260001"))
    );

    desk.conn()
        .execute_batch(
            "UPDATE outbox SET payload = json_object('action', json_extract(payload, '$.action'),
                 'after', json((SELECT after FROM audit_log WHERE seq = site_seq)))",
        )
        .unwrap();
    let legacy = outbox_ops(&desk, 0, 100).unwrap();
    assert_eq!(
        ops.iter().map(|o| o.hash()).collect::<Vec<_>>(),
        legacy.iter().map(|o| o.hash()).collect::<Vec<_>>()
    );

    desk.conn().execute("UPDATE outbox SET payload = 'not json' WHERE site_seq = 2", []).unwrap();
    assert_eq!(outbox_ops(&desk, 0, 100).unwrap_err().code(), "CORRUPT");
}
