//! Shared helpers for the core's integration tests: a fixed clock, actors per role, and a dump
//! of the whole database to prove that a refused operation changed nothing.

#![allow(dead_code)]

pub mod sync;

use chrono::{DateTime, FixedOffset};
use cmedesk_core::{Actor, Desk, Operator, Role};

pub fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-22T10:00:00+08:00").unwrap()
}

pub fn actor(role: Role) -> Actor {
    Actor::new(
        Operator {
            username: role.as_str().into(),
            display_name: role.label_zh().into(),
            role,
            department_id: None,
        },
        now(),
    )
}

pub fn admin() -> Actor {
    actor(Role::Admin)
}

/// Every table's rows by table name, each row its values joined by `|`, sorted (some tables have
/// no rowid, so sorting is what makes the order stable).
pub fn table_rows(desk: &Desk) -> std::collections::BTreeMap<String, Vec<String>> {
    let conn = desk.conn();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = std::collections::BTreeMap::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                Ok((0..n).map(|i| format!("{:?}", r.get_ref(i).unwrap())).collect::<Vec<_>>().join("|"))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        rows.sort();
        out.insert(t, rows);
    }
    out
}

/// Every row of every table, in a stable textual form: `table|value|value…` per line.
pub fn dump(desk: &Desk) -> String {
    let mut out = String::new();
    for (t, rows) in table_rows(desk) {
        for row in rows {
            out.push_str(&format!("{t}|{row}\n"));
        }
    }
    out
}

pub fn count(desk: &Desk, table: &str) -> i64 {
    desk.conn().query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

/// A small desk: two departments and one approved national project.
pub struct Small {
    pub desk: Desk,
    pub cardiology: String,
    pub nursing: String,
    pub approved_code: String,
}

pub fn small() -> Small {
    use cmedesk_core::{approved_projects, departments};
    let mut desk = Desk::open_in_memory().unwrap();
    let a = admin();
    let internal = departments::add(
        &mut desk,
        &a,
        departments::NewDepartment { name: "内科".into(), ..Default::default() },
    )
    .unwrap();
    let cardiology = departments::add(
        &mut desk,
        &a,
        departments::NewDepartment {
            name: "心血管内科".into(), parent_id: Some(internal.id), sort: None
        },
    )
    .unwrap()
    .id;
    let nursing = departments::add(
        &mut desk,
        &a,
        departments::NewDepartment { name: "护理部".into(), ..Default::default() },
    )
    .unwrap()
    .id;
    approved_projects::add(
        &mut desk,
        &a,
        approved_projects::NewApprovedProject {
            code: "2026-04-08-186（国）".into(),
            year: 2026,
            name: "急性心肌梗死规范化救治进展学习班".into(),
            credits: 4.0,
            total_hours: 12.0,
            ..Default::default()
        },
    )
    .unwrap();
    Small { desk, cardiology, nursing, approved_code: "2026-04-08-186(国)".into() }
}
