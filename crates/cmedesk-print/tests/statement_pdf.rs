//! Statement PDFs: text back, QR code decodable (zbarimg on the rendered page) and carrying
//! the signed code, verification from the code and from the file, tampering rejected.

mod common;

use chrono::{DateTime, NaiveDate};
use cmedesk_core::booklet::Amount;
use cmedesk_core::statement::{Statement, StatementRow, VerificationCode, signing_key_from_seed};
use cmedesk_print::Printer;
use cmedesk_print::statement::NOTICE;
use cmedesk_print::verify::{Verdict, code_from_pdf, verify_input};
use common::*;

fn statement(rows: usize) -> Statement {
    let printed = DateTime::parse_from_rfc3339("2026-11-22T09:15:00+08:00").unwrap_or_else(|e| panic!("{e}"));
    let rows = (0..rows)
        .map(|i| StatementRow {
            project_name: format!("护理安全及风险防范管理（第{}讲）", i + 1),
            project_code: format!("2026-14-05-{:03}(国)", 100 + i),
            category: if i % 2 == 0 { "国家级".into() } else { "省级".into() },
            credits: Amount::from_hundredths(50 + 25 * (i as i64 % 3)),
            hours: Amount::from_hundredths(150 + 75 * (i as i64 % 3)),
            granted_on: NaiveDate::from_ymd_opt(2026, 1 + (i % 12) as u32, 3).unwrap_or_default(),
        })
        .collect();
    Statement::new("王示例", "女", "11010519491231002X", false, "示例职工医院", rows, printed)
}

#[test]
fn statement_pdf_round_trip_and_tamper_detection() {
    let dir = out_dir("statement");
    let key = signing_key_from_seed(&[42u8; 32]);
    let trusted = [key.verifying_key()];
    let s = statement(6);
    let code = s.sign(&key).unwrap_or_else(|e| panic!("{e}"));
    let bytes = Printer::new(fonts()).statement_pdf(&s, &code).unwrap_or_else(|e| panic!("{e}"));
    let path = write(&dir, "statement.pdf", &bytes);

    let text = pdftotext(&path, None);
    for must in [
        "继续医学教育学分记录明细表",
        "王示例",
        "1101**********002X",
        "示例职工医院",
        NOTICE,
        "打印时间：2026-11-22 09:15",
    ] {
        assert!(text.contains(must), "{must:?} missing:\n{text}");
    }
    assert!(!text.contains("11010519491231002X"), "the full ID number must not be printed by default");
    assert!(text.contains(&format!("验证码：{}", code.short_code())));
    let flat = squash(&text);
    for r in &s.rows {
        assert!(flat.contains(&squash(&r.project_name)) && flat.contains(&squash(&r.project_code)), "{r:?}");
    }
    assert!(flat.contains(&format!("合计{}项", s.rows.len())));
    assert!(flat.contains(&s.total_credits().to_string()) && flat.contains(&s.total_hours().to_string()));
    // The full code is printed too (for typing); it comes back whole once line breaks go.
    assert!(flat.contains(&code.to_text()), "full code text printed");
    for (name, emb, sub, uni) in pdffonts(&path) {
        assert!(emb && sub && uni, "{name}");
    }

    // Verify from the file (its visible text) and from the code text.
    let from_file = verify_input(&path.to_string_lossy(), &trusted, None);
    assert_eq!(from_file.verdict, Verdict::Genuine, "{from_file:?}");
    let signed = from_file.signed.clone().unwrap_or_else(|| panic!("signed facts"));
    assert_eq!((signed.name.as_str(), signed.rows), ("王示例", 6));
    let from_code = verify_input(&code.to_text(), &trusted, None);
    assert_eq!(from_code.verdict, Verdict::Genuine);
    assert_eq!(from_code.signed.map(|s| s.total_credits), Some(s.total_credits().to_string()));

    // The QR code on the rendered page decodes to the same code (if zbarimg is installed).
    let png = dir.join("qr");
    let ok = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "200", "-f", "1", "-l", "1"])
        .arg(&path)
        .arg(&png)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "pdftoppm");
    let rendered = dir.join("qr-1.png");
    match std::process::Command::new("zbarimg").args(["--raw", "-q"]).arg(&rendered).output() {
        Ok(out) => {
            let scanned = String::from_utf8_lossy(&out.stdout).trim().to_string();
            assert_eq!(scanned, code.to_text(), "QR payload");
            let parsed = VerificationCode::parse(&scanned).unwrap_or_else(|e| panic!("{e}"));
            assert!(parsed.verify(&trusted).is_ok());
        }
        Err(e) => eprintln!("zbarimg not installed ({e}); QR decode not checked"),
    }

    // Tampering: a forger edits the signed summary inside the file (more credits). The edit
    // keeps the code well-formed, so it is the signature that must catch it.
    let mut forged_code = code.clone();
    forged_code.summary.total_credits = Amount::from_hundredths(9900);
    let original = cmedesk_print::verify::utf16_hex(&code.to_text());
    let forged = cmedesk_print::verify::utf16_hex(&forged_code.to_text());
    assert_eq!(original.len(), forged.len());
    let tampered_bytes = replace_all(&bytes, original.as_bytes(), forged.as_bytes());
    assert_ne!(tampered_bytes, bytes, "the code must be findable in the file");
    let tampered = write(&dir, "tampered.pdf", &tampered_bytes);
    let v = verify_input(&tampered.to_string_lossy(), &trusted, None);
    assert_eq!(v.verdict, Verdict::Altered, "{v:?}");
    assert!(v.reasons.iter().any(|r| r.code == "STATEMENT_METADATA_MISMATCH"), "{v:?}");
    assert_eq!(
        code_from_pdf(&tampered_bytes).map(|c| c.summary.total_credits),
        Ok(Amount::from_hundredths(9900))
    );

    // A genuine code on a re-made printout whose visible rows say something else: one row's
    // credits raised, everything else (code, QR, Subject) untouched.
    let mut altered = s.clone();
    altered.rows[2].credits = Amount::from_hundredths(900);
    let altered_bytes =
        Printer::new(fonts()).statement_pdf(&altered, &code).unwrap_or_else(|e| panic!("{e}"));
    let altered_path = write(&dir, "altered.pdf", &altered_bytes);
    let v = verify_input(&altered_path.to_string_lossy(), &trusted, None);
    assert_eq!(v.verdict, Verdict::Altered, "{v:?}");
    let codes: Vec<&str> = v.reasons.iter().map(|r| r.code).collect();
    assert!(
        codes.contains(&"STATEMENT_TOTALS_MISMATCH") || codes.contains(&"STATEMENT_CONTENT_MISMATCH"),
        "{codes:?}"
    );
    // Only a name changed (same totals): caught by the content digest alone.
    let mut renamed = s.clone();
    renamed.rows[0].project_name = "护理安全及风险防范管理（高级班）".into();
    let renamed_bytes =
        Printer::new(fonts()).statement_pdf(&renamed, &code).unwrap_or_else(|e| panic!("{e}"));
    let v = verify_file_bytes(&dir, "renamed.pdf", &renamed_bytes, &trusted);
    assert_eq!(v.verdict, Verdict::Altered);
    assert_eq!(v.reasons.iter().map(|r| r.code).collect::<Vec<_>>(), ["STATEMENT_CONTENT_MISMATCH"]);

    // A statement printed by another installation (unknown key) is not trusted here.
    let other = signing_key_from_seed(&[7u8; 32]);
    let foreign = s.sign(&other).unwrap_or_else(|e| panic!("{e}"));
    let v = verify_input(&foreign.to_text(), &trusted, None);
    assert_eq!(v.verdict, Verdict::Forged);
    assert_eq!(v.reasons[0].code, "STATEMENT_KEY_UNKNOWN");
    let foreign_bytes = Printer::new(fonts()).statement_pdf(&s, &foreign).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(verify_file_bytes(&dir, "foreign.pdf", &foreign_bytes, &trusted).verdict, Verdict::Forged);
    // ...until its public key is trusted.
    let both = [key.verifying_key(), other.verifying_key()];
    assert_eq!(verify_file_bytes(&dir, "foreign.pdf", &foreign_bytes, &both).verdict, Verdict::Genuine);
}

fn verify_file_bytes(
    dir: &std::path::Path,
    name: &str,
    bytes: &[u8],
    trusted: &[ed25519_dalek::VerifyingKey],
) -> cmedesk_print::verify::Verification {
    let path = write(dir, name, bytes);
    verify_input(&path.to_string_lossy(), trusted, None)
}

#[test]
fn long_statement_spans_pages_and_keeps_the_code_block_together() {
    let dir = out_dir("statement_long");
    let key = signing_key_from_seed(&[1u8; 32]);
    let s = statement(60);
    let code = s.sign(&key).unwrap_or_else(|e| panic!("{e}"));
    let bytes = Printer::new(fonts()).statement_pdf(&s, &code).unwrap_or_else(|e| panic!("{e}"));
    let path = write(&dir, "long.pdf", &bytes);
    let n = pages(&path);
    assert!(n >= 2);
    for i in 1..=n {
        let p = pdftotext(&path, Some(i));
        assert!(p.contains("项目名称") && p.contains(&format!("第 {i} 页 / 共 {n} 页")), "page {i}");
    }
    // Read back from its visible text over several pages, it is still genuine.
    let v = verify_input(&path.to_string_lossy(), &[key.verifying_key()], None);
    assert_eq!(v.verdict, Verdict::Genuine, "{v:?}");
    let last = squash(&pdftotext(&path, Some(n)));
    assert!(
        last.contains(&squash(&format!("验证码：{}", code.short_code()))) && last.contains(&squash(NOTICE))
    );
}

fn replace_all(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}
