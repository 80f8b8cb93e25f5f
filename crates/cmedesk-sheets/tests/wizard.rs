//! The import wizard's first look (`wizard::preview`): the template detected from the header
//! row, the header shown even when a required column is missing (so the officer can map it), the
//! officer's mapping and a remembered one both applied, a chosen template that does not fit
//! named as a problem, not an error.

mod support;

use std::collections::HashMap;

use chrono::NaiveDate;
use cmedesk_core::id_number;
use cmedesk_sheets::{Template, mappings, wizard};
use rust_xlsxwriter::Workbook;
use support::{actor, desk};

/// A roster as a hospital sends it: a title row, then 原单位 where the template says 科室, and a
/// bad check digit on the second person.
fn roster_with_unknown_header(dir: &std::path::Path) -> (std::path::PathBuf, String) {
    let good = id_number::compose("110105", NaiveDate::from_ymd_opt(1980, 5, 6).unwrap(), 13);
    let mut bad = id_number::compose("110105", NaiveDate::from_ymd_opt(1982, 7, 8).unwrap(), 24);
    let last = bad.pop().unwrap();
    bad.push(if last == '1' { '2' } else { '1' });
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "2026年新进人员名单").unwrap();
    for (c, h) in ["姓  名", "身份证号码", "原单位", "联系电话"].iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    for (r, (name, id)) in [("甲某", &good), ("乙某", &bad)].iter().enumerate() {
        let r = r as u32 + 2;
        ws.write_string(r, 0, *name).unwrap();
        ws.write_string(r, 1, id.as_str()).unwrap();
        ws.write_string(r, 2, "内科").unwrap();
        ws.write_string(r, 3, "13800000000").unwrap();
    }
    let path = dir.join("新进人员.xlsx");
    wb.save(&path).unwrap();
    (path, good)
}

fn today() -> NaiveDate {
    actor().today()
}

#[test]
fn detects_the_roster_and_shows_a_header_missing_a_required_column() {
    let dir = tempfile::tempdir().unwrap();
    let (path, good) = roster_with_unknown_header(dir.path());
    let d = desk();
    let p = wizard::preview(&d, &path, None, &HashMap::new(), today()).unwrap();
    assert_eq!(p.template.as_deref(), Some("staff-roster"));
    assert!(p.detected && p.importable);
    assert_eq!((p.head_first_row, p.header_row), (1, Some(2)));
    assert_eq!(p.head[0][0], "2026年新进人员名单");
    assert_eq!(p.head[2][1], good, "preview rows as the sheet has them");
    assert_eq!(p.unmapped, vec!["原单位".to_string()]);
    assert_eq!(
        p.mapping.iter().map(|m| m.field.as_str()).collect::<Vec<_>>(),
        ["name", "id_number", "phone"]
    );
    let problem = p.problem.expect("科室 is required");
    assert_eq!(problem.code, "MISSING_COLUMNS");
    assert!(problem.message.contains("科室"), "{}", problem.message);
    assert!(p.parsed.is_none());
    assert!(p.fields.iter().any(|f| f.field == "department" && f.required));
}

#[test]
fn the_officers_mapping_and_a_remembered_one_both_read_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = roster_with_unknown_header(dir.path());
    let mut d = desk();
    let map: HashMap<String, String> = [("原单位".to_string(), "department".to_string())].into();
    let p = wizard::preview(&d, &path, None, &map, today()).unwrap();
    assert!(p.problem.is_none(), "{:?}", p.problem);
    let dept = p.mapping.iter().find(|m| m.field == "department").unwrap();
    assert_eq!((dept.header.as_str(), dept.letter.as_str()), ("原单位", "C"));
    let parsed = p.parsed.unwrap();
    assert_eq!(parsed.data_rows, 2);
    // The second person's bad check digit, named by Excel row and column.
    assert_eq!(parsed.rejected.len(), 1);
    assert_eq!((parsed.rejected[0].row, parsed.rejected[0].letter.as_str()), (4, "B"));

    let t = Template::get("staff-roster").unwrap();
    mappings::remember(&mut d, &actor(), &t, "原 单位", "department").unwrap();
    let p = wizard::preview(&d, &path, None, &HashMap::new(), today()).unwrap();
    assert!(p.problem.is_none(), "the remembered mapping applies: {:?}", p.problem);
}

#[test]
fn a_chosen_template_that_does_not_fit_is_a_problem_and_unknown_fields_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = roster_with_unknown_header(dir.path());
    let d = desk();
    let p = wizard::preview(&d, &path, Some("approved-projects"), &HashMap::new(), today()).unwrap();
    assert_eq!(p.template.as_deref(), Some("approved-projects"));
    assert!(!p.detected);
    assert_eq!(p.problem.map(|x| x.code).as_deref(), Some("HEADER_NOT_FOUND"));
    let map: HashMap<String, String> = [("原单位".to_string(), "no_such_field".to_string())].into();
    let e = wizard::preview(&d, &path, None, &map, today()).unwrap_err();
    assert_eq!(e.code(), "UNKNOWN_TEMPLATE_FIELD");
}
