//! The credits commands end to end on a real database file: manual entry with an evidence file,
//! department-free hospital review, listing, revocation, exemptions, compliance and forecast in
//! JSON, the rule sets, and errors with stable codes.

mod common;

use common::*;

#[test]
fn manual_credit_review_compliance_and_forecast() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("desk.db");
    ok(&db, &["demo", "--staff", "60"]);
    let staff = ok(&db, &["staff", "list"]);
    let people: Vec<String> = staff["staff"]
        .as_array()
        .expect("staff array")
        .iter()
        .filter(|s| s["status"] == "active")
        .map(|s| s["id"].as_str().expect("id").to_string())
        .collect();
    let who = people[0].as_str();
    let evidence = dir.path().join("期刊封面.pdf");
    std::fs::write(&evidence, b"%PDF-1.4 synthetic").expect("write evidence");

    // 2 articles at 2 credits each = 4 credits, submitted with its evidence.
    let m = ok(
        &db,
        &[
            "credits",
            "add",
            "--staff",
            who,
            "--category",
            "paper",
            "--name",
            "基层慢病管理研究",
            "--quantity",
            "2",
            "--hours",
            "0",
            "--date",
            "2026-04-01",
            "--issuer",
            "中华医学杂志",
            "--evidence",
            evidence.to_str().expect("utf-8 path"),
            "--submit",
        ],
    );
    let id = m["credit"]["id"].as_str().expect("credit id").to_string();
    assert_eq!(m["credit"]["credits"], 4.0);
    assert_eq!(m["trail"]["status"], "pending");
    assert_eq!(m["form"]["evidence"][0]["size"], 18);
    assert_eq!(
        err_code(&db, &["credits", "review", &id, "--decision", "approve"]),
        "REVIEW_AWAITING_DEPARTMENT"
    );
    assert_eq!(
        err_code(&db, &["credits", "review", &id, "--decision", "return", "--skip-department"]),
        "REASON_REQUIRED"
    );
    let r = ok(&db, &["credits", "review", &id, "--decision", "approve", "--skip-department"]);
    assert_eq!(r["credit"]["review_status"], "approved");

    // A platform-only category cannot be typed in; V-1 limits hold.
    assert_eq!(
        err_code(
            &db,
            &[
                "credits",
                "add",
                "--staff",
                who,
                "--category",
                "remote",
                "--name",
                "x",
                "--credits",
                "5",
                "--date",
                "2026-04-01",
                "--issuer",
                "华医网"
            ]
        ),
        "CATEGORY_PLATFORM_ONLY"
    );
    assert_eq!(
        err_code(
            &db,
            &[
                "credits",
                "add",
                "--staff",
                who,
                "--category",
                "project-national",
                "--name",
                "x",
                "--credits",
                "5",
                "--hours",
                "151",
                "--date",
                "2026-04-01",
                "--issuer",
                "x"
            ]
        ),
        "AMOUNT_TOO_LARGE"
    );

    let list = ok(&db, &["credits", "list", "--staff", who, "--year", "2026"]);
    assert_eq!(list["credits"].as_array().expect("list").len(), 1);

    // Compliance: the person has 4 credits, 21 short; an exempt colleague is 不计达标.
    ok(&db, &["credits", "exempt", &people[1], "--year", "2026", "--reason", "援外医疗"]);
    let c = ok(&db, &["compliance", "--year", "2026"]);
    let person = |id: &str| {
        c["people"].as_array().expect("people").iter().find(|p| p["staff_id"] == id).expect("person").clone()
    };
    assert_eq!(person(who)["totals"]["credits"], 4.0);
    assert_eq!(person(who)["gaps"][0]["requirement"], "credits");
    assert_eq!(person(who)["gaps"][0]["missing"], 21.0);
    assert_eq!(person(&people[1])["status"], "exempt");
    assert_eq!(c["rule_set"], "national-2024");
    assert!(c["departments"].as_array().is_some_and(|d| !d.is_empty()));

    // Revoked credits no longer count; the forecast sees the gap.
    ok(&db, &["credits", "revoke", &id, "--reason", "重复登记"]);
    assert_eq!(err_code(&db, &["credits", "revoke", &id, "--reason", "again"]), "CREDIT_ALREADY_REVOKED");
    let f = ok(&db, &["forecast", "--year", "2026", "--as-of", "2026-09-01"]);
    let fp = f["people"]
        .as_array()
        .expect("people")
        .iter()
        .find(|p| p["staff_id"] == who)
        .expect("person")
        .clone();
    assert_eq!(fp["outlook"], "at_risk");
    assert_eq!(fp["days_left"], 121);
}

#[test]
fn analysis_grant_and_rule_sets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("desk.db");
    ok(&db, &["demo", "--staff", "40"]);
    let projects = ok(&db, &["project", "list"]);
    let code = projects["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .find(|p| p["state"] == "held")
        .and_then(|p| p["code"].as_str())
        .expect("a held project")
        .to_string();
    let a = ok(&db, &["attendance", "analyze", "--project", &code]);
    assert!(a["analysis"]["people"].is_array());
    assert_eq!(a["project"]["code"], code.as_str());
    let g = ok(&db, &["credits", "grant", "--project", &code, "--strategy", "all-courses-full"]);
    assert_eq!(g["saved"]["inserted"].as_u64(), Some(a["analysis"]["valid_count"].as_u64().expect("count")));
    let again = ok(&db, &["credits", "grant", "--project", &code, "--strategy", "all-courses-full"]);
    assert_eq!(again["saved"]["inserted"], 0);
    assert_eq!(
        err_code(&db, &["credits", "grant", "--project", &code, "--strategy", "everyone"]),
        "GRANT_STRATEGY_INVALID"
    );
    assert_eq!(
        err_code(&db, &["credits", "grant", "--project", &code, "--strategy", "at-least-1-swipes"]),
        "GRANT_STRATEGY_INVALID"
    );

    let r = ok(&db, &["credits", "rules", "--year", "2026", "--use", "province-example"]);
    assert_eq!(r["rule_sets"].as_array().expect("sets").len(), 4);
    let c = ok(&db, &["compliance", "--year", "2026"]);
    assert_eq!(c["rule_set"], "province-example");
    assert_eq!(c["year"]["starts_on"], "2025-10-01");
    assert_eq!(
        err_code(&db, &["credits", "rules", "--year", "2040", "--use", "national-2024"]),
        "RULE_YEAR_UNKNOWN"
    );
}
