//! Every export read back through import: the synthetic hospital's roster and approved list,
//! a generic credit list, and a sheet large enough to be streamed in constant-memory mode.

mod support;

use calamine::{Data, Reader, open_workbook_auto};
use chrono::NaiveDate;
use cmedesk_core::{
    approved_projects,
    departments::{self, NewDepartment},
    staff, synthetic,
};
use cmedesk_sheets::{ExportScope, ImportOptions, Template, Value, export, import, read, write_xlsx};
use support::actor;

fn hospital_desk(staff_count: usize) -> (cmedesk_core::Desk, synthetic::Hospital) {
    let mut d = cmedesk_core::Desk::open_in_memory().unwrap();
    let h = synthetic::generate(7, staff_count, actor().today());
    synthetic::load(&mut d, &actor(), &h).unwrap();
    (d, h)
}

/// An empty desk with the same department tree as `h`.
fn same_departments(h: &synthetic::Hospital) -> cmedesk_core::Desk {
    let mut d = cmedesk_core::Desk::open_in_memory().unwrap();
    let mut ids: Vec<String> = Vec::new();
    for (parent, name) in &h.departments {
        let dep = departments::add(
            &mut d,
            &actor(),
            NewDepartment { name: name.to_string(), parent_id: parent.map(|p| ids[p].clone()), sort: None },
        )
        .unwrap();
        ids.push(dep.id);
    }
    d
}

#[test]
fn roster_export_is_styled_and_imports_back_identically() {
    let (source, h) = hospital_desk(300);
    let t = Template::get("staff-roster").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roster.xlsx");
    let out = export(&source, &t, &ExportScope::default(), &path).unwrap();
    assert_eq!(out.rows, 300);
    assert!(!out.constant_memory);

    // ID and card cells are text (no 1.1E+17), dates and enums as labels.
    let mut wb = open_workbook_auto(&path).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(range.get_value((0, 2)), Some(&Data::String("身份证号".into())));
    assert!(matches!(range.get_value((1, 2)), Some(Data::String(s)) if s.len() == 18));
    assert!(matches!(range.get_value((1, 1)), Some(Data::String(s)) if s == "男" || s == "女"));

    let mut target = same_departments(&h);
    let r = import(&mut target, &actor(), &t, &path, &ImportOptions::default(), &mut |_, _| {}).unwrap();
    assert!(r.rejected.is_empty(), "{:?}", &r.rejected[..r.rejected.len().min(5)]);
    assert_eq!(r.imported, 300);
    let key = |rows: Vec<staff::StaffRow>| {
        let mut v: Vec<String> = rows
            .into_iter()
            .map(|r| {
                let s = r.staff;
                format!(
                    "{}|{:?}|{}|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
                    s.name,
                    s.gender,
                    s.id_number,
                    r.department_name,
                    s.title,
                    s.title_level,
                    s.profession,
                    s.phone,
                    s.status,
                    r.card_key
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        key(staff::list(&target, &Default::default()).unwrap()),
        key(staff::list(&source, &Default::default()).unwrap())
    );
}

#[test]
fn approved_list_export_imports_back_identically() {
    let (source, _) = hospital_desk(10);
    let t = Template::get("approved-projects").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("approved.xlsx");
    let out = export(&source, &t, &ExportScope::default(), &path).unwrap();
    let before = approved_projects::list(&source, &Default::default()).unwrap();
    assert_eq!(out.rows, before.len());
    assert!(out.rows > 0);
    let mut target = cmedesk_core::Desk::open_in_memory().unwrap();
    let r = import(&mut target, &actor(), &t, &path, &ImportOptions::default(), &mut |_, _| {}).unwrap();
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    let key = |rows: Vec<approved_projects::ApprovedProjectRow>| {
        let mut v: Vec<String> = rows
            .into_iter()
            .map(|r| {
                let a = r.approved;
                format!(
                    "{}|{}|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{}|{}|{:?}",
                    a.code,
                    a.year,
                    a.name,
                    a.credit_level,
                    a.discipline,
                    a.organizer,
                    a.lead,
                    a.planned_start,
                    a.planned_end,
                    a.venue,
                    a.credits,
                    a.total_hours,
                    a.planned_enrolment
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(key(approved_projects::list(&target, &Default::default()).unwrap()), key(before));

    // --year filters.
    let year_path = dir.path().join("approved-1999.xlsx");
    assert_eq!(
        export(&source, &t, &ExportScope { year: Some(1999), ..Default::default() }, &year_path)
            .unwrap()
            .rows,
        0
    );
}

/// Credit-like rows for the credit list, deterministic.
pub fn credit_rows(n: usize) -> Vec<Vec<Value>> {
    let levels = ["national", "provincial", "municipal", "hospital"];
    let states = ["pending", "returned", "rejected", "approved"];
    (0..n)
        .map(|i| {
            let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new((i % 330) as u64);
            vec![
                Value::Text(format!("测试人员{}", i % 997)),
                Value::Text(cmedesk_core::id_number::compose(
                    "110105",
                    NaiveDate::from_ymd_opt(1980, 1, 1).unwrap() + chrono::Days::new((i % 7000) as u64),
                    (i % 900) as u16 + 1,
                )),
                Value::Date(day),
                Value::Text(format!("2026-{:02}-01-{:03}(国)", i % 30 + 1, i % 1000)),
                Value::Text(format!("第{}期心血管疾病诊疗进展学习班", i % 50)),
                Value::Text("继续医学教育项目".into()),
                Value::Text(levels[i % 4].into()),
                Value::Text("内科学".into()),
                Value::Text("培训班".into()),
                Value::Decimal(((i % 12) as f64 + 1.0) * 1.5),
                Value::Decimal(((i % 12) as f64 + 1.0) * 0.5),
                Value::Text(states[i % 4].into()),
            ]
        })
        .collect()
}

fn read_back(t: &Template, path: &std::path::Path) -> read::Parsed {
    let sheet = read::open(path).unwrap();
    read::parse(t, &sheet, actor().today(), &Default::default(), &mut |_, _| {}).unwrap()
}

#[test]
fn generic_credit_list_export_reads_back_value_for_value() {
    let t = Template::get("credit-list").unwrap();
    let rows = credit_rows(500);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credits.xlsx");
    write_xlsx(&t, &rows, &path).unwrap();
    let parsed = read_back(&t, &path);
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    assert_eq!(parsed.header_row, 1);
    let got: Vec<Vec<Value>> = parsed.records.into_iter().map(|r| r.values).collect();
    assert_eq!(got, rows);
}

#[test]
fn large_export_streams_in_constant_memory_and_reads_back() {
    let t = Template::get("credit-list").unwrap();
    let rows = credit_rows(30_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credits-big.xlsx");
    let out = write_xlsx(&t, &rows, &path).unwrap();
    assert!(out.constant_memory);
    let mut progress = Vec::new();
    let sheet = read::open(&path).unwrap();
    let opts = cmedesk_sheets::ReadOptions { progress_every: 10_000, ..Default::default() };
    let parsed =
        read::parse(&t, &sheet, actor().today(), &opts, &mut |done, total| progress.push((done, total)))
            .unwrap();
    assert_eq!(progress, vec![(10_000, 30_000), (20_000, 30_000), (30_000, 30_000), (30_000, 30_000)]);
    // Every value of every row, in order: the cells crossed from the parsing thread in dozens
    // of batches, their inline strings through each batch's text buffer.
    assert_eq!(parsed.records.len(), 30_000);
    for (i, (record, row)) in parsed.records.iter().zip(&rows).enumerate() {
        assert_eq!((record.row, &record.values), (i as u32 + 2, row), "row {}", i + 2);
    }
}

#[test]
fn definition_only_templates_refuse_export_and_oversized_sheets_are_refused() {
    let (d, _) = hospital_desk(5);
    let dir = tempfile::tempdir().unwrap();
    for name in ["remote-learning", "remote-credit-upload"] {
        let t = Template::get(name).unwrap();
        let e = export(&d, &t, &ExportScope::default(), &dir.path().join("x.xlsx")).unwrap_err();
        assert_eq!(e.code(), "TEMPLATE_NOT_EXPORTABLE", "{name}");
    }
    // 考勤明细 is exported for one project (tests/reports.rs).
    let t = Template::get("attendance-detail").unwrap();
    let e = export(&d, &t, &ExportScope::default(), &dir.path().join("x.xlsx")).unwrap_err();
    assert_eq!(e.code(), "PROJECT_REQUIRED");
    // The compliance reports are exported for one CME year (tests/reports.rs).
    for name in ["annual-review", "compliance-report"] {
        let t = Template::get(name).unwrap();
        let e = export(&d, &t, &ExportScope::default(), &dir.path().join("x.xlsx")).unwrap_err();
        assert_eq!(e.code(), "YEAR_REQUIRED", "{name}");
    }
    let t = Template::get("compliance-report").unwrap();
    let too_many = vec![Vec::new(); cmedesk_sheets::export::XLSX_MAX_DATA_ROWS + 1];
    assert_eq!(write_xlsx(&t, &too_many, &dir.path().join("big.xlsx")).unwrap_err().code(), "TOO_MANY_ROWS");
    // .xls is read, never written (rust_xlsxwriter writes .xlsx only): refused, nothing on disk.
    let xls = dir.path().join("old.XLS");
    assert_eq!(write_xlsx(&t, &[], &xls).unwrap_err().code(), "XLS_NOT_WRITTEN");
    assert!(!xls.exists());
}

/// A header the template does not know, mapped once by the user (the wizard remembers it and
/// passes it back), and a batch the core refuses as a whole.
#[test]
fn user_header_mapping_and_core_batch_refusal() {
    use rust_xlsxwriter::Workbook;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd-headers.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["项目代码", "项目名称", "学分", "学时"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (code, name)) in [("2026-01-01-001(国)", "甲"), ("2026-01-01-002(国)", "乙")].iter().enumerate()
    {
        let r = r as u32 + 1;
        ws.write_string(r, 0, *code).unwrap();
        ws.write_string(r, 1, *name).unwrap();
        ws.write_number(r, 2, 5).unwrap();
        ws.write_number(r, 3, 15).unwrap();
    }
    wb.save(&path).unwrap();
    let t = Template::get("approved-projects").unwrap();
    let mut d = cmedesk_core::Desk::open_in_memory().unwrap();
    let e = import(&mut d, &actor(), &t, &path, &ImportOptions::default(), &mut |_, _| {}).unwrap_err();
    assert_eq!(e.code(), "MISSING_COLUMNS");
    assert!(e.message_zh().contains("项目编号"), "{}", e.message_zh());
    let mut opts = ImportOptions::default();
    opts.read.header_map.insert("项目 代码".into(), "code".into());
    let r = import(&mut d, &actor(), &t, &path, &opts, &mut |_, _| {}).unwrap();
    assert_eq!(r.imported, 2, "{:?}", r.rejected);
    assert_eq!(r.mapping[0].field, "code");

    // The core's own batch: a code repeated inside it refuses the whole batch, naming entry 2.
    let entry = |code: &str| approved_projects::NewApprovedProject {
        code: code.into(),
        year: 2026,
        name: "丙".into(),
        credits: 1.0,
        total_hours: 3.0,
        ..Default::default()
    };
    let before = approved_projects::list(&d, &Default::default()).unwrap().len();
    let e = approved_projects::add_many(
        &mut d,
        &actor(),
        vec![entry("2026-01-01-003(国)"), entry("2026-01-01-003（国）")],
    )
    .unwrap_err();
    assert!(matches!(e, cmedesk_core::CoreError::InBatch { index: 1, .. }), "{e:?}");
    assert_eq!(e.code(), "DUPLICATE");
    assert_eq!(approved_projects::list(&d, &Default::default()).unwrap().len(), before);
}

/// The credit list from the core's credits (manual paper credits here), read back value for value.
#[test]
fn credit_list_export_from_the_core_reads_back() {
    use cmedesk_core::{
        credits::{Centi, store},
        manual_credits::{ManualCreditForm, SaveMode},
        rules::RuleBook,
    };
    let (mut d, _) = hospital_desk(20);
    let book = RuleBook::embedded().unwrap();
    let people: Vec<staff::StaffRow> = staff::list(&d, &Default::default())
        .unwrap()
        .into_iter()
        .filter(|p| p.staff.status == staff::StaffStatus::Active)
        .take(3)
        .collect();
    for (i, p) in people.iter().enumerate() {
        let form = ManualCreditForm {
            staff_id: p.staff.id.clone(),
            category: "paper".into(),
            activity_name: format!("基层医院慢病管理研究之{}", ["一", "二", "三"][i]),
            activity_number: None,
            credit_level: None,
            delivery: None,
            discipline2: Some("临床内科学".into()),
            discipline3: None,
            quantity: Some(Centi::units(1)),
            credits: None,
            hours: Centi::units(6),
            activity_date: NaiveDate::from_ymd_opt(2026, 5, 20 + i as u32).unwrap(),
            note: None,
            issuer: "中华医学杂志".into(),
            evidence: vec![],
        };
        store::add_manual(&mut d, &actor(), &book, form, &[], SaveMode::Save).unwrap();
    }
    let t = Template::get("credit-list").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credits.xlsx");
    assert_eq!(
        export(&d, &t, &ExportScope { year: Some(2026), ..Default::default() }, &path).unwrap().rows,
        3
    );
    let parsed = read_back(&t, &path);
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    let stored =
        store::list(&d, &store::CreditFilter { cme_year: Some(2026), ..Default::default() }).unwrap();
    assert_eq!(parsed.records.len(), stored.len());
    let col = |f: &str| t.column(f).unwrap().0;
    for (rec, c) in parsed.records.iter().zip(&stored) {
        let person = people.iter().find(|p| p.staff.id == c.record.staff_id).unwrap();
        assert_eq!(rec.values[col("name")], Value::Text(person.staff.name.clone()));
        assert_eq!(rec.values[col("id_number")], Value::Text(person.staff.id_number.clone()));
        assert_eq!(rec.values[col("date")], Value::Date(c.record.activity_date));
        assert_eq!(rec.values[col("activity")], Value::Text(c.record.activity_name.clone()));
        assert_eq!(rec.values[col("credits")], Value::Decimal(c.record.credits.to_decimal()));
        assert_eq!(rec.values[col("hours")], Value::Decimal(6.0));
        assert_eq!(rec.values[col("review_state")], Value::Text("draft".into()), "保存 (a draft)");
    }
    assert_eq!(
        export(
            &d,
            &t,
            &ExportScope { year: Some(2025), ..Default::default() },
            &dir.path().join("none.xlsx")
        )
        .unwrap()
        .rows,
        0
    );
    // 个人学分's export: one person (named by ID number here), only their credit.
    let one = &people[1];
    let one_path = dir.path().join("one.xlsx");
    let scope = ExportScope { year: Some(2026), staff: Some(&one.staff.id_number), ..Default::default() };
    assert_eq!(export(&d, &t, &scope, &one_path).unwrap().rows, 1);
    let parsed = read_back(&t, &one_path);
    assert_eq!(parsed.records[0].values[col("name")], Value::Text(one.staff.name.clone()));
    assert_eq!(parsed.records[0].values[col("activity")], Value::Text("基层医院慢病管理研究之二".into()));
    let nobody = ExportScope { staff: Some("nobody"), ..Default::default() };
    let e = export(&d, &t, &nobody, &dir.path().join("x.xlsx")).unwrap_err();
    assert_eq!(e.code(), "NOT_FOUND");
}

/// The national list's own columns (no 学时): hours come from 学分 at the year's participant
/// rate — national 1 credit per 3 hours, provincial as the year's rule set says (R-33,
/// with one warning;
/// a 院级 entry (rated per session, R-35) cannot be converted and is rejected, naming 学分.
#[test]
fn national_list_without_hours_derives_them_from_credits() {
    use rust_xlsxwriter::Workbook;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, rows: &[(&str, &str, f64)], with_level: bool| {
        let path = dir.path().join(name);
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.merge_range(0, 0, 0, 8, "2026年度第一批国家级继续医学教育项目目录", &Default::default()).unwrap();
        let mut headers = vec![
            "学科名称",
            "项目编号",
            "项目名称",
            "申办单位",
            "负责人",
            "举办期限",
            "举办地点",
            "学分",
            "拟招生人数",
        ];
        if with_level {
            headers.push("学分级别");
        }
        for (c, h) in headers.iter().enumerate() {
            ws.write_string(1, c as u16, *h).unwrap();
        }
        for (i, (code, level, credits)) in rows.iter().enumerate() {
            let r = i as u32 + 2;
            ws.write_string(r, 0, "内科学").unwrap();
            ws.write_string(r, 1, *code).unwrap();
            ws.write_string(r, 2, format!("心血管疾病诊疗进展学习班{i}")).unwrap();
            ws.write_string(r, 3, "某医科大学附属医院").unwrap();
            ws.write_string(r, 4, "张三").unwrap();
            ws.write_string(r, 5, "2026-5-10至2026-5-14").unwrap();
            ws.write_string(r, 6, "成都").unwrap();
            ws.write_number(r, 7, *credits).unwrap();
            ws.write_number(r, 8, 100).unwrap();
            if with_level {
                ws.write_string(r, 9, *level).unwrap();
            }
        }
        wb.save(&path).unwrap();
        path
    };
    let t = Template::get("approved-projects").unwrap();
    let mut d = cmedesk_core::Desk::open_in_memory().unwrap();
    let national =
        write("national.xlsx", &[("2026-04-01-001(国)", "", 10.0), ("2026-04-01-002(省)", "", 4.0)], false);
    let r = import(&mut d, &actor(), &t, &national, &ImportOptions::default(), &mut |_, _| {}).unwrap();
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert_eq!(r.imported, 2);
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert_eq!(r.warnings[0].row, 2, "named at the header row");
    assert!(r.warnings[0].message.contains("由学分换算"), "{:?}", r.warnings);
    let stored = approved_projects::list(&d, &Default::default()).unwrap();
    let hours = |code: &str| stored.iter().find(|p| p.approved.code == code).unwrap().approved.total_hours;
    assert_eq!(hours("2026-04-01-001(国)"), 30.0, "R-32: 10 credits × 3 hours");
    // 2026 falls under the 2024 reform: 3 hours = 1 credit for provincial projects too,
    // not the older 1 per 6.
    assert_eq!(hours("2026-04-01-002(省)"), 12.0, "R-08: 4 credits × 3 hours");

    let hospital =
        write("hospital.xlsx", &[("2026-04-01-003(国)", "国家级", 2.0), ("L2026-01", "院级", 1.0)], true);
    let before = approved_projects::list(&d, &Default::default()).unwrap().len();
    let r = import(&mut d, &actor(), &t, &hospital, &ImportOptions::default(), &mut |_, _| {}).unwrap();
    assert_eq!(r.imported, 0, "all or nothing");
    assert_eq!(r.rejected.len(), 1, "{:?}", r.rejected);
    assert_eq!((r.rejected[0].row, r.rejected[0].letter.as_str()), (4, "H"));
    assert!(r.rejected[0].reason.contains("无法由学分换算学时"), "{}", r.rejected[0].reason);
    assert_eq!(approved_projects::list(&d, &Default::default()).unwrap().len(), before);
}
