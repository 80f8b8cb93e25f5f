//! Remote-learning import (远程教育学习记录, seed 000) into a hosted project of a synthetic
//! hospital, from .xlsx files written by openpyxl and the same file saved as .xls by LibreOffice:
//! unusable rows named by Excel row and column, the dry run's who-gets-credits-and-why-not, the
//! import all or nothing and idempotent, and the 20,000-row figure (`--ignored`, release).

mod support;

use std::{path::Path, process::Command, time::Instant};

use cmedesk_core::{
    Desk,
    projects::{self, ProjectDetail, ProjectFilter},
    staff::{self, StaffFilter},
    synthetic,
};
use cmedesk_sheets::{ImportOptions, ImportReport, Template, import, remote::RemotePerson};
use serde_json::{Value as Json, json};
use support::actor;

const HEADER: [&str; 11] = [
    "平台",
    "姓名",
    "身份证号",
    "项目编号",
    "课程名称",
    "学习方式",
    "学习时长(分钟)",
    "签到",
    "签退",
    "考试通过",
    "学习日期",
];

struct World {
    desk: Desk,
    /// (name, ID number) of active staff.
    people: Vec<(String, String)>,
    /// A project without 需考试, and one with it.
    plain: ProjectDetail,
    exam: ProjectDetail,
}

fn world(staff_count: usize) -> World {
    let mut desk = Desk::open_in_memory().expect("desk");
    let hospital = synthetic::generate(7, staff_count, actor().today());
    synthetic::load(&mut desk, &actor(), &hospital).expect("synthetic hospital");
    let people = staff::list(&desk, &StaffFilter::default())
        .expect("staff")
        .into_iter()
        .map(|r| (r.staff.name, r.staff.id_number))
        .collect();
    let details: Vec<ProjectDetail> = projects::list(&desk, &ProjectFilter::default())
        .expect("projects")
        .iter()
        .map(|p| projects::detail(&desk, &p.id).expect("detail"))
        .filter(|d| d.courses.len() >= 2 && !d.holding_periods.is_empty())
        .collect();
    let plain =
        details.iter().find(|d| !d.project.details.exam_required).expect("a project without exam").clone();
    let exam = details.iter().find(|d| d.project.details.exam_required).expect("a project with exam").clone();
    World { desk, people, plain, exam }
}

/// One sheet row: platform label, person, project code, course, mode, minutes, signs, exam.
#[allow(clippy::too_many_arguments)]
fn row(
    platform: &str,
    who: &(String, String),
    code: &str,
    course: &str,
    mode: &str,
    minutes: Option<f64>,
    signed: bool,
    exam: Option<&str>,
) -> Json {
    let yes = |b: bool| if b { "是" } else { "否" };
    json!([
        platform,
        who.0,
        who.1,
        code,
        course,
        mode,
        minutes.map_or(Json::Null, |m| json!(m)),
        if platform == "区域协同平台" { json!(yes(signed)) } else { Json::Null },
        if platform == "区域协同平台" { json!(yes(signed)) } else { Json::Null },
        exam.map_or(Json::Null, |e| json!(e)),
        "2026-06-01",
    ])
}

fn write(dir: &Path, name: &str, rows: Vec<Json>) -> std::path::PathBuf {
    let spec = dir.join(format!("{name}.json"));
    std::fs::write(
        &spec,
        json!({ "sheet": "学习记录", "title": "华西远程继续教育学习记录导出", "header": HEADER, "rows": rows })
            .to_string(),
    )
    .expect("spec");
    let out = dir.join(format!("{name}.xlsx"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/write_rows.py");
    let st =
        Command::new("python3").arg(script).arg(&spec).arg(&out).status().expect("python3 with openpyxl");
    assert!(st.success(), "write_rows.py failed");
    out
}

fn run(w: &mut World, file: &Path, project: &str, dry_run: bool) -> ImportReport {
    let t = Template::get("remote-learning").expect("template");
    let opts = ImportOptions { dry_run, project: Some(project.to_string()), ..Default::default() };
    import(&mut w.desk, &actor(), &t, file, &opts, &mut |_, _| {}).expect("import")
}

fn remote_credits(desk: &Desk) -> i64 {
    desk.conn()
        .query_row("SELECT COUNT(*) FROM credits WHERE source = 'remote'", [], |r| r.get(0))
        .expect("count")
}

fn names(people: &[RemotePerson]) -> Vec<&str> {
    let mut v: Vec<&str> = people.iter().map(|p| p.name.as_str()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The seed's cases for one project: mobile minutes summed (29.5 + 0.5 is 30), a mobile course
/// short, PC signed in and out, PC on demand only, and a person complete only across platforms.
fn seed_rows(w: &World) -> (Vec<Json>, [(String, String); 5]) {
    let code = w.plain.project.code.as_str();
    let courses: Vec<&str> = w.plain.courses.iter().map(|c| c.title.as_str()).collect();
    let [a, b, c, d, e] = [0, 1, 2, 3, 4].map(|i| w.people[i].clone());
    let mut rows = Vec::new();
    for (k, course) in courses.iter().enumerate() {
        rows.push(row("华西云课堂", &a, code, course, "直播", Some(29.5), false, None));
        rows.push(row("华西云课堂", &a, code, course, "点播", Some(0.5), false, None));
        let b_minutes = if k + 1 == courses.len() { 29.0 } else { 45.0 };
        rows.push(row("移动端", &b, code, course, "点播", Some(b_minutes), false, None));
        rows.push(row("区域协同平台", &c, code, course, "直播", Some(60.0), true, None));
        if k == 0 {
            rows.push(row("区域协同平台", &d, code, course, "点播", Some(90.0), false, None));
        } else {
            rows.push(row("区域协同平台", &d, code, course, "直播", Some(60.0), true, None));
        }
        if k + 1 == courses.len() {
            rows.push(row("区域协同平台", &e, code, course, "直播", Some(60.0), true, None));
        } else {
            rows.push(row("华西云课堂", &e, code, course, "直播", Some(30.0), false, None));
        }
    }
    (rows, [a, b, c, d, e])
}

#[test]
fn dry_run_says_who_gets_credits_and_why_not_then_the_import_is_idempotent() {
    let mut w = world(40);
    let dir = tempfile::tempdir().expect("tempdir");
    let (rows, [a, b, c, d, e]) = seed_rows(&w);
    let file = write(dir.path(), "seed", rows);
    let code = w.plain.project.code.clone();

    let dry = run(&mut w, &file, &code, true);
    assert!(dry.rejected.is_empty(), "{:?}", dry.rejected);
    assert_eq!((dry.imported, dry.header_row), (0, 3));
    let s = dry.remote.as_ref().expect("remote summary");
    assert_eq!(names(&s.credited), {
        let mut v = vec![a.0.as_str(), c.0.as_str()];
        v.sort_unstable();
        v
    });
    let platform_of = |n: &str| s.credited.iter().find(|p| p.name == n).and_then(|p| p.platform.clone());
    assert_eq!(platform_of(&a.0).as_deref(), Some("华西云课堂"));
    assert_eq!(platform_of(&c.0).as_deref(), Some("区域协同平台"));
    let why = |n: &str| -> Vec<String> {
        s.not_credited.iter().filter(|p| p.name == n).flat_map(|p| p.reasons.clone()).collect()
    };
    let last = &w.plain.courses.last().expect("course").title;
    let first = &w.plain.courses[0].title;
    assert_eq!(why(&b.0), vec![format!("课程「{last}」累计学习29分钟，不足30分钟")]);
    assert_eq!(why(&d.0), vec![format!("课程「{first}」只有点播记录，区域协同平台只认直播签到签退")]);
    assert!(why(&e.0).contains(&"两个平台合起来才学完，平台数据不能合并".to_string()), "{:?}", why(&e.0));
    assert_eq!(remote_credits(&w.desk), 0, "a dry run writes nothing");

    let done = run(&mut w, &file, &code, false);
    let saved = done.remote.as_ref().and_then(|s| s.saved.clone()).expect("saved");
    assert_eq!((saved.inserted, saved.unchanged), (2, 0));
    assert_eq!(done.imported, done.ready);
    assert_eq!(remote_credits(&w.desk), 2);
    let again = run(&mut w, &file, &code, false);
    let saved = again.remote.and_then(|s| s.saved).expect("saved");
    assert_eq!((saved.inserted, saved.unchanged), (0, 2), "the same file twice stores nothing new");
    assert_eq!(remote_credits(&w.desk), 2);

    // LibreOffice's .xls of the same file decides the same.
    let profile = format!("-env:UserInstallation=file://{}/lo-profile", dir.path().display());
    let st = Command::new("soffice")
        .args([&profile, "--headless", "--convert-to", "xls", "--outdir"])
        .arg(dir.path().join("xls"))
        .arg(&file)
        .output()
        .expect("soffice (apt-get install libreoffice-calc-nogui)");
    assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
    let xls = run(&mut w, &dir.path().join("xls/seed.xls"), &code, true);
    let x = xls.remote.expect("remote summary");
    assert_eq!((names(&x.credited), names(&x.not_credited)), (names(&s.credited), names(&s.not_credited)));
}

#[test]
fn unusable_rows_are_named_by_excel_row_and_column_and_nothing_is_stored() {
    let mut w = world(40);
    let dir = tempfile::tempdir().expect("tempdir");
    let code = w.plain.project.code.clone();
    let course = w.plain.courses[0].title.clone();
    let other = w.exam.project.code.clone();
    let (p0, p1) = (w.people[0].clone(), w.people[1].clone());
    // A valid ID number (check character right) of nobody on the roster.
    let stranger = (
        "陌生人".to_string(),
        cmedesk_core::id_number::compose(
            "110105",
            chrono::NaiveDate::from_ymd_opt(1966, 6, 6).expect("date"),
            777,
        ),
    );
    let renamed = ("改了名".to_string(), p1.1.clone());
    let rows = vec![
        row("华西云课堂", &p0, &code, &course, "直播", Some(30.0), false, None), // 4: fine
        row("华西云课堂", &p0, &other, &course, "直播", Some(30.0), false, None), // 5: D
        row("华西云课堂", &stranger, &code, &course, "直播", Some(30.0), false, None), // 6: C
        row("华西云课堂", &renamed, &code, &course, "直播", Some(30.0), false, None), // 7: B
        row("华西云课堂", &p0, &code, "没有这门课", "直播", Some(30.0), false, None), // 8: E
        row("华西云课堂", &p0, &code, &course, "直播", None, false, None),       // 9: G
        row("区域协同平台", &p0, &code, &course, "", Some(60.0), true, None),    // 10: F
    ];
    let file = write(dir.path(), "bad", rows);
    let report_path = dir.path().join("errors.xlsx");
    let t = Template::get("remote-learning").expect("template");
    let opts = ImportOptions {
        project: Some(code.clone()),
        report: Some(report_path.clone()),
        ..Default::default()
    };
    let r = import(&mut w.desk, &actor(), &t, &file, &opts, &mut |_, _| {}).expect("import");
    let got: Vec<(u32, &str, &str)> =
        r.rejected.iter().map(|x| (x.row, x.letter.as_str(), x.reason.as_str())).collect();
    assert_eq!(got.len(), 6, "{got:?}");
    assert_eq!(got[0], (5, "D", format!("项目编号不是所选项目 {code}").as_str()));
    assert_eq!(got[1], (6, "C", "身份证号不在人员库中"));
    assert_eq!(got[2], (7, "B", format!("姓名与人员库不符（人员库为{}）", p1.0).as_str()));
    assert!(
        got[3].0 == 8 && got[3].1 == "E" && got[3].2.starts_with("项目") && got[3].2.contains(&course),
        "{got:?}"
    );
    assert_eq!(got[4], (9, "G", "华西云课堂的记录须填写学习时长（分钟）"));
    assert_eq!(got[5], (10, "F", "区域协同平台的记录须填写学习方式（直播/点播）"));
    assert!(r.remote.is_none() && r.imported == 0);
    assert!(report_path.is_file(), "the error report is written");
    assert_eq!(remote_credits(&w.desk), 0, "all or nothing");
}

#[test]
fn a_project_that_asks_for_the_exam_needs_it_passed_on_the_same_platform() {
    let mut w = world(40);
    let dir = tempfile::tempdir().expect("tempdir");
    let code = w.exam.project.code.clone();
    let (f, g, h) = (w.people[5].clone(), w.people[6].clone(), w.people[7].clone());
    let mut rows = Vec::new();
    for (k, c) in w.exam.courses.iter().enumerate() {
        let exam = |e: &'static str| if k == 0 { Some(e) } else { None };
        rows.push(row("华西云课堂", &f, &code, &c.title, "直播", Some(30.0), false, exam("否")));
        rows.push(row("华西云课堂", &g, &code, &c.title, "直播", Some(30.0), false, exam("通过")));
        rows.push(row("华西云课堂", &h, &code, &c.title, "直播", Some(30.0), false, None));
    }
    // h passed the exam on the PC platform only: it does not count for mobile learning.
    rows.push(row("区域协同平台", &h, &code, &w.exam.courses[0].title, "点播", Some(5.0), false, Some("是")));
    let file = write(dir.path(), "exam", rows);
    let r = run(&mut w, &file, &code, true);
    let s = r.remote.expect("summary");
    assert_eq!(names(&s.credited), vec![g.0.as_str()]);
    let reasons: Vec<(&str, &String)> =
        s.not_credited.iter().flat_map(|p| p.reasons.iter().map(move |r| (p.name.as_str(), r))).collect();
    assert!(reasons.contains(&(f.0.as_str(), &"考试未通过（须在同一平台通过）".to_string())), "{reasons:?}");
    assert!(reasons.contains(&(h.0.as_str(), &"考试未通过（须在同一平台通过）".to_string())), "{reasons:?}");
}

#[test]
fn the_project_is_required_and_must_exist() {
    let mut w = world(10);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "one", vec![]);
    let t = Template::get("remote-learning").expect("template");
    let e = import(&mut w.desk, &actor(), &t, &file, &ImportOptions::default(), &mut |_, _| {}).unwrap_err();
    assert_eq!(e.code(), "PROJECT_REQUIRED");
    let opts = ImportOptions { project: Some("2099-99-99-999(国)".into()), ..Default::default() };
    let e = import(&mut w.desk, &actor(), &t, &file, &opts, &mut |_, _| {}).unwrap_err();
    assert_eq!(e.code(), "NOT_FOUND");
    // The credit list is only checked, and says why in Chinese.
    let t = Template::get("credit-list").expect("template");
    let e = import(&mut w.desk, &actor(), &t, &file, &ImportOptions::default(), &mut |_, _| {}).unwrap_err();
    assert_eq!(e.code(), "TEMPLATE_NOT_IMPORTABLE");
    assert!(e.message_zh().contains("学分录入"), "{}", e.message_zh());
}

/// The figure: 20,000 rows (each person every course, mobile, in two records each)
/// imported — read, checked, judged and stored. `cargo test --release -p cmedesk-sheets --test
/// remote -- --ignored --nocapture`.
#[test]
#[ignore]
fn remote_learning_20000_rows_timing() {
    let mut w = world(2_600);
    let dir = tempfile::tempdir().expect("tempdir");
    let code = w.plain.project.code.clone();
    let courses: Vec<String> = w.plain.courses.iter().map(|c| c.title.clone()).collect();
    let mut rows = Vec::with_capacity(20_000);
    'fill: for who in w.people.iter().cycle() {
        for c in &courses {
            for minutes in [20.0, 15.0] {
                rows.push(row("华西云课堂", who, &code, c, "点播", Some(minutes), false, None));
                if rows.len() == 20_000 {
                    break 'fill;
                }
            }
        }
    }
    let file = write(dir.path(), "big", rows);
    let started = Instant::now();
    let r = run(&mut w, &file, &code, false);
    let took = started.elapsed();
    assert!(r.rejected.is_empty(), "{:?}", &r.rejected[..r.rejected.len().min(5)]);
    let s = r.remote.expect("summary");
    eprintln!(
        "remote-learning import: {} rows, {} people credited, {} not, {:.2?} ({} courses)",
        r.data_rows,
        s.credited.len(),
        s.not_credited.len(),
        took,
        courses.len()
    );
    assert_eq!(r.data_rows, 20_000);
}
