//! A PostgreSQL cluster of the test's own for the hub's PostgreSQL tests.

#![allow(dead_code)]

use std::{
    path::{Path, PathBuf},
    process::Command,
};

/// A PostgreSQL cluster of our own, stopped (by its data folder) when dropped.
pub struct PgCluster {
    _dir: tempfile::TempDir,
    data: PathBuf,
    port: u16,
    pg_ctl: PathBuf,
}

pub fn pg_bin(name: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(name))
        .find(|p| p.is_file());
    on_path.or_else(|| {
        let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| Some(e.ok()?.path().join("bin").join(name)))
            .filter(|p| p.is_file())
            .collect();
        found.sort();
        found.pop()
    })
}

pub fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Runs a PostgreSQL program, as the `postgres` user when we are root.
pub fn pg_command(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

impl PgCluster {
    /// `None` (with a message) when PostgreSQL is not installed.
    pub fn start(extra: &[&str]) -> Option<PgCluster> {
        let (Some(initdb), Some(pg_ctl)) = (pg_bin("initdb"), pg_bin("pg_ctl")) else {
            eprintln!("SKIPPED: PostgreSQL binaries (initdb, pg_ctl) not found; run scripts/setup-debian.sh");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        if is_root() {
            let st =
                Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()).status().unwrap();
            assert!(st.success(), "chown the cluster folder to postgres");
        }
        let data = dir.path().join("data");
        let out = pg_command(&initdb)
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
            .output()
            .unwrap();
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=50 {}",
            dir.path().display(),
            extra.join(" ")
        );
        let out = pg_command(&pg_ctl)
            .arg("-D")
            .arg(&data)
            .args(["-o", &opts, "-l"])
            .arg(dir.path().join("log"))
            .args(["-w", "start"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl start: {} {}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(dir.path().join("log")).unwrap_or_default()
        );
        Some(PgCluster { _dir: dir, data, port, pg_ctl })
    }

    pub fn url(&self, db: &str) -> String {
        format!("host=127.0.0.1 port={} user=postgres dbname={db}", self.port)
    }

    pub fn create_db(&self, name: &str) -> String {
        let mut c = postgres::Client::connect(&self.url("postgres"), postgres::NoTls).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        self.url(name)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ =
            pg_command(&self.pg_ctl).arg("-D").arg(&self.data).args(["-m", "fast", "-w", "stop"]).output();
    }
}

/// Incremental sync rounds of a real desk database: 10 changes (new departments), then one
/// `sync_desk` (push, then pull to the head). Returns the round times, sorted.
pub async fn desk_rounds(base: &str, enrol: impl Fn(&str) -> String) -> Vec<std::time::Duration> {
    use cmedesk_core::{Actor, Desk, Operator, Role, departments};
    let dir = tempfile::tempdir().unwrap();
    let mut desk = Desk::create(&dir.path().join("desk.db")).unwrap();
    let token = enrol(desk.site_id());
    let client = cmedesk_sync::Client::new(base, &token, std::time::Duration::from_secs(60)).unwrap();
    let opts = cmedesk_sync::SyncOptions::default();
    let now = "2026-11-22T10:00:00+08:00";
    let operator = Operator {
        username: "admin".into(),
        display_name: "管理员".into(),
        role: Role::Admin,
        department_id: None,
    };
    let actor = Actor::new(operator, chrono::DateTime::parse_from_rfc3339(now).unwrap());
    let mut times = Vec::new();
    for round in 0..7 {
        for i in 0..10 {
            let new = departments::NewDepartment { name: format!("科室{round}-{i}"), ..Default::default() };
            departments::add(&mut desk, &actor, new).unwrap();
        }
        let t = std::time::Instant::now();
        let r = cmedesk_sync::sync_desk(&client, &desk, &opts, now).await.unwrap();
        times.push(t.elapsed());
        assert_eq!((r.pushed, r.pulled), (10, 10), "{r:?}");
    }
    times.sort();
    times
}
