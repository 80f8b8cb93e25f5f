//! A real exchange server for the sync tests: `cmedesk hub serve` on a free loopback port over a
//! hub database file, killed when dropped, and a bare HTTP GET to look at its answers.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Stdio},
};

use serde_json::Value;

use super::{cmedesk, ok};

pub struct ServedHub {
    child: Child,
    /// `127.0.0.1:PORT`, as the hub printed it.
    pub addr: String,
    pub db: PathBuf,
}

impl ServedHub {
    /// Starts serving `db` and waits for the hub's `listening on ADDR` line.
    pub fn start(db: &Path) -> ServedHub {
        let mut child = cmedesk(db)
            .args(["hub", "serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let addr = line.trim().strip_prefix("listening on ").unwrap().to_string();
        ServedHub { child, addr, db: db.to_path_buf() }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Enrols the desk at `desk` (its site id from `sync status`) and returns its token.
    pub fn enrol(&self, desk: &Path) -> String {
        let site = ok(desk, &["sync", "status"])["site_id"].as_str().unwrap().to_string();
        ok(&self.db, &["hub", "enrol", "--site", &site])["token"].as_str().unwrap().to_string()
    }

    /// Stops the hub now (dropping it does the same).
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServedHub {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `GET path` with a desk token; (status, JSON body — Null when the body is not JSON).
pub fn http_get(addr: &str, path: &str, token: &str) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = Vec::new();
    s.read_to_end(&mut reply).unwrap();
    let reply = String::from_utf8(reply).unwrap();
    let status = reply[9..12].parse().unwrap();
    let body = &reply[reply.find("\r\n\r\n").unwrap() + 4..];
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}
