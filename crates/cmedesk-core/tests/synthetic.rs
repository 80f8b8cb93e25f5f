//! The synthetic hospital is deterministic, large enough, entirely valid, and loads through the
//! ordinary audited API.

mod common;

use std::collections::HashSet;

use cmedesk_core::{Desk, audit_log, id_number, projects, staff, synthetic};
use common::*;

#[test]
fn generator_is_deterministic_and_valid() {
    let today = now().date_naive();
    let a = synthetic::generate(42, 2000, today);
    let b = synthetic::generate(42, 2000, today);
    let ids =
        |h: &synthetic::Hospital| h.staff.iter().map(|s| s.person.id_number.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&a), ids(&b));
    assert_ne!(ids(&a), ids(&synthetic::generate(7, 2000, today)));
    assert!(a.departments.len() >= 30);
    assert!(a.approved.len() >= 40);
    assert_eq!(a.hosted.len(), 10);
    let unique: HashSet<_> = ids(&a).into_iter().collect();
    assert_eq!(unique.len(), 2000);
    for s in &a.staff {
        let v = id_number::validate(&s.person.id_number, today).unwrap();
        assert_eq!(Some(v.gender), s.person.gender, "sequence digit matches the gender");
    }
}

#[test]
fn demo_loads_through_the_audited_api() {
    let mut desk = Desk::open_in_memory().unwrap();
    let hospital = synthetic::generate(42, 2000, now().date_naive());
    let report = synthetic::load(&mut desk, &admin(), &hospital).unwrap();
    assert_eq!(report.staff, 2000);
    assert_eq!(staff::count(&desk).unwrap(), 2000);
    assert!(report.cards > 1800);
    let projects = projects::list(&desk, &Default::default()).unwrap();
    assert_eq!(projects.len(), 10);
    assert!(projects.iter().any(|p| p.state == projects::ProjectState::Held));
    assert!(projects.iter().any(|p| p.state == projects::ProjectState::Draft));
    assert!(audit_log::verify(&desk).unwrap().intact);
}
