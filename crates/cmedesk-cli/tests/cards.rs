//! `cmedesk ports` and `cmedesk sim` as scripts use them: the simulator prints its path first,
//! a real driver reads the scripted card from it, and script errors carry stable codes.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use cmedesk_cards::{PortLocator, ReaderConfig, ReaderEvent, ReaderHandle, ReaderKind};
use serde_json::Value;

fn cmedesk() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cmedesk"));
    c.env("RUST_BACKTRACE", "0");
    c
}

#[test]
fn ports_lists_as_json() {
    let out = cmedesk().args(["--json", "ports"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(v.is_array(), "{v}");
}

#[test]
fn sim_prints_its_path_and_plays_the_script() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("em.txt");
    std::fs::write(&script, "# a card after the reader connected\nwait 400\nplace 67003B51C6\nwait 600\n")
        .expect("script");
    let mut child = cmedesk()
        .args(["--json", "sim", "em4100", "--once", "--script"])
        .arg(&script)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first: Value =
        serde_json::from_str(&lines.next().expect("a line").expect("utf-8")).expect("JSON line");
    assert_eq!(first["event"], "plugged");
    let path = first["path"].as_str().expect("path").to_string();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader =
        ReaderHandle::spawn(ReaderConfig::new("cli", ReaderKind::Em4100, PortLocator::Path(path)), tx)
            .expect("reader");
    let card = loop {
        match rx.recv_timeout(Duration::from_secs(5)).expect("an event") {
            ReaderEvent::Card(c) => break c,
            _ => continue,
        }
    };
    assert_eq!(card.card_key, "em:67003B51C6");
    reader.stop();
    let status = child.wait().expect("exits");
    assert!(status.success());
    let rest: String = lines.map_while(Result::ok).collect();
    let done: Value = serde_json::from_str(&rest).expect("final JSON");
    assert_eq!(done["event"], "done");
}

#[test]
fn sim_script_errors_name_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("bad.txt");
    std::fs::write(&script, "place 11010519491231002X\nwiggle 3\n").expect("script");
    let out =
        cmedesk().args(["--json", "sim", "sam", "--once", "--script"]).arg(&script).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["error"]["code"], "SIM_SCRIPT");
    assert!(v["error"]["message_zh"].as_str().unwrap_or_default().contains("第 2 行"), "{v}");
}
