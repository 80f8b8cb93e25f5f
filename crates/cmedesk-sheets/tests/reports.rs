//! 达标统计 and 年度审验 exports from a synthetic hospital with synthetic credits: real .xlsx read
//! back with calamine; the counts are the core's compliance report's; ID numbers masked unless
//! a full view was granted; the year is required.

mod support;

use calamine::{Data, Reader, open_workbook_auto};
use cmedesk_core::{
    Desk,
    compliance::ComplianceStatus,
    credits::store,
    privacy::IdView,
    rules::RuleBook,
    staff::{self, StaffFilter},
    synthetic,
};
use cmedesk_sheets::{ExportScope, Template, export, export_for_view, exportable};
use support::actor;

const YEAR: i32 = 2026;

fn hospital() -> (Desk, RuleBook) {
    let mut desk = Desk::open_in_memory().expect("desk");
    let h = synthetic::generate(11, 120, actor().today());
    synthetic::load(&mut desk, &actor(), &h).expect("load");
    let book = RuleBook::embedded().expect("rules");
    let ids: Vec<String> =
        staff::list(&desk, &StaffFilter::default()).expect("staff").into_iter().map(|r| r.staff.id).collect();
    let rule_set = book.national_for_year(YEAR).expect("rule set").id.clone();
    // Enough credits for some people to comply and not for others.
    let records = synthetic::credit_records(&ids[..60], YEAR, &rule_set, 12, 5);
    store::record_credits(&mut desk, &actor(), &book, &records).expect("credits");
    (desk, book)
}

fn rows(path: &std::path::Path) -> Vec<Vec<Data>> {
    let mut wb = open_workbook_auto(path).expect("open");
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    range.rows().map(|r| r.to_vec()).collect()
}

fn int(d: &Data) -> i64 {
    match d {
        Data::Float(f) => *f as i64,
        Data::Int(i) => *i,
        other => panic!("not a number: {other:?}"),
    }
}

#[test]
fn compliance_report_has_a_row_per_department_and_the_hospital_total() {
    let (desk, book) = hospital();
    let t = Template::get("compliance-report").expect("template");
    assert!(exportable(&t));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("达标统计.xlsx");
    let e = export(&desk, &t, &ExportScope::default(), &path).unwrap_err();
    assert_eq!(e.code(), "YEAR_REQUIRED");
    let out =
        export(&desk, &t, &ExportScope { year: Some(YEAR), ..Default::default() }, &path).expect("export");
    let report = store::compliance_report(&desk, &book, YEAR, None, None).expect("report");
    assert_eq!(out.rows, report.departments.len() + 1);
    let sheet = rows(&path);
    assert_eq!(
        sheet[0][..3],
        [Data::String("年度".into()), Data::String("科室".into()), Data::String("应审人数".into())]
    );
    let last = sheet.last().expect("total row");
    assert_eq!(last[1], Data::String("全院合计".into()));
    assert_eq!(int(&last[2]) as usize, report.hospital.total);
    assert_eq!(int(&last[3]) as usize, report.hospital.compliant);
    assert!(
        report.hospital.compliant > 0 && report.hospital.non_compliant > 0,
        "a mixed hospital: {:?}",
        report.hospital
    );
    let by_department: i64 = sheet[1..sheet.len() - 1].iter().map(|r| int(&r[2])).sum();
    assert_eq!(by_department as usize, report.hospital.total);
}

#[test]
fn annual_review_lists_every_person_with_totals_masked_unless_revealed() {
    let (desk, book) = hospital();
    let t = Template::get("annual-review").expect("template");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("年度审验.xlsx");
    let out = export_for_view(
        &desk,
        &t,
        &ExportScope { year: Some(YEAR), ..Default::default() },
        &path,
        &IdView::Masked,
    )
    .expect("export");
    let report = store::compliance_report(&desk, &book, YEAR, None, None).expect("report");
    assert_eq!(out.rows, report.people.len());
    let sheet = rows(&path);
    let header: Vec<String> = sheet[0].iter().map(|d| d.to_string()).collect();
    let col = |h: &str| header.iter().position(|x| x == h).unwrap_or_else(|| panic!("{h} in {header:?}"));
    let (id, result, credits, name) = (col("身份证号"), col("达标情况"), col("总学分"), col("姓名"));
    for r in &sheet[1..] {
        assert!(r[id].to_string().contains('*'), "masked: {}", r[id]);
    }
    let compliant = report.people.iter().filter(|p| p.status == ComplianceStatus::Compliant).count();
    assert_eq!(sheet[1..].iter().filter(|r| r[result] == Data::String("达标".into())).count(), compliant);
    // The first person's total is the core's counted total.
    let first = &report.people[0];
    let on_roster = staff::get(&desk, &first.staff_id).expect("person");
    let line = sheet[1..].iter().find(|r| r[name] == Data::String(on_roster.name.clone())).expect("row");
    let shown = match &line[credits] {
        Data::Float(f) => *f,
        other => panic!("{other:?}"),
    };
    assert!((shown - first.totals.credits.to_decimal()).abs() < 1e-9);
}

#[test]
fn attendance_detail_lists_a_projects_swipes_with_the_analysis_verdict() {
    let (mut desk, book) = hospital();
    let swiped = synthetic::demo_swipes(&mut desk, &actor(), 3).expect("swipes");
    assert!(swiped > 0, "the demo hospital has held projects to swipe for");
    let t = Template::get("attendance-detail").expect("template");
    assert!(exportable(&t));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("考勤明细.xlsx");
    let e = export(&desk, &t, &ExportScope::default(), &path).unwrap_err();
    assert_eq!(e.code(), "PROJECT_REQUIRED");

    // The held project with the most swipes, named by its 项目编号 as an officer would.
    let held = cmedesk_core::projects::list(
        &desk,
        &cmedesk_core::projects::ProjectFilter {
            state: Some(cmedesk_core::projects::ProjectState::Held),
            ..Default::default()
        },
    )
    .expect("projects");
    let swipes_of = |id: &str| {
        cmedesk_core::swipes::list(
            &desk,
            &cmedesk_core::swipes::SwipeFilter { project_id: Some(id.into()), ..Default::default() },
        )
        .expect("swipes")
    };
    let project = held.iter().max_by_key(|p| swipes_of(&p.id).len()).expect("a held project");
    let all = swipes_of(&project.id);
    let expected = all
        .iter()
        .filter(|s| s.staff_id.is_some() && s.status != cmedesk_core::swipes::SwipeStatus::Duplicate)
        .count();
    assert!(expected > 0 && expected < all.len(), "{expected} of {} (unknown cards left out)", all.len());
    let analysis =
        cmedesk_core::credits::project_grant::analyze_project(&desk, &book, &project.id).expect("analysis");
    let valid_staff = analysis.analysis.people.iter().filter(|p| p.valid && p.staff_id().is_some()).count();

    let scope = ExportScope { project: Some(&project.code), ..Default::default() };
    let out = export_for_view(&desk, &t, &scope, &path, &IdView::Masked).expect("export");
    assert_eq!(out.rows, expected);
    let sheet = rows(&path);
    let header = sheet.iter().position(|r| r.iter().any(|c| *c == "项目编号")).expect("header row");
    let col = |name: &str| sheet[header].iter().position(|c| *c == name).expect(name);
    let (code, id, valid, time) = (col("项目编号"), col("身份证号"), col("是否有效"), col("刷卡时间"));
    let data = &sheet[header + 1..];
    assert_eq!(data.len(), expected);
    assert!(data.iter().all(|r| r[code].to_string() == project.code));
    assert!(data.iter().all(|r| r[id].to_string().contains('*')), "ID numbers masked");
    assert!(data.iter().all(|r| r[time].to_string().len() == 8), "HH:MM:SS");
    let valid_people: std::collections::HashSet<String> =
        data.iter().filter(|r| r[valid] == "有效").map(|r| r[id].to_string()).collect();
    assert!(data.iter().all(|r| ["有效", "无效"].contains(&r[valid].to_string().as_str())));
    assert_eq!(valid_people.len(), valid_staff, "有效 is the analysis' verdict per person");
    assert!(valid_staff < data.len(), "some swipes belong to people who are not valid");
}
