//! Credits arriving by pull are written to the desk's `credits` / `manual_credits` rows
//! (design.md §4, issue 8): a granted and a manual credit made on desk A appear on desk B equal
//! to A's, with a remote audit row and no outbox echo; a revocation follows; B's own unpushed
//! revocation is never overwritten by a pull, and once both are pushed the desks converge to the
//! later clock with the loser in the conflict log.

mod common;

use chrono::{Duration, NaiveDate};
use cmedesk_core::{
    Actor, Desk, audit_log,
    credits::{
        Centi, CreditRecord, CreditSource, ReviewStatus, Subject, deterministic_id,
        store::{self, CreditFilter},
    },
    manual_credits::{ManualCreditForm, SaveMode},
    rules::RuleBook,
    sync::{
        MemoryHub, PullRequest, conflicts,
        pull_apply::{apply_pull_page, canonical_hash},
    },
    synthetic,
};
use common::*;

fn at(minutes: i64) -> Actor {
    let mut a = admin();
    a.now += Duration::minutes(minutes);
    a
}

fn push(desk: &Desk, hub: &mut MemoryHub) {
    sync::push_all(desk, hub, &at(0).now.to_rfc3339());
}

fn pull(desk: &Desk, hub: &MemoryHub, minutes: i64) -> cmedesk_core::sync::pull_apply::PageApplied {
    sync::pull_to_head(desk, hub, &at(minutes).now.to_rfc3339())
}

fn credits(desk: &Desk) -> Vec<store::StoredCredit> {
    store::list(desk, &CreditFilter { include_revoked: true, ..Default::default() }).unwrap()
}

fn outbox_len(desk: &Desk) -> i64 {
    cmedesk_core::outbox::last_site_seq(desk).unwrap()
}

fn imported(staff_id: &str) -> CreditRecord {
    CreditRecord {
        id: deterministic_id(&["test-import", staff_id]),
        staff_id: staff_id.into(),
        cme_year: 2026,
        rule_set: "national-2024".into(),
        activity_date: NaiveDate::from_ymd_opt(2026, 5, 20).unwrap(),
        source: CreditSource::Import,
        project_id: None,
        project_code: Some("2026-01-01-001(国)".into()),
        activity_name: "心血管疾病新进展".into(),
        category: "project-national".into(),
        credit_level: Some("national".into()),
        class: None,
        credits: Centi::units(4),
        hours: Centi::units(12),
        subject: Subject::Professional,
        issuer: "示例医院".into(),
        review_status: ReviewStatus::Approved,
        rate: None,
        cap: None,
        platform: None,
    }
}

fn paper(staff_id: &str) -> ManualCreditForm {
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
        activity_date: NaiveDate::from_ymd_opt(2026, 5, 20).unwrap(),
        note: Some("第一作者".into()),
        issuer: "中华医学杂志".into(),
        evidence: vec![],
    }
}

/// Two file desks sharing one synthetic hospital through the hub.
fn two_desks(dir: &std::path::Path, hub: &mut MemoryHub) -> (Desk, Desk, String) {
    let mut a = Desk::create(&dir.join("a.db")).unwrap();
    let b = Desk::create(&dir.join("b.db")).unwrap();
    let hospital = synthetic::generate(7, 20, now().date_naive());
    synthetic::load(&mut a, &at(0), &hospital).unwrap();
    push(&a, hub);
    pull(&b, hub, 1);
    let staff_id: String =
        a.conn().query_row("SELECT id FROM staff ORDER BY id LIMIT 1", [], |r| r.get(0)).unwrap();
    (a, b, staff_id)
}

#[test]
fn granted_and_manual_credits_pulled_land_as_rows_with_remote_audit_and_no_echo() {
    let dir = tempfile::tempdir().unwrap();
    let mut hub = MemoryHub::new();
    let (mut a, b, staff_id) = two_desks(dir.path(), &mut hub);
    let book = RuleBook::embedded().unwrap();
    store::record_credits(&mut a, &at(2), &book, &[imported(&staff_id)]).unwrap();
    let manual = store::add_manual(&mut a, &at(3), &book, paper(&staff_id), &[], SaveMode::Save).unwrap();
    assert!(credits(&b).is_empty());
    push(&a, &mut hub);
    let b_outbox = outbox_len(&b);
    let page = pull(&b, &hub, 4);
    assert_eq!(page.conflicts, 0);
    assert_eq!(credits(&b), credits(&a), "both credits on desk B as on desk A");
    assert_eq!(credits(&b).len(), 2);
    assert_eq!(
        store::manual_detail(&b, &manual.credit.id).unwrap(),
        store::manual_detail(&a, &manual.credit.id).unwrap()
    );
    assert_eq!(outbox_len(&b), b_outbox, "a pulled credit is not pushed back");
    let remote = audit_log::list(
        &b,
        &audit_log::Filter {
            operator: Some("sync".into()),
            entity: Some("credit".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(remote.len(), 2, "one remote audit row per credit");
    assert!(audit_log::verify(&b).unwrap().intact);

    // A revocation on A reaches B's row.
    let id = imported(&staff_id).id;
    store::revoke(&mut a, &at(5), &book, &id, "重复录入").unwrap();
    push(&a, &mut hub);
    pull(&b, &hub, 6);
    let on_b = store::get(&b, &id).unwrap();
    assert_eq!(on_b.revoked_reason.as_deref(), Some("重复录入"));
    assert_eq!(credits(&b), credits(&a));
    // Desk A pulling its own ops back writes nothing.
    let a_rows = audit_log::verify(&a).unwrap().rows;
    pull(&a, &hub, 7);
    assert_eq!(audit_log::verify(&a).unwrap().rows, a_rows);
    assert_eq!(canonical_hash(&a).unwrap(), hub.state().canonical_hash());
    assert_eq!(canonical_hash(&b).unwrap(), hub.state().canonical_hash());
}

#[test]
fn an_unpushed_local_revocation_survives_a_pull_then_the_later_clock_wins_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let mut hub = MemoryHub::new();
    let (mut a, mut b, staff_id) = two_desks(dir.path(), &mut hub);
    let book = RuleBook::embedded().unwrap();
    let id = imported(&staff_id).id;
    store::record_credits(&mut a, &at(2), &book, &[imported(&staff_id)]).unwrap();
    push(&a, &mut hub);
    pull(&b, &hub, 3);
    // Both revoke offline with different reasons; B's is later.
    store::revoke(&mut a, &at(10), &book, &id, "A：重复录入").unwrap();
    store::revoke(&mut b, &at(20), &book, &id, "B：证明材料不符").unwrap();
    push(&a, &mut hub);
    let page = pull(&b, &hub, 21);
    assert!(page.kept_local >= 1, "B's unsettled fields are kept: {page:?}");
    assert_eq!(store::get(&b, &id).unwrap().revoked_reason.as_deref(), Some("B：证明材料不符"));
    // B pushes; both pull: the later clock (B's) wins on both desks, the loser is logged.
    push(&b, &mut hub);
    pull(&b, &hub, 22);
    pull(&a, &hub, 22);
    assert_eq!(store::get(&a, &id).unwrap().revoked_reason.as_deref(), Some("B：证明材料不符"));
    assert_eq!(credits(&a), credits(&b));
    let logged = conflicts::list(&a, false).unwrap();
    assert!(
        logged.iter().any(|c| c.entity == "credit" && c.field == "revoked_reason"),
        "A's reason is in A's conflict log: {logged:?}"
    );
    assert_eq!(canonical_hash(&a).unwrap(), hub.state().canonical_hash());
    assert_eq!(canonical_hash(&b).unwrap(), hub.state().canonical_hash());
}

#[test]
fn a_credit_for_a_person_this_desk_lacks_is_a_conflict_not_a_silent_skip() {
    let dir = tempfile::tempdir().unwrap();
    let mut hub = MemoryHub::new();
    let (mut a, _b, staff_id) = two_desks(dir.path(), &mut hub);
    let c = Desk::create(&dir.path().join("c.db")).unwrap();
    let book = RuleBook::embedded().unwrap();
    store::record_credits(&mut a, &at(2), &book, &[imported(&staff_id)]).unwrap();
    push(&a, &mut hub);
    // Desk C takes only the credit op (its page starts after the hospital's ops) — as a desk
    // whose staff rows were refused would: the credit cannot reference a missing person.
    let head = hub.log().len() as i64;
    let mut reply = hub.pull(&PullRequest { site_id: c.site_id().into(), after: 0, limit: 100_000 });
    reply.entries.retain(|e| e.server_seq == head);
    reply.entries[0].server_seq = 1;
    let page = apply_pull_page(&c, &reply, &at(3).now.to_rfc3339()).unwrap();
    assert_eq!(page.conflicts, 1);
    assert!(credits(&c).is_empty());
    let logged = conflicts::list(&c, false).unwrap();
    assert!(logged[0].note.as_deref().unwrap_or("").contains("拒绝"), "{logged:?}");
}
