//! `cmedesk import`, `export` and `templates` as scripts use them: JSON replies, exit codes,
//! all-or-nothing imports with rejected rows named by their Excel row, and the error report.

mod common;

use std::path::Path;

use common::*;

#[test]
fn templates_list_names_all_eight() {
    let dir = tempfile::tempdir().unwrap();
    let v = ok(&dir.path().join("none.db"), &["templates", "list"]);
    let names: Vec<&str> =
        v["templates"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "staff-roster",
            "approved-projects",
            "credit-list",
            "annual-review",
            "attendance-detail",
            "compliance-report",
            "remote-learning",
            "remote-credit-upload"
        ]
    );
    let importable: Vec<bool> =
        v["templates"].as_array().unwrap().iter().map(|t| t["importable"].as_bool().unwrap()).collect();
    assert_eq!(importable, [true, true, false, false, false, false, true, false]);
    let remote = &v["templates"][6];
    assert_eq!(
        (remote["name"].as_str(), remote["needs_project"].as_bool()),
        (Some("remote-learning"), Some(true))
    );
    assert!(v["templates"][2]["import_note"].as_str().unwrap().contains("不能导入"));
}

/// `cmedesk import remote-learning FILE --project CODE [--dry-run] --json` on the demo hospital:
/// the dry run names who would get credits (ID numbers masked), the import stores them once.
#[test]
fn remote_learning_import_for_a_project() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo.db");
    ok(&demo, &["demo", "--staff", "20"]);
    let projects = ok(&demo, &["project", "list"]);
    let code = projects["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_string())
        .find(|c| ok(&demo, &["project", "show", c])["project"]["exam_required"] == false)
        .expect("a project without exam");
    let show = ok(&demo, &["project", "show", &code]);
    let courses: Vec<&str> =
        show["courses"].as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap()).collect();
    let staff = ok(&demo, &["staff", "list", "--show-full-id"]);
    let person = |i: usize| {
        (staff["staff"][i]["name"].as_str().unwrap(), staff["staff"][i]["id_number"].as_str().unwrap())
    };
    let (done, short) = (person(0), person(1));
    let mut rows = Vec::new();
    for c in &courses {
        rows.push(serde_json::json!([
            "华西云课堂",
            done.0,
            done.1,
            code,
            c,
            "点播",
            30,
            null,
            null,
            null,
            null
        ]));
        rows.push(serde_json::json!([
            "华西云课堂",
            short.0,
            short.1,
            code,
            c,
            "点播",
            10,
            null,
            null,
            null,
            null
        ]));
    }
    let spec = dir.path().join("spec.json");
    std::fs::write(
        &spec,
        serde_json::json!({
            "sheet": "学习记录", "title": "远程学习记录",
            "header": ["平台", "姓名", "身份证号", "项目编号", "课程名称", "学习方式", "学习时长(分钟)", "签到", "签退", "考试通过", "学习日期"],
            "rows": rows,
        })
        .to_string(),
    )
    .unwrap();
    let file = dir.path().join("remote.xlsx");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cmedesk-sheets/tests/support/write_rows.py");
    assert!(
        std::process::Command::new("python3").arg(script).arg(&spec).arg(&file).status().unwrap().success()
    );
    let f = file.to_str().unwrap();
    let (code_missing, _) = err(&demo, &["import", "remote-learning", f, "--dry-run"]);
    assert_eq!(code_missing, "PROJECT_REQUIRED");
    let dry = ok(&demo, &["import", "remote-learning", f, "--project", &code, "--dry-run"]);
    assert_eq!(dry["remote"]["credited"][0]["name"], done.0);
    let masked = dry["remote"]["credited"][0]["id_number"].as_str().unwrap();
    assert!(masked.contains('*') && masked != done.1, "masked without --show-full-id: {masked}");
    assert_eq!(dry["remote"]["not_credited"][0]["name"], short.0);
    assert!(dry["remote"]["not_credited"][0]["reasons"][0].as_str().unwrap().contains("不足30分钟"));
    assert!(dry["remote"]["saved"].is_null());
    let done_import = ok(&demo, &["import", "remote-learning", f, "--project", &code]);
    assert_eq!(done_import["remote"]["saved"]["inserted"], 1);
    let again = ok(&demo, &["import", "remote-learning", f, "--project", &code]);
    assert_eq!(
        (again["remote"]["saved"]["inserted"].as_u64(), again["remote"]["saved"]["unchanged"].as_u64()),
        (Some(0), Some(1))
    );
}

#[test]
fn export_then_import_elsewhere_all_or_nothing_with_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo.db");
    ok(&demo, &["demo", "--staff", "60"]);
    let roster = dir.path().join("roster.xlsx");
    let approved = dir.path().join("approved.xlsx");
    // Full ID numbers (an admin, audited) so the file can be imported elsewhere.
    let v = ok(&demo, &["export", "staff-roster", "--show-full-id", "--out", roster.to_str().unwrap()]);
    assert_eq!(v["rows"], 60);
    let v = ok(&demo, &["export", "approved-projects", "--out", approved.to_str().unwrap()]);
    let approved_rows = v["rows"].as_u64().unwrap();
    assert_eq!(approved_rows, 44);
    let dept = dir.path().join("dept.xlsx");
    let some = ok(
        &demo,
        &[
            "export",
            "staff-roster",
            "--show-full-id",
            "--department",
            "护理部",
            "--out",
            dept.to_str().unwrap(),
        ],
    );
    assert!(some["rows"].as_u64().unwrap() < 60);

    // A fresh desk takes the approved list: dry run first, then the commit.
    let fresh = dir.path().join("fresh.db");
    ok(&fresh, &["init"]);
    let v = ok(&fresh, &["import", "approved-projects", approved.to_str().unwrap(), "--dry-run"]);
    assert_eq!((v["imported"].as_u64(), v["ready"].as_u64()), (Some(0), Some(approved_rows)));
    assert_eq!(ok(&fresh, &["approved", "list"])["count"], 0, "a dry run writes nothing");
    let v = ok(&fresh, &["import", "approved-projects", approved.to_str().unwrap()]);
    assert_eq!(v["imported"].as_u64(), Some(approved_rows));
    assert_eq!(ok(&fresh, &["approved", "list"])["count"].as_u64(), Some(approved_rows));

    // The same file again: every row is rejected by its Excel row, exit 1, report written.
    let report = dir.path().join("errors.xlsx");
    let (code, v) = run(
        &fresh,
        &["import", "approved-projects", approved.to_str().unwrap(), "--report", report.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["imported"], 0);
    let rejected = v["rejected"].as_array().unwrap();
    assert_eq!(rejected.len() as u64, approved_rows);
    assert_eq!(rejected[0]["row"], 2, "the first data row under the header");
    assert_eq!(rejected[0]["column"], "项目编号（B列）");
    assert!(rejected[0]["reason"].as_str().unwrap().contains("已在项目目录中"));
    assert!(report.exists());
    assert!(v["warnings"].is_array());

    // Roster rows need the departments: the fresh desk has none, so nothing goes in.
    let (code, v) = run(&fresh, &["import", "staff-roster", roster.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(v["imported"], 0);
    assert!(v["rejected"][0]["reason"].as_str().unwrap().contains("未找到科室"));
    assert_eq!(ok(&fresh, &["staff", "list"])["count"], 0);
}

#[test]
fn refusals_are_json_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    ok(&db, &["init"]);
    let (code, v) = run(&db, &["import", "no-such", "x.xlsx"]);
    assert_eq!((code, v["error"]["code"].as_str()), (1, Some("UNKNOWN_TEMPLATE")));
    let (code, v) = run(&db, &["import", "staff-roster", dir.path().join("missing.xlsx").to_str().unwrap()]);
    assert_eq!((code, v["error"]["code"].as_str()), (1, Some("SHEET_READ")));
    let out = dir.path().join("c.xlsx");
    let (code, v) = run(&db, &["export", "remote-learning", "--out", out.to_str().unwrap()]);
    assert_eq!((code, v["error"]["code"].as_str()), (1, Some("TEMPLATE_NOT_EXPORTABLE")));
    // 考勤明细 is per project: without one it says so, with an unknown one it names it.
    let (code, v) = run(&db, &["export", "attendance-detail", "--out", out.to_str().unwrap()]);
    assert_eq!((code, v["error"]["code"].as_str()), (1, Some("PROJECT_REQUIRED")));
    assert!(v["error"]["message"].as_str().unwrap().contains("请指定项目"), "{v}");
    let (code, v) = run(
        &db,
        &["export", "attendance-detail", "--project", "2026-99-99-999(省)", "--out", out.to_str().unwrap()],
    );
    assert_eq!((code, v["error"]["code"].as_str()), (1, Some("NOT_FOUND")), "{v}");
    assert!(!out.exists(), "no file for a refused export");
    let (code, v) = run(&db, &["export", "annual-review", "--out", out.to_str().unwrap()]);
    assert_eq!((code, v["error"]["code"].as_str()), (1, Some("YEAR_REQUIRED")));
}

/// Writes an approved list whose code column is headed `项目代码`, a header the template does
/// not know.
fn odd_approved(path: &Path, codes: &[&str]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["项目代码", "项目名称", "学分", "学时"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, code) in codes.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, *code).unwrap();
        ws.write_string(r, 1, format!("心血管进展学习班{r}")).unwrap();
        ws.write_number(r, 2, 5.0).unwrap();
        ws.write_number(r, 3, 20.0).unwrap();
    }
    wb.save(path).unwrap();
}

/// A header mapped once with `--map` is remembered: the next file with the same header imports
/// without it; `templates mappings` lists it, `templates unmap` forgets it.
#[test]
fn unknown_header_mapped_once_is_remembered() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    ok(&db, &["init"]);
    let (first, second) = (dir.path().join("a.xlsx"), dir.path().join("b.xlsx"));
    odd_approved(&first, &["2026-01-01-001(国)", "2026-01-01-002(国)"]);
    odd_approved(&second, &["2026-01-01-003(国)"]);
    let (code, v) = run(&db, &["import", "approved-projects", first.to_str().unwrap()]);
    assert_eq!((code, v["error"]["code"].as_str()), (1, Some("MISSING_COLUMNS")), "{v}");

    // A dry run with --map reads the header but remembers nothing.
    let v = ok(
        &db,
        &["import", "approved-projects", first.to_str().unwrap(), "--dry-run", "--map", "项目代码=code"],
    );
    assert_eq!(v["ready"], 2);
    assert_eq!(ok(&db, &["templates", "mappings"])["count"], 0);
    let (code, v) =
        run(&db, &["import", "approved-projects", first.to_str().unwrap(), "--map", "项目代码=no_such"]);
    assert_eq!((code, v["error"]["code"].as_str()), (1, Some("UNKNOWN_TEMPLATE_FIELD")), "{v}");
    let (code, v) = run(&db, &["import", "approved-projects", first.to_str().unwrap(), "--map", "项目代码"]);
    assert_eq!((code, v["error"]["code"].as_str()), (1, Some("BAD_HEADER_MAPPING")), "{v}");

    let v = ok(&db, &["import", "approved-projects", first.to_str().unwrap(), "--map", "项目 代码=code"]);
    assert_eq!(v["imported"], 2);
    let v = ok(&db, &["templates", "mappings", "approved-projects"]);
    assert_eq!(v["count"], 1);
    assert_eq!(
        (v["mappings"][0]["header"].as_str(), v["mappings"][0]["field"].as_str()),
        (Some("项目代码"), Some("code"))
    );
    let v = ok(&db, &["import", "approved-projects", second.to_str().unwrap()]);
    assert_eq!(v["imported"], 1, "the remembered mapping is used: {v}");
    assert_eq!(ok(&db, &["approved", "list"])["count"], 3);

    ok(&db, &["templates", "unmap", "approved-projects", "项目代码"]);
    let (code, v) = run(&db, &["import", "approved-projects", second.to_str().unwrap(), "--dry-run"]);
    assert_eq!((code, v["error"]["code"].as_str()), (1, Some("MISSING_COLUMNS")), "{v}");
    let v = ok(&db, &["templates", "map", "approved-projects", "项目代码=code"]);
    assert_eq!(v["field"], "code");
    let (code, v) = run(&db, &["templates", "map", "approved-projects", "项目代码=nope"]);
    assert_eq!((code, v["error"]["code"].as_str()), (1, Some("UNKNOWN_TEMPLATE_FIELD")), "{v}");
}
