//! The demo scripts and the sample vendor log in `fixtures/cards` stay valid: scripts parse,
//! the SAM demo uses checksum-valid synthetic ID numbers, the log imports without errors.

use cmedesk_cards::codec::ascii::NumberFormat;
use cmedesk_cards::sim::{Script, Step};
use cmedesk_cards::{id_number, logfile};
use std::path::PathBuf;

fn fixture(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/cards").join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn demo_scripts_parse_and_use_valid_synthetic_ids() {
    for name in ["kiosk-demo.sam.txt", "em4100-demo.txt", "terminal-demo.txt"] {
        let script = Script::parse(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(script.steps.len() >= 5, "{name}");
    }
    let sam = Script::parse(&fixture("kiosk-demo.sam.txt")).expect("parses");
    let ids: Vec<&str> = sam
        .steps
        .iter()
        .filter_map(|(_, s)| if let Step::Place { card, .. } = s { Some(card.as_str()) } else { None })
        .collect();
    assert_eq!(ids.len(), 6);
    assert!(ids.iter().all(|id| id_number::is_valid(id)), "{ids:?}");
    assert!(sam.steps.iter().any(|(_, s)| *s == Step::Unplug));
}

#[test]
fn sample_vendor_log_imports_cleanly() {
    let p = logfile::parse(&fixture("mbox-export.csv"), NumberFormat::Printed);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let keys: Vec<_> = p.swipes.iter().map(|s| s.card_key.as_str()).collect();
    assert_eq!(keys.len(), 4);
    assert_eq!(keys[0], "ic:0077771716");
    assert!(keys[1].starts_with("rid:"));
    assert_eq!(keys[2], "uid:67003B51C6");
}
