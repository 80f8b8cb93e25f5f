//! Importing files written by other software (openpyxl, LibreOffice .xls and .xlsx): titles,
//! notes and blank rows skipped, spaced headers matched, values cleaned, every bad row named by
//! its Excel row and column, all-or-nothing commit, and the error report.

mod support;

use calamine::{Data, Reader, open_workbook_auto};
use cmedesk_core::{approved_projects, audit_log, staff};
use cmedesk_sheets::{ImportOptions, ImportReport, Template, import};
use support::{actor, desk, foreign};

fn reasons_at(report: &ImportReport, row: u32) -> Vec<String> {
    report.rejected.iter().filter(|r| r.row == row).map(|r| format!("{}|{}", r.letter, r.reason)).collect()
}

fn dry_run_roster(file: &str) -> ImportReport {
    let mut d = desk();
    let t = Template::get("staff-roster").unwrap();
    let opts = ImportOptions { dry_run: true, ..Default::default() };
    import(&mut d, &actor(), &t, &foreign().path(file), &opts, &mut |_, _| {}).unwrap()
}

/// The same messy roster, as openpyxl wrote it, as LibreOffice saved it as .xls, and as
/// LibreOffice saved that back to .xlsx: the same rows rejected for the same reasons.
#[test]
fn messy_roster_rejections_are_named_by_excel_row_and_column_in_every_format() {
    let f = foreign();
    let (id_x, id_bad) = (&f.ids[0], &f.ids[7]);
    let mut seen = Vec::new();
    for file in ["roster_messy.xlsx", "xls/roster_messy.xls", "lo/roster_messy.xlsx"] {
        let r = dry_run_roster(file);
        assert_eq!(r.header_row, 4, "{file}: header under the merged title and notes");
        assert_eq!(r.mapping.len(), 10, "{file}: every template column found");
        assert_eq!(r.unmapped, vec!["备注栏".to_string()], "{file}");
        let id_col = r.mapping.iter().find(|m| m.field == "id_number").unwrap();
        assert_eq!((id_col.header.as_str(), id_col.letter.as_str()), ("身份证 号码", "C"));
        assert_eq!(r.imported, 0, "{file}: dry run writes nothing");
        assert_eq!(r.data_rows, 10, "{file}: rows 5,6,8..15");
        assert!(r.skipped_blank >= 2, "{file}: rows 7 and 16");
        assert_eq!(r.skipped_notes, 1, "{file}: the 制表人 row");

        let bad = reasons_at(&r, 10);
        assert_eq!(bad.len(), 1, "{file}: {bad:?}");
        assert!(bad[0].starts_with("C|身份证号校验位错误"), "{file}: {bad:?} ({id_bad})");
        assert_eq!(
            reasons_at(&r, 11),
            vec![format!("C|身份证号「{id_x}」与第5行重复")],
            "{file}: duplicate after the first, lowercase x folded"
        );
        let card = reasons_at(&r, 12);
        assert!(card.len() == 1 && card[0].starts_with("D|卡号以数字格式保存"), "{file}: {card:?}");
        assert_eq!(reasons_at(&r, 13), vec!["E|未找到科室：不存在科".to_string()], "{file}");
        let gender = reasons_at(&r, 14);
        assert!(gender.len() == 1 && gender[0].starts_with("B|「未知」不是可选值"), "{file}: {gender:?}");
        assert_eq!(reasons_at(&r, 15), vec!["A|姓名不能为空".to_string()], "{file}");
        for good in [5, 6, 8, 9] {
            assert!(reasons_at(&r, good).is_empty(), "{file}: row {good} is fine: {:?}", r.rejected);
        }
        assert_eq!(r.rejected_rows(), 6, "{file}");
        // Accepted with a remark: the 15-digit upgrade and the numeric card number.
        let w: Vec<(u32, &str)> = r.warnings.iter().map(|w| (w.row, w.message.as_str())).collect();
        assert!(w.iter().any(|(row, m)| *row == 8 && m.contains("11010519491231002X")), "{file}: {w:?}");
        assert!(w.iter().any(|(row, m)| *row == 9 && m.contains("前导零")), "{file}: {w:?}");
        seen.push(r.rejected.clone());
    }
    assert_eq!(seen[0], seen[1], ".xlsx and LibreOffice .xls agree");
    assert_eq!(seen[0], seen[2], ".xlsx and LibreOffice .xlsx agree");
}

#[test]
fn a_rejected_file_commits_nothing_and_writes_an_error_report() {
    let mut d = desk();
    let t = Template::get("staff-roster").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let report_path = dir.path().join("errors.xlsx");
    let audit_before = audit_log::list(&d, &Default::default()).unwrap().len();
    let opts = ImportOptions { report: Some(report_path.clone()), ..Default::default() };
    let r =
        import(&mut d, &actor(), &t, &foreign().path("roster_messy.xlsx"), &opts, &mut |_, _| {}).unwrap();
    assert_eq!(r.imported, 0);
    assert_eq!(staff::count(&d).unwrap(), 0, "all or nothing: the good rows were not written");
    assert_eq!(audit_log::list(&d, &Default::default()).unwrap().len(), audit_before);

    // The report is a copy of the sheet at the same row numbers, plus 错误原因 after column K.
    let mut wb = open_workbook_auto(&report_path).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    let at = |row: u32, col: u32| range.get_value((row - 1, col)).cloned().unwrap_or(Data::Empty);
    assert_eq!(at(4, 11), Data::String("错误原因".into()));
    assert_eq!(at(1, 0), Data::String("示例市第一人民医院卫生技术人员花名册".into()));
    assert_eq!(at(13, 4), Data::String("不存在科".into()));
    match at(13, 11) {
        Data::String(s) => assert!(s.contains("所在科室（E列）：未找到科室：不存在科"), "{s}"),
        other => panic!("row 13 reason: {other:?}"),
    }
    match at(10, 11) {
        Data::String(s) => assert!(s.contains("校验位"), "{s}"),
        other => panic!("row 10 reason: {other:?}"),
    }
    assert_eq!(at(5, 11), Data::Empty, "good rows carry no reason");
}

#[test]
fn a_clean_roster_commits_every_row_with_cleaned_values() {
    let f = foreign();
    let mut d = desk();
    let t = Template::get("staff-roster").unwrap();
    let r =
        import(&mut d, &actor(), &t, &f.path("roster_clean.xlsx"), &ImportOptions::default(), &mut |_, _| {})
            .unwrap();
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert_eq!(r.imported, 4);
    assert_eq!(staff::count(&d).unwrap(), 4);
    let x = staff::resolve(&d, &f.ids[0]).unwrap();
    assert_eq!(x.staff.name, "赵 一鸣");
    assert_eq!(x.staff.id_number, f.ids[0], "lowercase x upper-cased");
    assert_eq!(x.department_name, "心血管内科");
    assert_eq!(x.card_key.as_deref(), Some("ic:3201000101"));
    let fw = staff::resolve(&d, &f.ids[1]).unwrap();
    assert_eq!(fw.staff.phone.as_deref(), Some("13800000002"), "full-width digits folded");
    assert_eq!(fw.staff.status, staff::StaffStatus::Active, "在职");
    let old = staff::resolve(&d, "11010519491231002X").unwrap();
    assert_eq!(old.staff.title_level, Some(staff::TitleLevel::Senior));
    // Importing the same file again: every row is already on the desk, nothing changes.
    let again =
        import(&mut d, &actor(), &t, &f.path("roster_clean.xlsx"), &ImportOptions::default(), &mut |_, _| {})
            .unwrap();
    assert_eq!(again.imported, 0);
    assert_eq!(again.rejected_rows(), 4);
    assert!(again.rejected[0].reason.contains("已在人员库中"));
    assert_eq!(staff::count(&d).unwrap(), 4);
}

#[test]
fn approved_list_with_title_notes_and_every_range_form_imports() {
    for file in ["approved_list.xlsx", "xls/approved_list.xls"] {
        let mut d = desk();
        let t = Template::get("approved-projects").unwrap();
        let r =
            import(&mut d, &actor(), &t, &foreign().path(file), &ImportOptions::default(), &mut |_, _| {})
                .unwrap();
        assert!(r.rejected.is_empty(), "{file}: {:?}", r.rejected);
        assert_eq!((r.header_row, r.imported, r.skipped_notes), (2, 4, 1), "{file}");
        let get = |code: &str| approved_projects::resolve(&d, code).unwrap().approved;
        let a = get("2026-04-01-001(国)");
        assert_eq!((a.year, a.credits, a.total_hours, a.planned_enrolment), (2026, 10.0, 30.0, Some(200)));
        assert_eq!(a.planned_start.unwrap().to_string(), "2026-08-03");
        assert_eq!(a.planned_end.unwrap().to_string(), "2026-08-05");
        assert_eq!(a.source, "import");
        let b = get("2026-18-02-002(国)");
        assert_eq!(
            (b.planned_start.unwrap().to_string(), b.planned_end.unwrap().to_string()),
            ("2026-09-01".into(), "2026-09-03".into()),
            "{file}: slash dates joined by a hyphen"
        );
        assert_eq!(b.planned_enrolment, Some(150), "{file}: full-width digits");
        let c = get("2026-06-03-003(国)");
        assert_eq!(c.planned_end.unwrap().to_string(), "2026-10-10", "{file}: end without a year");
        let e = get("2026-09-04-004(国)");
        assert_eq!((e.planned_start, e.planned_end), (e.planned_start, e.planned_start));
        assert_eq!(e.planned_start.unwrap().to_string(), "2026-11-02", "{file}: a date cell");
        assert_eq!((e.credits, e.total_hours), (2.5, 7.5), "{file}: 7.5 is hours, not a date");
        // Every entry audited like a single add.
        let audited = audit_log::list(&d, &Default::default())
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "approved_project.add")
            .count();
        assert_eq!(audited, 4, "{file}");
    }
}

#[test]
fn approved_list_problems_are_rejected_before_anything_is_written() {
    let mut d = desk();
    let t = Template::get("approved-projects").unwrap();
    let r = import(
        &mut d,
        &actor(),
        &t,
        &foreign().path("approved_bad.xlsx"),
        &ImportOptions::default(),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(r.imported, 0);
    assert!(approved_projects::list(&d, &Default::default()).unwrap().is_empty());
    assert!(reasons_at(&r, 2).is_empty());
    assert!(reasons_at(&r, 3)[0].starts_with("B|项目编号「ABC-1」格式不正确"), "{:?}", reasons_at(&r, 3));
    assert!(reasons_at(&r, 4)[0].starts_with("F|日期范围"), "{:?}", reasons_at(&r, 4));
    assert_eq!(reasons_at(&r, 5), vec!["B|项目编号「2026-04-01-011(国)」与第2行重复".to_string()]);
    assert_eq!(reasons_at(&r, 6), vec!["H|「十」不是数字".to_string()]);
}

/// A definition-only template can be checked (dry run) though the core has nowhere to put it.
#[test]
fn credit_list_dates_trust_only_date_cells() {
    for file in ["credit_list.xlsx", "xls/credit_list.xls"] {
        let mut d = desk();
        let t = Template::get("credit-list").unwrap();
        let opts = ImportOptions { dry_run: true, ..Default::default() };
        let r = import(&mut d, &actor(), &t, &foreign().path(file), &opts, &mut |_, _| {}).unwrap();
        assert_eq!(r.data_rows, 7, "{file}");
        assert_eq!(r.ready, 6, "{file}: {:?}", r.rejected);
        let serial = reasons_at(&r, 6);
        assert!(
            serial.len() == 1 && serial[0].starts_with("C|单元格是数字而不是日期格式"),
            "{file}: {serial:?}"
        );
        let sheet = cmedesk_sheets::read::open(&foreign().path(file)).unwrap();
        let parsed =
            cmedesk_sheets::read::parse(&t, &sheet, actor().today(), &Default::default(), &mut |_, _| {})
                .unwrap();
        let (date, hours) = (t.column("date").unwrap().0, t.column("hours").unwrap().0);
        let got: Vec<(u32, String)> =
            parsed.records.iter().map(|rec| (rec.row, format!("{:?}", rec.values[date]))).collect();
        let want: Vec<(u32, String)> = [(2, 3), (3, 4), (4, 5), (5, 6), (7, 7), (8, 8)]
            .into_iter()
            .map(|(row, day)| (row, format!("Date(2015-08-{day:02})")))
            .collect();
        assert_eq!(got, want, "{file}: date cell, 年月日, full-width, 20150806, dots, slashes");
        assert_eq!(parsed.records[0].values[hours], cmedesk_sheets::Value::Decimal(2.5));
        let err = cmedesk_sheets::import(
            &mut d,
            &actor(),
            &t,
            &foreign().path(file),
            &ImportOptions::default(),
            &mut |_, _| {},
        )
        .unwrap_err();
        assert_eq!(err.code(), "TEMPLATE_NOT_IMPORTABLE");
    }
}

/// The wizard detects each file's template from its header row alone, titles and notes around it.
#[test]
fn the_wizard_detects_the_template_of_files_from_other_software() {
    let all = Template::all().unwrap();
    for (file, want) in [
        ("roster_messy.xlsx", "staff-roster"),
        ("xls/roster_messy.xls", "staff-roster"),
        ("approved_list.xlsx", "approved-projects"),
        ("credit_list.xlsx", "credit-list"),
    ] {
        let sheet = cmedesk_sheets::read::open(&foreign().path(file)).unwrap();
        let head = sheet.head(cmedesk_sheets::read::HEADER_SCAN_ROWS).unwrap();
        let got = cmedesk_sheets::wizard::detect(&head, &all).map(|t| t.name.as_str());
        assert_eq!(got, Some(want), "{file}");
    }
}
