//! Vendor log file import: the documented simple format, header detection, time formats, card
//! number kinds, and one clear error per bad line.

use cmedesk_cards::codec::ascii::NumberFormat;
use cmedesk_cards::logfile;

#[test]
fn parses_csv_and_txt_with_errors_per_line() {
    let csv = "\u{feff}卡号,刷卡时间,机号,序号\n\
               0077771716,2026-11-20 08:01:02,MBOX-01,1\n\
               11010519491231002X,2026/11/20 8:05,MBOX-01,2\n\
               67003B51C6,20261120081500,MBOX-02,3\n\
               110105194912310021,2026-11-20 08:20:00,MBOX-01,4\n\
               0077771716,2026-13-20 08:01:02,MBOX-01,5\n\
               0077771716,2026-11-20 08:01:02\n\
               0077771716,2026-11-20 08:30:00,MBOX-01,x\n\
               \n\
               0077771716,2026.11.21 07:59:59,MBOX-01,6\n";
    // As printed (the default for vendor logs): the number keeps its digits, as the core keys a
    // card an officer issued by typing the number printed on it.
    let p = logfile::parse(csv, NumberFormat::Printed);
    let keys: Vec<_> = p.swipes.iter().map(|s| (s.line, s.card_key.as_str(), s.seq)).collect();
    assert_eq!(
        keys,
        [
            (2, "ic:0077771716", Some(1)),
            (3, "rid:11010519491231002X", Some(2)),
            (4, "uid:67003B51C6", Some(3)),
            (10, "ic:0077771716", Some(6)),
        ]
    );
    assert_eq!(p.swipes[1].time.to_string(), "2026-11-20 08:05:00");
    assert_eq!(p.swipes[2].device_id, "MBOX-02");
    let errs: Vec<_> = p.errors.iter().map(|e| (e.line, e.code)).collect();
    assert_eq!(errs, [(5, "LOG_CARD"), (6, "LOG_TIME"), (7, "LOG_FIELDS"), (8, "LOG_SEQ")]);
    assert!(p.errors[0].message.contains("check digit"));
    // The same log from a device that prints the UID as "8H10D": converted to the UID key.
    let p = logfile::parse(csv, NumberFormat::Decimal10);
    assert_eq!(p.swipes[0].card_key, "uid:04A2B3C4");
    assert!(p.errors.iter().any(|e| e.line == 4 && e.code == "LOG_CARD"), "hex is not 8H10D");

    let txt = "04A2B3C4    2026-11-20 08:01:02    T7\n04A2B3C4\t2026-11-20 09:01:02\tT7\n";
    let p = logfile::parse(txt, NumberFormat::Hex);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.swipes.len(), 2);
    assert!(p.swipes.iter().all(|s| s.card_key == "uid:04A2B3C4" && s.device_id == "T7"));
}
