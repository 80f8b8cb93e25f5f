//! Printing through the real `cmedesk` binary on a real database file: booklets built from the
//! stored credits (every printable row of the person-year back out of `pdftotext`, totals
//! right, revoked and unreviewed credits left out), department / hospital batches, duplex
//! padding, Ctrl-C (SIGINT) leaving only whole files, and signed statements: key file beside
//! the database (0600, never in the database), issue log, QR decoded with `zbarimg`, and
//! `verify` of a file, a code and a short code — genuine, forged and altered.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cmedesk_core::statement::signing_key_from_seed;
use cmedesk_core::{Desk, printouts};
use serde_json::Value;

mod common;
use common::*;

const WQY: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

fn tool(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(out.status.success(), "{cmd} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn pdftotext(path: &Path) -> String {
    tool("pdftotext", &[&path.to_string_lossy(), "-"])
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn pages(path: &Path) -> usize {
    tool("pdfinfo", &[&path.to_string_lossy()])
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").and_then(|v| v.trim().parse().ok()))
        .unwrap_or(0)
}

fn money(hundredths: i64) -> String {
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// A hospital of `staff` people with `per_person` stored credits each in CME year 2026.
fn hospital(dir: &Path, staff: usize, per_person: usize) -> PathBuf {
    let db = dir.join("desk.db");
    let per = per_person.to_string();
    let n = staff.to_string();
    let v = ok(&db, &["demo", "--staff", &n, "--credits-per-person", &per, "--credits-year", "2026"]);
    assert_eq!(v["credits"], staff * per_person);
    db
}

fn active_staff(db: &Path) -> Vec<Value> {
    let v = ok(db, &["staff", "list", "--show-full-id"]);
    v["staff"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s["status"] == "active")
        .collect()
}

#[test]
fn booklet_from_stored_credits_prints_every_row_and_the_totals() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = hospital(dir.path(), 12, 14);
    let people = active_staff(&db);
    let who = people[0]["id"].as_str().expect("id").to_string();
    let name = people[0]["name"].as_str().expect("name").to_string();

    // One credit revoked and one manual credit left as a draft: neither is part of the record.
    let credits = ok(&db, &["credits", "list", "--staff", &who, "--year", "2026"]);
    let revoked = credits["credits"][3]["id"].as_str().expect("credit id").to_string();
    ok(&db, &["credits", "revoke", &revoked, "--reason", "重复录入"]);
    ok(
        &db,
        &[
            "credits",
            "add",
            "--staff",
            &who,
            "--category",
            "paper",
            "--name",
            "草稿论文不应打印",
            "--quantity",
            "1",
            "--hours",
            "0",
            "--date",
            "2026-04-01",
            "--issuer",
            "中华医学杂志",
        ],
    );

    let out = dir.path().join("one");
    let v = ok(
        &db,
        &["booklet", "--staff", &who, "--year", "2026", "--out", &out.to_string_lossy(), "--font", WQY],
    );
    assert_eq!(v["booklets"], 1);
    let file = PathBuf::from(v["files"][0].as_str().expect("file"));
    assert!(file.file_name().is_some_and(|f| f.to_string_lossy().ends_with(&format!("_{name}_2026.pdf"))));
    let text = squash(&pdftotext(&file));

    // The database's own view of this person-year, read directly.
    let conn = cmedesk_core::store::connect(&db).expect("open db");
    let mut stmt = conn
        .prepare(
            "SELECT activity_name, hours_x100, credits_x100, subject, issuer, review_status, revoked_at
             FROM credits WHERE staff_id = ?1 AND cme_year = 2026",
        )
        .expect("prepare");
    type Row = (String, i64, i64, String, String, String, Option<String>);
    let rows: Vec<Row> = stmt
        .query_map([&who], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(rows.len(), 15, "14 stored + 1 draft");
    let printable: Vec<&Row> = rows.iter().filter(|r| r.5 == "approved" && r.6.is_none()).collect();
    assert_eq!(printable.len(), 13);
    // Every printable row is in the PDF, as often as it is in the database (titles repeat).
    let mut names: Vec<&str> = printable.iter().map(|r| r.0.as_str()).collect();
    names.sort();
    names.dedup();
    for n in names {
        let want = printable.iter().filter(|r| r.0 == n).count();
        assert_eq!(text.matches(&squash(n)).count(), want, "{n}");
    }
    let mut cells: Vec<String> =
        printable.iter().map(|r| format!("{}({})", money(r.1), money(r.2))).collect();
    cells.sort();
    cells.dedup();
    for c in &cells {
        let want = printable.iter().filter(|r| format!("{}({})", money(r.1), money(r.2)) == *c).count();
        assert_eq!(text.matches(c.as_str()).count(), want, "{c}");
    }
    for r in &printable {
        assert!(text.contains(&squash(&r.4)), "organizer {}", r.4);
    }
    assert!(!text.contains("草稿论文不应打印"), "a draft manual credit is not printed");
    // Totals from the database, as the booklet prints them.
    let sum = |subject: Option<&str>| -> (i64, i64) {
        printable
            .iter()
            .filter(|r| subject.is_none_or(|s| r.3 == s))
            .fold((0, 0), |(h, c), r| (h + r.1, c + r.2))
    };
    for (label, subject) in
        [("公需科目", Some("general")), ("专业科目", Some("professional")), ("年度累计完成", None)]
    {
        let (h, c) = sum(subject);
        let want = format!("{label}{}学时（{}分）", money(h), money(c));
        assert!(text.contains(&want), "{want} in {text}");
    }
    assert!(text.contains(&format!("姓名：{name}")) && text.contains("年度：2026"));
    let fonts = tool("pdffonts", &[&file.to_string_lossy()]);
    for line in fonts.lines().skip(2).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let n = cols.len();
        assert_eq!(&cols[n - 5..n - 2], ["yes", "yes", "yes"], "embedded subset unicode: {line}");
    }

    // A year without credits still prints, and says so.
    let empty = dir.path().join("empty");
    let v = ok(&db, &["booklet", "--staff", &who, "--year", "2025", "--out", &empty.to_string_lossy()]);
    let text = squash(&pdftotext(&PathBuf::from(v["files"][0].as_str().expect("file"))));
    assert!(text.contains("本年度无学分记录") && text.contains("年度累计完成0.00学时（0.00分）"), "{text}");

    // The core model agrees row for row with what the database holds.
    let desk = Desk::open(&db).expect("desk");
    let model = printouts::booklet(&desk, &who, 2026).expect("model");
    assert_eq!(model.rows.len(), 13);
    assert_eq!(model.totals.year.hours.hundredths(), sum(None).0);
}

#[test]
fn department_and_hospital_batches_duplex_and_ctrl_c() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = hospital(dir.path(), 24, 6);
    let people = active_staff(&db);
    let dept = people[0]["department_name"].as_str().expect("department").to_string();

    let out = dir.path().join("dept");
    let v = ok(&db, &["booklet", "--department", &dept, "--year", "2026", "--out", &out.to_string_lossy()]);
    let total = v["total"].as_u64().expect("total") as usize;
    assert!(total >= 1);
    assert_eq!(v["booklets"], total);
    let files: Vec<String> = std::fs::read_dir(&out)
        .expect("read dir")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    assert_eq!(files.len(), total);
    assert!(
        files.iter().all(|f| f.starts_with(&format!("{dept}_")) && f.ends_with("_2026.pdf")),
        "{files:?}"
    );

    // The whole hospital in combined files of at most 10, padded for duplex printing.
    let out = dir.path().join("all");
    let v = ok(
        &db,
        &[
            "booklet",
            "--all",
            "--year",
            "2026",
            "--out",
            &out.to_string_lossy(),
            "--combined",
            "10",
            "--duplex",
        ],
    );
    let total = v["total"].as_u64().expect("total") as usize;
    assert_eq!(v["booklets"], total);
    let files = v["files"].as_array().expect("files");
    assert_eq!(files.len(), total.div_ceil(10));
    let mut starts = 0;
    for f in files {
        let path = PathBuf::from(f.as_str().expect("path"));
        assert_eq!(pages(&path) % 2, 0, "{path:?} has an even page count");
        starts += pdftotext(&path).matches("第 1 页 / 共").count();
    }
    assert_eq!(starts, total, "every booklet exactly once");

    // Ctrl-C: SIGINT to the real process mid-batch stops it; only whole PDFs remain.
    let out = dir.path().join("cancel");
    let mut child = cmedesk(&db)
        .args(["--json", "booklet", "--all", "--year", "2026", "--threads", "1", "--out"])
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = std::io::BufReader::new(stderr).lines();
    for line in lines.by_ref() {
        let line = line.expect("line");
        let progress: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        if progress["progress"]["done"].as_u64().unwrap_or(0) >= 2 {
            break;
        }
    }
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-INT", &pid]).status().expect("kill").success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(1), "cancelled batch exits 1: {rest:?}");
    let v: Value = serde_json::from_slice(&output.stdout).expect("json report");
    assert_eq!(v["cancelled"], true);
    let written = v["booklets"].as_u64().expect("booklets") as usize;
    assert!(written >= 2 && written < v["total"].as_u64().unwrap_or(0) as usize, "{v}");
    let on_disk: Vec<PathBuf> =
        std::fs::read_dir(&out).expect("dir").filter_map(|e| e.ok().map(|e| e.path())).collect();
    assert_eq!(on_disk.len(), written, "{on_disk:?}");
    for p in &on_disk {
        assert!(p.extension().is_some_and(|e| e == "pdf"), "no partial file: {p:?}");
        assert!(pages(p) >= 1, "{p:?} is a whole PDF");
    }
}

#[test]
fn statements_are_signed_logged_and_verified() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = hospital(dir.path(), 6, 5);
    assert_eq!(ok(&db, &["unit"])["unit"], "");
    assert_eq!(ok(&db, &["unit", "示例县中医院"])["unit"], "示例县中医院");
    let people = active_staff(&db);
    let who = people[1]["id"].as_str().expect("id").to_string();
    let id_number = people[1]["id_number"].as_str().expect("id number").to_string();

    let file = dir.path().join("明细表.pdf");
    let s = ok(&db, &["statement", "--staff", &who, "--year", "2026", "--out", &file.to_string_lossy()]);
    let code = s["code"].as_str().expect("code").to_string();
    let short = s["short_code"].as_str().expect("short").to_string();
    assert_eq!(s["key_created"], true);
    assert_eq!(s["rows"], 5);

    // The key: beside the database, 0600, and nowhere in the database or its WAL.
    let key_file = dir.path().join("statement-signing.key");
    let key_text = std::fs::read_to_string(&key_file).expect("key file");
    let secret = key_text.lines().nth(1).expect("secret line").to_string();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key_file).expect("meta").permissions().mode() & 0o777, 0o600);
    }
    for f in ["desk.db", "desk.db-wal"] {
        let bytes = std::fs::read(dir.path().join(f)).unwrap_or_default();
        let hex = secret.as_bytes();
        assert!(!bytes.windows(hex.len()).any(|w| w == hex), "secret key found in {f}");
    }
    let shown = ok(&db, &["key", "show"]);
    assert_eq!(shown["key_id"], s["key_id"]);
    assert_eq!(shown["created"], false, "generated once");

    // The printout: masked ID, the code under the QR, and the QR itself decodes to the code.
    let text = pdftotext(&file);
    assert!(text.contains(&format!("{}**********{}", &id_number[..4], &id_number[14..])));
    assert!(!text.contains(&id_number));
    assert!(squash(&text).contains(&code));
    assert!(text.contains(&format!("验证码：{short}")));
    assert!(text.contains("示例县中医院"), "the unit set with `cmedesk unit`");
    let png = dir.path().join("page");
    tool(
        "pdftoppm",
        &["-png", "-r", "200", "-f", "1", "-l", "1", &file.to_string_lossy(), &png.to_string_lossy()],
    );
    let scanned = tool("zbarimg", &["--raw", "-q", &dir.path().join("page-1.png").to_string_lossy()]);
    assert_eq!(scanned.trim(), code);

    // verify: the file, the full code, the short code (typed sloppily), each genuine.
    let v = ok(&db, &["verify", &file.to_string_lossy()]);
    assert_eq!(v["verdict"], "genuine", "{v}");
    assert_eq!(v["issue"]["short_code"], short.as_str());
    assert_eq!(ok(&db, &["verify", &code])["verdict"], "genuine");
    let typed = short.to_lowercase().replace('-', " ");
    let v = ok(&db, &["verify", &typed]);
    assert_eq!((v["verdict"].as_str(), v["input"].as_str()), (Some("genuine"), Some("short_code")));
    let (exit, v) = run(&db, &["verify", "ABCDE-FGHJK-MNPQR-STVWX"]);
    assert_eq!((exit, v["verdict"].as_str()), (1, Some("forged")));

    // Altered: the same genuine code on a re-made printout with one row's credits raised.
    let desk = Desk::open(&db).expect("desk");
    let now = chrono::DateTime::parse_from_rfc3339(NOW).expect("now");
    let original = printouts::statement(&desk, &who, 2026, false, now).expect("statement");
    let signed = cmedesk_core::statement::VerificationCode::parse(&code).expect("code");
    assert_eq!(
        signed.verify_statement(&original, &[]).err().map(|e| e.code()),
        Some("STATEMENT_KEY_UNKNOWN")
    );
    let fonts = cmedesk_print::discover(None).expect("fonts");
    let mut altered = original.clone();
    altered.rows[0].credits = cmedesk_core::booklet::Amount::from_hundredths(2500);
    let bytes = cmedesk_print::Printer::new(fonts.clone()).statement_pdf(&altered, &signed).expect("pdf");
    let altered_file = dir.path().join("altered.pdf");
    std::fs::write(&altered_file, bytes).expect("write");
    let (exit, v) = run(&db, &["verify", &altered_file.to_string_lossy()]);
    assert_eq!((exit, v["verdict"].as_str()), (1, Some("altered")), "{v}");

    // Forged: signed by a key this desk does not trust; trusted once its public key is given.
    let other = signing_key_from_seed(&[9u8; 32]);
    let foreign_code = original.sign(&other).expect("sign");
    let bytes = cmedesk_print::Printer::new(fonts).statement_pdf(&original, &foreign_code).expect("pdf");
    let foreign = dir.path().join("foreign.pdf");
    std::fs::write(&foreign, bytes).expect("write");
    let (exit, v) = run(&db, &["verify", &foreign.to_string_lossy()]);
    assert_eq!((exit, v["verdict"].as_str()), (1, Some("forged")), "{v}");
    let public = dir.path().join("other.pub");
    std::fs::write(&public, cmedesk_print::signing_key::public_key_text(&other.verifying_key()))
        .expect("write");
    let v = ok(&db, &["verify", &foreign.to_string_lossy(), "--trust", &public.to_string_lossy()]);
    assert_eq!(v["verdict"], "genuine");

    // Export of this desk's public key lets another desk (no database, no key) verify.
    let exported = dir.path().join("desk.pub");
    ok(&db, &["key", "export", "--out", &exported.to_string_lossy()]);
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let other_db = elsewhere.path().join("none.db");
    let v = ok(&other_db, &["verify", &file.to_string_lossy(), "--trust", &exported.to_string_lossy()]);
    assert_eq!(v["verdict"], "genuine");
    let (exit, v) = run(&other_db, &["verify", &file.to_string_lossy()]);
    assert_eq!((exit, v["verdict"].as_str()), (1, Some("forged")), "unknown key without --trust");

    // --show-full-id prints the whole number (an explicit choice) and is logged as a new issue.
    let full = dir.path().join("full.pdf");
    let s2 = ok(
        &db,
        &["statement", "--staff", &who, "--year", "2026", "--out", &full.to_string_lossy(), "--show-full-id"],
    );
    assert_ne!(s2["short_code"], s["short_code"]);
    assert!(pdftotext(&full).contains(&id_number));
    let conn = cmedesk_core::store::connect(&db).expect("open");
    let logged: i64 = conn
        .query_row("SELECT COUNT(*) FROM statement_issues WHERE staff_id = ?1", [&who], |r| r.get(0))
        .expect("count");
    assert_eq!(logged, 2);
    let audited: i64 = conn
        .query_row("SELECT COUNT(*) FROM audit_log WHERE entity = 'statement_issue'", [], |r| r.get(0))
        .expect("audit");
    assert_eq!(audited, 2, "each issue goes through Desk::change (audit + outbox)");
}

#[test]
fn bench_booklets_prints_through_the_real_command_and_reports_its_own_peak_memory() {
    let dir = tempfile::tempdir().unwrap();
    let v = ok(
        &dir.path().join("unused.db"),
        &["bench", "booklets", "--staff", "12", "--credits-per-person", "4"],
    );
    assert_eq!(v["booklets"], 12, "{v}");
    assert_eq!(v["files"], 12, "{v}");
    // The child's own high-water mark: a process that opened a database and drew PDFs holds
    // megabytes, and far less than the issue's 150 MiB for 12 people.
    let peak = v["peak_rss_mib"].as_f64().expect("peak_rss_mib");
    assert!((5.0..150.0).contains(&peak), "peak {peak} MiB");
    assert!(v["from_store"]["wall_s"].as_f64().unwrap() > 0.0, "{v}");
    assert!(v["from_store"]["cpu_s"].as_f64().unwrap() > 0.0, "{v}");
}
