//! Codec tests: every vector of design §5, random splits of every frame, garbage before frames,
//! bad checksums and lengths with exact offsets, and property tests (arbitrary bytes never panic;
//! encode → decode round trips).

use cmedesk_cards::codec::ascii::{AsciiConfig, AsciiDecoder, NumberFormat};
use cmedesk_cards::codec::em4100::{self, Em4100Decoder};
use cmedesk_cards::codec::sam::{self, SamDecoder};
use cmedesk_cards::codec::terminal::{self as proto, PullPage, SwipeRecord, TerminalDecoder};
use cmedesk_cards::codec::{hex_upper, parse_hex};
use cmedesk_cards::{DecodeError, IdCardType, id_number};
use proptest::prelude::*;

fn h(s: &str) -> Vec<u8> {
    parse_hex(s).expect("test vector is hex")
}

fn sam_frames(bytes: &[u8]) -> (Vec<sam::SamFrame>, Vec<DecodeError>) {
    let mut d = SamDecoder::new();
    let (mut ok, mut err) = (Vec::new(), Vec::new());
    for r in d.push(bytes) {
        match r {
            Ok(f) => ok.push(f),
            Err(e) => err.push(e),
        }
    }
    (ok, err)
}

#[test]
fn sam_design_vectors_encode_and_decode() {
    let vectors: &[(&str, [u8; 2])] = &[
        ("AA AA AA 96 69 00 03 20 01 22", sam::CMD_FIND),
        ("AA AA AA 96 69 00 03 20 02 21", sam::CMD_SELECT),
        ("AA AA AA 96 69 00 03 30 01 32", sam::CMD_READ),
    ];
    for (hex, cmd) in vectors {
        assert_eq!(sam::command(*cmd), h(hex));
        let (f, e) = sam_frames(&h(hex));
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(f[0].command(), Some(*cmd));
    }
    // find ok → SW3 9F with four data bytes.
    let find_ok = h("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97");
    assert_eq!(sam::reply(sam::SW_FIND_OK, &[0; 4]), find_ok);
    let (f, _) = sam_frames(&find_ok);
    assert_eq!(f[0].sw3(), Some(0x9F));
    // select ok → 90 with eight zero bytes.
    let select_ok = h("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C");
    assert_eq!(sam::reply(sam::SW_OK, &[0; 8]), select_ok);
    // no card → 80.
    let none = h("AA AA AA 96 69 00 04 00 00 80 84");
    assert_eq!(sam::reply(sam::SW_NO_CARD, &[]), none);
    assert_eq!(sam_frames(&none).0[0].sw3(), Some(0x80));
}

fn synthetic_read_reply() -> (Vec<u8>, String) {
    let id = id_number::complete("51010719900307123").expect("17 digits");
    let holder = sam::synthetic_holder(&id, "王小明");
    let text = sam::build_text_block(&holder);
    let photo = [0x5Au8; sam::PHOTO_LEN];
    (sam::read_reply(&text, &photo), id)
}

#[test]
fn sam_read_reply_layout_and_text_block() {
    let (frame, id) = synthetic_read_reply();
    assert_eq!(frame.len(), 1295);
    assert_eq!(frame[..14], h("AA AA AA 96 69 05 08 00 00 90 01 00 04 00")[..]);
    let (f, e) = sam_frames(&frame);
    assert!(e.is_empty());
    let f = f.into_iter().next().expect("one frame");
    let text = f.take_text_block().expect("text block");
    let holder = sam::parse_text_block(&text).expect("valid card");
    assert_eq!(holder.name, "王小明");
    assert_eq!(holder.id_number, id);
    assert_eq!(holder.birth, "19900307");
    assert_eq!(holder.sex_code, "1");
    assert_eq!(holder.valid_to, "20400101");
    assert_eq!(holder.card_type, IdCardType::Resident);
    assert_eq!(sam::card_key(&holder), format!("rid:{id}"));
    // Field offsets are exactly those of design §5: name 0..30 UCS-2LE, ID number 122..158.
    assert_eq!(&text[0..2], &"王".encode_utf16().next().map(u16::to_le_bytes).expect("char"));
    assert_eq!(text[122], id.as_bytes()[0]);
    assert_eq!(text[123], 0);
}

#[test]
fn sam_card_type_byte_248_and_bad_id_numbers() {
    let id = id_number::complete("81000019900307123").expect("17 digits");
    let mut holder = sam::synthetic_holder(&id, "陳大文");
    assert_eq!(holder.card_type, IdCardType::HkMacaoTaiwan);
    let text = sam::build_text_block(&holder);
    assert_eq!(text[248], b'J');
    assert_eq!(sam::parse_text_block(&text).expect("permit").card_type, IdCardType::HkMacaoTaiwan);
    // A check digit off by one is refused with the stable code.
    holder.id_number.replace_range(17..18, if holder.id_number.ends_with('0') { "1" } else { "0" });
    let e = sam::parse_text_block(&sam::build_text_block(&holder)).expect_err("bad check digit");
    assert_eq!(e.code(), "CARD_INVALID_ID_NUMBER");
}

#[test]
fn sam_random_splits_garbage_and_bad_checksum() {
    let (read, _) = synthetic_read_reply();
    let find = sam::reply(sam::SW_FIND_OK, &[0; 4]);
    let mut stream = vec![0x00, 0xAA, 0xAA, 0x13, 0x96]; // 5 bytes of garbage incl. a false start
    stream.extend_from_slice(&find);
    let mut bad = sam::reply(sam::SW_NO_CARD, &[]);
    let last = bad.len() - 1;
    bad[last] ^= 0xFF;
    let bad_at = stream.len() as u64;
    stream.extend_from_slice(&bad);
    stream.extend_from_slice(&read);
    // Deterministic pseudo-random split points; every split must give the same result.
    let mut seed = 0x1234_5678u32;
    for _ in 0..200 {
        let mut d = SamDecoder::new();
        let (mut frames, mut errors) = (Vec::new(), Vec::new());
        let mut i = 0;
        while i < stream.len() {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let n = 1 + (seed >> 8) as usize % 64;
            let end = (i + n).min(stream.len());
            for r in d.push(&stream[i..end]) {
                match r {
                    Ok(f) => frames.push(f),
                    Err(e) => errors.push(e),
                }
            }
            i = end;
        }
        assert_eq!(frames.len(), 2, "find + read");
        assert_eq!(frames[0].sw3(), Some(0x9F));
        assert_eq!(frames[1].payload.len(), 1287);
        let checksum: Vec<_> =
            errors.iter().filter(|e| matches!(e, DecodeError::BadChecksum { .. })).collect();
        assert_eq!(checksum.len(), 1);
        assert_eq!(checksum[0].offset(), bad_at, "error names the frame's first byte");
        let garbage: usize =
            errors.iter().map(|e| if let DecodeError::Garbage { len, .. } = e { *len } else { 0 }).sum();
        // The 5 leading bytes plus the 10 bytes of the bad frame after its first byte.
        assert_eq!(garbage, 5 + bad.len() - 1);
        assert!(errors.iter().any(|e| *e == DecodeError::Garbage { offset: 0, len: 5 }
            || matches!(e, DecodeError::Garbage { offset: 0, .. })));
    }
}

#[test]
fn sam_bad_length_names_offset() {
    let mut s = vec![0x11, 0x22];
    s.extend_from_slice(&[0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x20, 0x00]); // len 8192 > MAX_LEN
    s.extend_from_slice(&sam::reply(sam::SW_OK, &[]));
    let (frames, errors) = sam_frames(&s);
    assert_eq!(frames.len(), 1);
    assert!(errors.contains(&DecodeError::BadLength { offset: 2, len: 0x2000 }), "{errors:?}");
    // Zero length is also refused.
    let (_, errors) = sam_frames(&h("AA AA AA 96 69 00 00 00"));
    assert!(errors.contains(&DecodeError::BadLength { offset: 0, len: 0 }));
}

#[test]
fn em4100_design_vector() {
    let frame = [&[0x02][..], b"67003B51C6CB", &[0x03]].concat();
    assert_eq!(em4100::encode([0x67, 0x00, 0x3B, 0x51, 0xC6]).to_vec(), frame);
    let mut d = Em4100Decoder::new();
    let got: Vec<_> = d.push(&frame).collect();
    let f = got[0].as_ref().expect("valid frame");
    assert_eq!(f.decimal_low24(), 3_887_558);
    assert_eq!(f.decimal10(), "0003887558");
    assert_eq!(f.card_key(), "em:67003B51C6");
}

#[test]
fn em4100_splits_garbage_bad_checksum_bad_digit_cut_frame() {
    let good = em4100::encode([0x01, 0x02, 0x03, 0x04, 0x05]);
    let mut bad_sum = good;
    bad_sum[12] = if bad_sum[12] == b'0' { b'1' } else { b'0' };
    let mut bad_digit = good;
    bad_digit[5] = b'G';
    let cut = &good[..7];
    let mut s = b"xyz".to_vec();
    s.extend_from_slice(&bad_sum); // offset 3
    s.extend_from_slice(&bad_digit); // offset 17; 'G' at 22
    s.extend_from_slice(cut); // offset 31, cut by the next STX
    s.extend_from_slice(&good); // offset 38
    for split in 1..s.len() {
        let mut d = Em4100Decoder::new();
        let mut all: Vec<_> = d.push(&s[..split]).collect();
        all.extend(d.push(&s[split..]));
        let frames: Vec<_> = all.iter().filter_map(|r| r.as_ref().ok()).collect();
        let errors: Vec<_> = all
            .iter()
            .filter_map(|r| r.as_ref().err())
            .filter(|e| !matches!(e, DecodeError::Garbage { .. }))
            .collect();
        assert_eq!(frames.len(), 1, "split {split}");
        assert_eq!(frames[0].offset, 38);
        assert!(
            errors.iter().any(|e| matches!(e, DecodeError::BadChecksum { offset: 3, .. })),
            "split {split}: {errors:?}"
        );
        assert!(
            errors.contains(&&DecodeError::BadDigit { offset: 22, byte: b'G' }),
            "split {split}: {errors:?}"
        );
        assert!(
            errors.contains(&&DecodeError::BadLength { offset: 31, len: 7 }),
            "split {split}: {errors:?}"
        );
    }
}

#[test]
fn ascii_formats_and_terminators() {
    let uid = [0x04, 0xA2, 0xB3, 0xC4];
    let cases = [
        (NumberFormat::Hex, "04A2B3C4"),
        (NumberFormat::ReversedHex, "C4B3A204"),
        (NumberFormat::Decimal10, "0077771716"),
        (NumberFormat::Decimal10Reversed, "3300106756"),
    ];
    for (format, text) in cases {
        assert_eq!(format.format(&uid).as_deref(), Some(text));
        for term in [&b"\r\n"[..], b"\r", b"\n", &[0x03]] {
            let mut d = AsciiDecoder::new(AsciiConfig { terminator: term.to_vec(), format, max_len: 40 })
                .expect("config");
            let line = [text.as_bytes(), term].concat();
            let mut got = Vec::new();
            for b in &line {
                got.extend(d.push(std::slice::from_ref(b)));
            }
            assert_eq!(got.len(), 1, "{format:?} {term:?}");
            let f = got[0].as_ref().expect("frame");
            assert_eq!(f.card_key(), "uid:04A2B3C4");
            assert_eq!(f.raw, line);
        }
    }
    assert_eq!(NumberFormat::Wiegand26.parse("059,20934"), Ok(vec![59, 0x51, 0xC6]));
    assert_eq!(NumberFormat::Wiegand26.parse("05920934"), Ok(vec![59, 0x51, 0xC6]));
    assert!(NumberFormat::Decimal10.parse("9999999999").is_err(), "over 32 bits");
    // As printed: digits keep their leading zeros under ic:, hex becomes uid: (the core's keys).
    assert_eq!(NumberFormat::Printed.card_key("0077771716").as_deref(), Ok("ic:0077771716"));
    assert_eq!(NumberFormat::Printed.card_key("04a2b3c4").as_deref(), Ok("uid:04A2B3C4"));
    assert!(NumberFormat::Printed.card_key("12").is_err());
}

#[test]
fn ascii_errors_name_offsets() {
    let mut d = AsciiDecoder::new(AsciiConfig { max_len: 16, ..AsciiConfig::default() }).expect("config");
    let mut s = b"04A2?3C4\r\n".to_vec(); // bad char at 4
    s.extend_from_slice(b"0123456789ABCDEF0123\r\n"); // too long, offset 10
    s.extend_from_slice(b"  \x0204A2B3C4\x03 \r\n"); // STX/ETX + spaces stripped, offset 32
    let got: Vec<_> = d.push(&s).collect();
    assert!(got.contains(&Err(DecodeError::BadDigit { offset: 4, byte: b'?' })), "{got:?}");
    assert!(got.iter().any(|r| matches!(r, Err(DecodeError::LineTooLong { offset: 10, .. }))), "{got:?}");
    let ok: Vec<_> = got.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0].offset, 32);
    assert_eq!(ok[0].card_key(), "uid:04A2B3C4");
    // An endless line without terminator is reported once and discarded, then decoding resumes.
    let mut d = AsciiDecoder::new(AsciiConfig { max_len: 8, ..AsciiConfig::default() }).expect("config");
    let mut errs = 0;
    for _ in 0..100 {
        errs += d.push(b"AAAAAAAAAA").filter(|r| matches!(r, Err(DecodeError::LineTooLong { .. }))).count();
    }
    let tail: Vec<_> = d.push(b"\r\n04A2B3C4\r\n").collect();
    assert_eq!(errs, 1);
    assert!(tail.iter().any(|r| r.as_ref().is_ok_and(|f| f.card_key() == "uid:04A2B3C4")), "{tail:?}");
}

#[test]
fn terminal_frames_round_trip_and_checksum() {
    // CRC-16/CCITT-FALSE check value.
    assert_eq!(proto::crc16(b"123456789"), 0x29B1);
    let page = PullPage {
        records: vec![
            SwipeRecord::from_card_key(7, 1_790_000_000, "em:67003B51C6").expect("key"),
            SwipeRecord::from_card_key(8, 1_790_000_005, "rid:11010519491231002X").expect("key"),
            SwipeRecord::from_card_key(9, 1_790_000_009, "uid:04A2B3C4").expect("key"),
        ],
        more: true,
    };
    let frame = proto::encode(proto::T_PULL | proto::REPLY, 42, &page.encode());
    let mut stream = b"noise".to_vec();
    stream.extend_from_slice(&frame);
    let mut corrupt = frame.clone();
    corrupt[10] ^= 1;
    let corrupt_at = stream.len() as u64;
    stream.extend_from_slice(&corrupt);
    for split in 1..stream.len() {
        let mut d = TerminalDecoder::new();
        let mut all: Vec<_> = d.push(&stream[..split]).collect();
        all.extend(d.push(&stream[split..]));
        let frames: Vec<_> = all.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0].req_id, 42);
        assert_eq!(PullPage::decode(&frames[0].payload).expect("page"), page);
        assert!(
            all.iter()
                .any(|r| matches!(r, Err(DecodeError::BadChecksum { offset, .. }) if *offset == corrupt_at))
        );
    }
    assert_eq!(
        page.records[0].device_time_utc().map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-09-21T14:13:20+00:00")
    );
    let keys: Vec<_> = page.records.iter().map(|r| r.card_key().expect("key")).collect();
    assert_eq!(keys, ["em:67003B51C6", "rid:11010519491231002X", "uid:04A2B3C4"]);
    // Unsupported version and oversize length are named with their offsets.
    let mut v2 = frame.clone();
    v2[2] = 2;
    let mut d = TerminalDecoder::new();
    assert!(d.push(&v2).any(|r| r == Err(DecodeError::BadVersion { offset: 0, version: 2 })));
    let mut d = TerminalDecoder::new();
    assert!(
        d.push(&[0x5A, 0xA5, 1, 0x20, 1, 0xFF, 0xFF])
            .any(|r| r == Err(DecodeError::BadLength { offset: 0, len: 0xFFFF }))
    );
}

#[test]
fn hex_helpers() {
    assert_eq!(hex_upper(&[0x0A, 0xFF]), "0AFF");
    assert_eq!(parse_hex("0a ff"), Some(vec![0x0A, 0xFF]));
    assert_eq!(parse_hex("0af"), None);
}

const ALL_FORMATS: [NumberFormat; 6] = [
    NumberFormat::Hex,
    NumberFormat::ReversedHex,
    NumberFormat::Decimal10,
    NumberFormat::Decimal10Reversed,
    NumberFormat::Wiegand26,
    NumberFormat::Printed,
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn sam_never_panics_and_round_trips(noise in proptest::collection::vec(any::<u8>(), 0..600),
                                        payload in proptest::collection::vec(any::<u8>(), 0..300),
                                        cut in 0usize..1000) {
        let mut d = SamDecoder::new();
        let _ = d.push(&noise).count();
        let frame = sam::encode(&payload);
        // After arbitrary noise, a fresh decoder fed noise-free frame must decode it exactly.
        let mut d = SamDecoder::new();
        let cut = cut % (frame.len() + 1);
        let mut got: Vec<_> = d.push(&frame[..cut]).collect();
        got.extend(d.push(&frame[cut..]));
        prop_assert_eq!(got.len(), 1);
        prop_assert_eq!(&got[0].as_ref().map(|f| f.payload.clone()), &Ok(payload));
        let text: [u8; 256] = std::array::from_fn(|i| noise.get(i).copied().unwrap_or(0));
        let _ = sam::parse_text_block(&text);
    }

    #[test]
    fn sam_frame_after_noise_is_found(noise in proptest::collection::vec(any::<u8>().prop_filter("no preamble byte", |b| *b != 0xAA), 0..200)) {
        let mut d = SamDecoder::new();
        let mut s = noise.clone();
        s.extend_from_slice(&sam::reply(sam::SW_OK, &[1, 2, 3]));
        let frames: Vec<_> = d.push(&s).filter_map(Result::ok).collect();
        prop_assert_eq!(frames.len(), 1);
        prop_assert_eq!(frames[0].offset, noise.len() as u64);
    }

    #[test]
    fn em4100_never_panics_and_round_trips(noise in proptest::collection::vec(any::<u8>(), 0..600), id in any::<[u8; 5]>()) {
        let mut d = Em4100Decoder::new();
        let _ = d.push(&noise).count();
        let mut d = Em4100Decoder::new();
        let f: Vec<_> = d.push(&em4100::encode(id)).collect();
        prop_assert_eq!(f.len(), 1);
        prop_assert_eq!(f[0].as_ref().map(|f| f.id), Ok(id));
    }

    #[test]
    fn ascii_never_panics_and_round_trips(noise in proptest::collection::vec(any::<u8>(), 0..600), uid in any::<[u8; 4]>(), fmt in 0usize..4) {
        let format = [NumberFormat::Hex, NumberFormat::ReversedHex, NumberFormat::Decimal10, NumberFormat::Decimal10Reversed][fmt];
        let mut d = AsciiDecoder::new(AsciiConfig { format, ..AsciiConfig::default() }).expect("config");
        let _ = d.push(&noise).count();
        let mut d = AsciiDecoder::new(AsciiConfig { format, ..AsciiConfig::default() }).expect("config");
        let line = format!("{}\r\n", format.format(&uid).expect("4 bytes"));
        let f: Vec<_> = d.push(line.as_bytes()).collect();
        prop_assert_eq!(f.len(), 1);
        prop_assert_eq!(f[0].as_ref().map(|f| f.card_key()), Ok(format!("uid:{}", hex_upper(&uid))));
    }

    #[test]
    fn terminal_never_panics_and_round_trips(noise in proptest::collection::vec(any::<u8>(), 0..600),
                                             kind in any::<u8>(), id in any::<u8>(),
                                             payload in proptest::collection::vec(any::<u8>(), 0..500)) {
        let mut d = TerminalDecoder::new();
        let _ = d.push(&noise).count();
        let _ = PullPage::decode(&noise);
        let _ = proto::DeviceInfo::decode(&noise);
        let _ = proto::ErrorReply::decode(&noise);
        let mut d = TerminalDecoder::new();
        let f: Vec<_> = d.push(&proto::encode(kind, id, &payload)).collect();
        prop_assert_eq!(f.len(), 1);
        let f = f[0].as_ref().expect("frame");
        prop_assert_eq!((f.kind, f.req_id, &f.payload), (kind, id, &payload));
    }

    #[test]
    fn logfile_never_panics(text in "\\PC{0,400}", card in "\\PC{0,12}") {
        for format in ALL_FORMATS {
            let _ = cmedesk_cards::logfile::parse(&text, format);
            // Card fields of every length and script, in a well-formed line.
            let line = format!("{card},2026-11-20 08:00:00,T1\n");
            let _ = cmedesk_cards::logfile::parse(&line, format);
            let _ = format.card_key(&card);
        }
    }
}
