//! Issue 9, fuzzing: every parser of the desk fed mutated inputs (see the crate docs for the
//! engine, `FUZZ_CASES` and the long run). Each target checks "no panic" and, where there is
//! one, a property that must hold for any input (a decoded frame re-encodes to what was read, a
//! valid ID number stays valid after normalising, masking never leaves a whole ID number).

use calamine::Data;
use chrono::NaiveDate;
use cmedesk_cards::{
    codec::{
        ascii::{AsciiConfig, AsciiDecoder, NumberFormat},
        em4100::{self, Em4100Decoder},
        sam::{self, SamDecoder},
        terminal::{self, DeviceInfo, ErrorReply, PullPage, SwipeRecord, TerminalDecoder},
    },
    logfile,
};
use cmedesk_core::{
    booklet::Amount,
    id_number, privacy,
    rules::RuleBook,
    statement::{Statement, StatementRow, VerificationCode, signing_key_from_seed},
    sync,
};
use cmedesk_fuzz::{assert_clean, cases, chunks, run};

const DEFAULT_CASES: u64 = 3_000;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

fn text(input: &[u8]) -> String {
    String::from_utf8_lossy(input).into_owned()
}

const ID_SEEDS: &[&str] = &[
    "11010519491231002X",
    "440524188001010014",
    "370101190102039973",
    "110101202311012176",
    "110105491231002",
    "11010519491231002x",
    "１１０１０５１９４９１２３１００２Ｘ",
    " 110105194912310021 ",
];

fn seeds(list: &[&str]) -> Vec<Vec<u8>> {
    list.iter().map(|s| s.as_bytes().to_vec()).collect()
}

// ID numbers (GB 11643), core and the card crate's copy.
#[test]
fn fuzz_id_number() {
    let dict: &[&[u8]] = &[b"X", b"19", b"20", b"0229", b"1231", "Ｘ".as_bytes(), b" "];
    let r = run("id_number", cases(DEFAULT_CASES), &seeds(ID_SEEDS), dict, |input, _| {
        let s = text(input);
        if let Ok(id) = id_number::validate(&s, today()) {
            // Normalising is stable: the normalised number validates to itself.
            let again = id_number::validate(&id.normalized, today()).expect("normalised number re-validates");
            assert_eq!(again.normalized, id.normalized);
            assert!(cmedesk_cards::id_number::is_valid(&id.normalized), "the card crate disagrees: {s}");
        }
        let _ = cmedesk_cards::id_number::is_valid(&s);
        let _ = cmedesk_cards::id_number::complete(&s);
    });
    assert_clean(&r);
}

// Masking (issue 9): idempotent, and no valid ID number survives it.
#[test]
fn fuzz_mask_text() {
    let mut list: Vec<Vec<u8>> = seeds(ID_SEEDS);
    list.push("重复：11010519491231002X；卡 rid:440524188001010014 ic:1234567890123456".as_bytes().to_vec());
    list.push(br#"{"id_number":"370101190102039973","n":110105194912310021}"#.to_vec());
    let r = run("mask_text", cases(DEFAULT_CASES), &list, &[b"rid:", b"X", b":"], |input, _| {
        let s = text(input);
        let masked = privacy::mask_text(&s);
        assert_eq!(privacy::mask_text(&masked), masked, "masking twice changes the text");
        assert_eq!(masked.chars().count(), s.chars().count(), "masking keeps the length");
        let chars: Vec<char> = masked.chars().collect();
        for w in chars.windows(18) {
            let token: String = w.iter().collect();
            if token.chars().all(|c| c.is_ascii_alphanumeric())
                && id_number::validate(&token, today()).is_ok()
            {
                // A valid number may only remain when glued to other letters or digits.
                let at = masked.find(&token).unwrap_or(0);
                let before = masked[..at].chars().last();
                let after = masked[at + token.len()..].chars().next();
                assert!(
                    before.is_some_and(|c| c.is_ascii_alphanumeric())
                        || after.is_some_and(|c| c.is_ascii_alphanumeric()),
                    "an ID number survived masking: {masked}"
                );
            }
        }
    });
    assert_clean(&r);
}

// SAM (resident ID card reader) frames, fed in random pieces; the 256-byte text block.
#[test]
fn fuzz_sam_frames() {
    let holder = sam::synthetic_holder("11010519491231002X", "王芳");
    let block = sam::build_text_block(&holder);
    let mut list = vec![
        sam::command(sam::CMD_READ),
        sam::reply(sam::SW_OK, &[1, 2, 3]),
        sam::reply(sam::SW_NO_CARD, &[]),
        sam::read_reply(&block, &[0u8; sam::PHOTO_LEN]),
        block.to_vec(),
    ];
    list.push([sam::command(sam::CMD_FIND), sam::reply(sam::SW_FIND_OK, &[])].concat());
    let r = run("sam", cases(DEFAULT_CASES), &list, &[&sam::PREAMBLE], |input, rng| {
        let mut d = SamDecoder::new();
        for piece in chunks(input, rng) {
            for frame in d.push(piece).flatten() {
                let _ = frame.sw3();
                let _ = frame.command();
                if let Ok(text) = frame.take_text_block() {
                    let _ = sam::parse_text_block(&text);
                }
            }
        }
        if input.len() >= sam::TEXT_LEN {
            let text: [u8; sam::TEXT_LEN] = input[..sam::TEXT_LEN].try_into().unwrap();
            if let Ok(h) = sam::parse_text_block(&text) {
                let _ = sam::card_key(&h);
            }
        }
    });
    assert_clean(&r);
}

// EM4100 / RDM6300 frames: every decoded frame re-encodes to the bytes that carried it.
#[test]
fn fuzz_em4100_frames() {
    let list = vec![
        em4100::encode([0x01, 0x02, 0x03, 0x04, 0x05]).to_vec(),
        [em4100::encode([0xAB; 5]), em4100::encode([0; 5])].concat(),
    ];
    let r = run("em4100", cases(DEFAULT_CASES), &list, &[&[em4100::STX], &[em4100::ETX]], |input, rng| {
        let mut d = Em4100Decoder::new();
        for piece in chunks(input, rng) {
            for frame in d.push(piece).flatten() {
                let key = frame.card_key();
                assert!(key.starts_with("em:"), "{key}");
                let _ = frame.decimal10();
            }
        }
    });
    assert_clean(&r);
}

const FORMATS: [NumberFormat; 6] = [
    NumberFormat::Hex,
    NumberFormat::ReversedHex,
    NumberFormat::Decimal10,
    NumberFormat::Decimal10Reversed,
    NumberFormat::Wiegand26,
    NumberFormat::Printed,
];

// ASCII reader lines, every number format and terminator; printed numbers.
#[test]
fn fuzz_ascii_lines() {
    let list = seeds(&["0012345678\r\n", "04A1B2C3D4\r\n", "123,45678\r\n", "3201000047\n", "DEADBEEF\r"]);
    let terminators: [&[u8]; 4] = [b"\r\n", b"\r", b"\n", &[0x03]];
    let r = run("ascii", cases(DEFAULT_CASES), &list, &[b"\r\n", b",", b"0x"], |input, rng| {
        let format = FORMATS[rng.below(FORMATS.len())];
        let cfg = AsciiConfig {
            terminator: terminators[rng.below(terminators.len())].to_vec(),
            format,
            max_len: 1 + rng.below(64),
        };
        let mut d = AsciiDecoder::new(cfg).expect("valid config");
        for piece in chunks(input, rng) {
            for frame in d.push(piece).flatten() {
                assert!(
                    frame.card_key.starts_with("uid:") || frame.card_key.starts_with("ic:"),
                    "{}",
                    frame.card_key
                );
            }
        }
        let s = text(input);
        if let Ok(uid) = format.parse(&s) {
            let _ = format.format(&uid);
        }
        let _ = format.card_key(&s);
    });
    assert_clean(&r);
}

// Our storing-terminal protocol: frames in pieces, then every payload decoder on every payload.
#[test]
fn fuzz_terminal_frames() {
    let record = SwipeRecord::from_card_key(7, 1_764_000_000, "em:0102030405").unwrap();
    let page = PullPage { records: vec![record.clone(), record], more: true };
    let list = vec![
        terminal::encode(0x01, 1, &[]),
        terminal::encode(0x82, 2, &page.encode()),
        terminal::encode(
            0xEE,
            3,
            &ErrorReply { code: 4, message: "busy".into(), detail: Default::default() }.encode(),
        ),
        [terminal::encode(0x02, 4, &[]), terminal::encode(0x03, 5, &[0, 0, 0, 1])].concat(),
        page.encode(),
    ];
    let r = run("terminal", cases(DEFAULT_CASES), &list, &[&terminal::MAGIC], |input, rng| {
        let mut d = TerminalDecoder::new();
        let mut payloads = vec![input.to_vec()];
        for piece in chunks(input, rng) {
            for frame in d.push(piece).flatten() {
                // A decoded frame is exactly what the encoder makes of its parts.
                assert!(frame.payload.len() <= terminal::MAX_PAYLOAD);
                payloads.push(frame.payload);
            }
        }
        for p in &payloads {
            let _ = DeviceInfo::decode(p);
            let _ = ErrorReply::decode(p);
            if let Ok(page) = PullPage::decode(p) {
                for r in &page.records {
                    let _ = r.card_key();
                    let _ = r.device_time_utc();
                }
                assert_eq!(
                    PullPage::decode(&page.encode()).as_ref().ok(),
                    Some(&page),
                    "pull page round trip"
                );
            }
        }
    });
    assert_clean(&r);
}

// Vendor log files (every number format).
#[test]
fn fuzz_vendor_logs() {
    let list = seeds(&[
        "3201000047,2026-11-20 08:01:30,T1,1\n0012345678;2026/11/20 08:02,T1,2\n",
        "\u{feff}# 导出\nDEADBEEF\t20261120080130\tT2\n",
        "123,45678  2026.11.20 08:03:00  T3  9\r\n",
    ]);
    let r = run(
        "vendor_log",
        cases(DEFAULT_CASES),
        &list,
        &[b",", b"\t", b"\n", b"2026-11-20 ", b"#"],
        |input, rng| {
            let s = text(input);
            let parsed = logfile::parse(&s, FORMATS[rng.below(FORMATS.len())]);
            let lines = s.lines().count().max(1);
            assert!(parsed.swipes.len() + parsed.errors.len() <= lines + 1, "more results than lines");
            let _ = logfile::parse_time(&s);
        },
    );
    assert_clean(&r);
}

// Spreadsheet cells: every column of every template, cells of every kind calamine gives.
#[test]
fn fuzz_sheet_cells() {
    let templates = cmedesk_sheets::Template::all().unwrap();
    let columns: Vec<_> = templates.iter().flat_map(|t| t.columns.iter().cloned()).collect();
    let list = seeds(&[
        "11010519491231002X",
        "2015年8月3日",
        "2015-8-3至2015-8-5",
        "２０１５－０８－０３",
        "3.2010219800101e16",
        " 内科 / 心血管内科 ",
        "12.5",
        "是",
    ]);
    let r = run(
        "sheet_cells",
        cases(DEFAULT_CASES),
        &list,
        &[b"-", b"/", "年".as_bytes(), b".", b"e"],
        |input, rng| {
            let s = text(input);
            let column = &columns[rng.below(columns.len())];
            let number = f64::from_bits(u64::from_le_bytes(
                input
                    .iter()
                    .copied()
                    .chain(std::iter::repeat(0))
                    .take(8)
                    .collect::<Vec<_>>()
                    .try_into()
                    .unwrap(),
            ));
            let cell = match rng.below(6) {
                0 => Data::String(s.clone()),
                1 => Data::Float(number),
                2 => Data::Float((rng.next_u64() % 100_000) as f64 / [1.0, 2.0, 100.0][rng.below(3)]),
                3 => Data::Int(rng.next_u64() as i64),
                4 => Data::Bool(rng.chance(50)),
                _ => Data::DateTimeIso(s.clone()),
            };
            let _ = cmedesk_sheets::value::clean(column, &cell, today());
            let _ = cmedesk_sheets::value::parse_text_date(&s);
            let _ = cmedesk_sheets::value::clean_text(&s);
            let _ = cmedesk_sheets::template::fold_header(&s);
        },
    );
    assert_clean(&r);
}

// Statement verification codes (`CME1:` + Crockford base32) as typed or scanned.
#[test]
fn fuzz_statement_codes() {
    // A real signed code, so mutations reach the summary decoder and the signature split.
    let row = |name: &str, credits| StatementRow {
        project_name: name.into(),
        project_code: "2026-14-05-962(国)".into(),
        category: "国家级".into(),
        credits: Amount::from_hundredths(credits),
        hours: Amount::from_hundredths(1500),
        granted_on: today(),
    };
    let printed = chrono::DateTime::parse_from_rfc3339("2026-11-22T10:00:00+08:00").unwrap();
    let st = Statement::new(
        "王示例",
        "女",
        "11010519491231002X",
        false,
        "示例医院",
        vec![row("护理", 500), row("急诊", 50)],
        printed,
    );
    let code = st.sign(&signing_key_from_seed(&[7; 32])).unwrap().to_text();
    assert!(VerificationCode::parse(&code).is_ok());
    let mut list = seeds(&["cme1:oil-ABCD EFGH", "CME1:"]);
    list.push(code.as_bytes().to_vec());
    list.push(code.to_lowercase().replace('0', "O").into_bytes());
    let r = run("statement_code", cases(DEFAULT_CASES), &list, &[b"CME1:", b"-", b"O", b"I"], |input, _| {
        if let Ok(code) = VerificationCode::parse(&text(input)) {
            // Whatever parses prints back to a code that parses to the same thing.
            let again = VerificationCode::parse(&code.to_text()).expect("printed code parses");
            assert_eq!(again.to_text(), code.to_text());
            let _ = code.short_code();
        }
    });
    assert_clean(&r);
}

// Exchange API bodies: what the hub reads from a desk, and what a desk reads from the hub.
#[test]
fn fuzz_sync_bodies() {
    let list = seeds(&[
        r#"{"site_id":"s1","ops":[{"site_id":"s1","site_seq":1,"op_id":"o1","entity":"staff","entity_id":"e1","body":{"kind":"fields","hlc":{"wall_ms":1,"counter":0,"site":"s1"},"fields":{"name":{"value":"王","base":{"wall_ms":0,"counter":0,"site":""}}}}}]}"#,
        r#"{"status":"accepted","epoch":1,"acked_through":3,"results":[]}"#,
        r#"{"status":"gap","epoch":1,"expected":4}"#,
        r#"{"epoch":1,"entries":[{"server_seq":1,"op":{"site_id":"s","site_seq":1,"op_id":"o","entity":"swipe","entity_id":"x","body":{"kind":"event","data":{}}}}],"head":1}"#,
    ]);
    let push = serde_json::from_slice::<sync::PushRequest>(&list[0]);
    assert!(push.is_ok(), "the push seed parses: {push:?}");
    assert!(serde_json::from_slice::<sync::PullReply>(&list[3]).is_ok(), "the pull seed parses");
    let r = run(
        "sync_bodies",
        cases(DEFAULT_CASES),
        &list,
        &[b"{", b"}", b"\"", b":", b"[", b"1e99", b"-1"],
        |input, _| {
            if let Ok(req) = serde_json::from_slice::<sync::PushRequest>(input) {
                let back = serde_json::to_vec(&req).unwrap();
                assert_eq!(serde_json::from_slice::<sync::PushRequest>(&back).ok().as_ref(), Some(&req));
            }
            let _ = serde_json::from_slice::<sync::PushReply>(input);
            let _ = serde_json::from_slice::<sync::PullReply>(input);
            let _ = serde_json::from_slice::<sync::PullRequest>(input);
        },
    );
    assert_clean(&r);
}

// Rule-set TOML files, alone and extending the shipped national sets.
#[test]
fn fuzz_rule_files() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../schema/rules");
    let mut shipped: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    shipped.sort();
    let list: Vec<Vec<u8>> = shipped.iter().map(|(_, t)| t.as_bytes().to_vec()).collect();
    let dict: &[&[u8]] = &[b"[", b"]]", b"=", b"\"", b"extends = \"national-2024\"", b"-1", b"1e400", b"\n"];
    let r = run("rule_toml", cases(DEFAULT_CASES), &list, dict, |input, rng| {
        let fuzzed = text(input);
        let mut sources: Vec<(&str, &str)> = vec![("fuzz.toml", fuzzed.as_str())];
        if rng.chance(50) {
            // With the national sets present, so `extends` resolves into real parents.
            sources.extend(
                shipped
                    .iter()
                    .filter(|(n, _)| n.starts_with("national"))
                    .map(|(n, t)| (n.as_str(), t.as_str())),
            );
        }
        if let Ok(book) = RuleBook::from_sources(&sources) {
            for id in book.ids().map(str::to_string).collect::<Vec<_>>() {
                let set = book.get(&id).unwrap();
                for year in [2006, 2019, 2024, 2026, i32::MAX] {
                    let _ = set.year(year);
                }
            }
        }
    });
    assert_clean(&r);
}
