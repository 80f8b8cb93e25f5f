//! Remembered spreadsheet header mappings (表头对照, issue 6): stored per template and header,
//! re-pointed in place, forgotten; each change audited with an outbox row (invariant 3), and a
//! role without the permission, or an empty header, changes nothing.

mod common;

use cmedesk_core::{Desk, Role, audit_log, header_mappings};
use common::*;

#[test]
fn mappings_are_remembered_repointed_forgotten_and_audited() {
    let mut desk = Desk::open_in_memory().unwrap();
    let officer = actor(Role::Officer);
    let m = header_mappings::remember(&mut desk, &officer, "staff-roster", "原单位", "department").unwrap();
    assert_eq!(
        (m.template.as_str(), m.header.as_str(), m.field.as_str()),
        ("staff-roster", "原单位", "department")
    );
    assert_eq!(m.updated_by, "officer");
    // The same header in another template is another mapping.
    header_mappings::remember(&mut desk, &officer, "credit-list", "原单位", "activity").unwrap();
    let (audit0, outbox0) = (count(&desk, "audit_log"), count(&desk, "outbox"));
    assert_eq!((audit0, outbox0), (2, 2));

    // Mapping it again to the same field writes nothing; to another field re-points it in place.
    let before = dump(&desk);
    header_mappings::remember(&mut desk, &officer, "staff-roster", "原单位", "department").unwrap();
    assert_eq!(dump(&desk), before);
    let again = header_mappings::remember(&mut desk, &officer, "staff-roster", "原单位", "title").unwrap();
    assert_eq!((again.id.as_str(), again.field.as_str()), (m.id.as_str(), "title"));
    let list = header_mappings::list(&desk, Some("staff-roster")).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].field, "title");
    assert_eq!(header_mappings::list(&desk, None).unwrap().len(), 2);

    header_mappings::forget(&mut desk, &officer, "staff-roster", "原单位").unwrap();
    assert!(header_mappings::list(&desk, Some("staff-roster")).unwrap().is_empty());
    let actions: Vec<String> = audit_log::list(&desk, &Default::default())
        .unwrap()
        .into_iter()
        .filter(|e| e.entity == "header_mapping")
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        ["header_mapping.remove", "header_mapping.change", "header_mapping.add", "header_mapping.add"]
    );
    assert_eq!(count(&desk, "audit_log"), count(&desk, "outbox"));
    assert!(audit_log::verify(&desk).unwrap().intact);
}

#[test]
fn refused_mapping_changes_write_nothing() {
    let mut desk = Desk::open_in_memory().unwrap();
    header_mappings::remember(&mut desk, &admin(), "staff-roster", "原单位", "department").unwrap();
    let before = dump(&desk);
    for role in [Role::Viewer, Role::DepartmentSecretary] {
        let e = header_mappings::remember(&mut desk, &actor(role), "staff-roster", "证件", "id_number")
            .unwrap_err();
        assert_eq!(e.code(), "FORBIDDEN");
        let e = header_mappings::forget(&mut desk, &actor(role), "staff-roster", "原单位").unwrap_err();
        assert_eq!(e.code(), "FORBIDDEN");
    }
    let e = header_mappings::remember(&mut desk, &admin(), "staff-roster", "  ", "name").unwrap_err();
    assert_eq!(e.field(), Some("header"));
    let e = header_mappings::forget(&mut desk, &admin(), "staff-roster", "没有").unwrap_err();
    assert_eq!(e.code(), "NOT_FOUND");
    assert_eq!(dump(&desk), before);
}
