//! Shared test setup: a desk with an officer, and spreadsheets written by other software
//! (openpyxl, then LibreOffice for .xls and a LibreOffice-rewritten .xlsx).

#![allow(dead_code)]

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::OnceLock,
};

use chrono::DateTime;
use cmedesk_core::{
    Actor, Desk, Operator, Role,
    departments::{self, NewDepartment},
};

pub fn actor() -> Actor {
    Actor::new(
        Operator {
            username: "officer".into(),
            display_name: "科教科".into(),
            role: Role::Admin,
            department_id: None,
        },
        DateTime::parse_from_rfc3339("2026-11-22T10:00:00+08:00").expect("fixed time"),
    )
}

/// A desk with 内科/心血管内科 and 护理部.
pub fn desk() -> Desk {
    let mut desk = Desk::open_in_memory().expect("in-memory desk");
    let a = actor();
    let internal =
        departments::add(&mut desk, &a, NewDepartment { name: "内科".into(), ..Default::default() })
            .expect("内科");
    for (name, parent) in [("心血管内科", Some(internal.id)), ("护理部", None)] {
        departments::add(&mut desk, &a, NewDepartment { name: name.into(), parent_id: parent, sort: None })
            .expect("department");
    }
    desk
}

pub struct Foreign {
    pub dir: PathBuf,
    /// The ID numbers the generator used, in its print order.
    pub ids: Vec<String>,
}

impl Foreign {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what} could not start ({e}); CI needs it installed"));
    assert!(out.status.success(), "{what} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Generates the files once per test binary: openpyxl writes .xlsx, LibreOffice converts them
/// to .xls (`xls/`) and writes the messy roster back as its own .xlsx (`lo/`).
pub fn foreign() -> &'static Foreign {
    static F: OnceLock<Foreign> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir").keep();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/make_foreign.py");
        let ids = run(
            Command::new("python3").arg(&script).arg(&dir),
            "python3 with openpyxl (pip install openpyxl)",
        )
        .lines()
        .map(str::to_string)
        .collect();
        let profile = format!("-env:UserInstallation=file://{}/lo-profile", dir.display());
        run(
            Command::new("soffice")
                .args([&profile, "--headless", "--convert-to", "xls", "--outdir"])
                .arg(dir.join("xls"))
                .args(["roster_messy.xlsx", "approved_list.xlsx", "credit_list.xlsx"].map(|f| dir.join(f))),
            "soffice (apt-get install libreoffice-calc-nogui)",
        );
        run(
            Command::new("soffice")
                .args([&profile, "--headless", "--convert-to", "xlsx", "--outdir"])
                .arg(dir.join("lo"))
                .arg(dir.join("xls/roster_messy.xls")),
            "soffice",
        );
        Foreign { dir, ids }
    })
}
