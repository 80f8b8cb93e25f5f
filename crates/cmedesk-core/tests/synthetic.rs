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

/// The demo's swipes give every held project valid people and each kind of invalid one (the
/// 考勤分析 page and the desktop e2e rely on it); loading them twice records nothing new.
#[test]
fn demo_swipes_give_held_projects_an_analysis() {
    use cmedesk_core::credits::project_grant;
    use cmedesk_core::rules::RuleBook;
    let mut desk = Desk::open_in_memory().unwrap();
    let hospital = synthetic::generate(42, 300, now().date_naive());
    synthetic::load(&mut desk, &admin(), &hospital).unwrap();
    let recorded = synthetic::demo_swipes(&mut desk, &admin(), 42).unwrap();
    assert!(recorded > 0);
    assert_eq!(synthetic::demo_swipes(&mut desk, &admin(), 42).unwrap(), 0, "same terminal sequence");
    let book = RuleBook::embedded().unwrap();
    let filter = projects::ProjectFilter { state: Some(projects::ProjectState::Held), ..Default::default() };
    let held = projects::list(&desk, &filter).unwrap();
    assert!(!held.is_empty());
    for p in held {
        let a = project_grant::analyze_project(&desk, &book, &p.id).unwrap().analysis;
        assert!(a.valid_count >= 20, "{}: {} valid", p.code, a.valid_count);
        assert!(a.swipes_unknown_card >= 1 && a.swipes_outside_period >= 1, "{}", p.code);
        assert!(a.people.iter().any(|x| !x.valid));
    }
    assert!(audit_log::verify(&desk).unwrap().intact);
}
