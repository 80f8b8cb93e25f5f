//! Resident identity numbers (居民身份证号码, GB 11643-1999): normalisation, validation and the
//! facts they encode (birth date, gender). The ID number is the key that joins our roster to the
//! provincial platform, so a wrong one must never get in.

use chrono::NaiveDate;
use serde::Serialize;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// Province-level codes (the first two digits) that GB/T 2260 has assigned.
const PROVINCES: &[u8] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54,
    61, 62, 63, 64, 65, 71, 81, 82, 83,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Gender::Male => "男",
            Gender::Female => "女",
        }
    }
    /// Accepts `male`/`female`, `男`/`女`, `M`/`F`.
    pub fn parse(s: &str) -> Option<Gender> {
        match s.trim() {
            "male" | "男" | "M" | "m" => Some(Gender::Male),
            "female" | "女" | "F" | "f" => Some(Gender::Female),
            _ => None,
        }
    }
}

/// A validated, normalised 18-character resident ID number and what it says about its holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdNumber {
    pub normalized: String,
    pub birth_date: NaiveDate,
    pub gender: Gender,
    /// The input was a legacy 15-digit number, upgraded to 18 characters.
    pub upgraded_from_15: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("must be 18 characters (or a legacy 15-digit number), got {0}")]
    Length(usize),
    #[error("character {position} ({found:?}) is not allowed")]
    Character { position: usize, found: char },
    #[error("unknown province code {0}")]
    Area(String),
    #[error("birth date {0} does not exist")]
    BirthDate(String),
    #[error("birth date {0} is in the future")]
    FutureBirthDate(NaiveDate),
    #[error("check character should be {expected}, found {found}")]
    Checksum { expected: char, found: char },
    #[error("the ID number says {from_id:?}, the form says {given:?}")]
    GenderMismatch { from_id: Gender, given: Gender },
}

impl IdNumberError {
    pub fn code(&self) -> &'static str {
        match self {
            IdNumberError::Length(_) => "ID_NUMBER_LENGTH",
            IdNumberError::Character { .. } => "ID_NUMBER_CHARACTER",
            IdNumberError::Area(_) => "ID_NUMBER_AREA",
            IdNumberError::BirthDate(_) => "ID_NUMBER_BIRTH_DATE",
            IdNumberError::FutureBirthDate(_) => "ID_NUMBER_FUTURE_BIRTH_DATE",
            IdNumberError::Checksum { .. } => "ID_NUMBER_CHECKSUM",
            IdNumberError::GenderMismatch { .. } => "ID_NUMBER_GENDER_MISMATCH",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            IdNumberError::Length(n) => format!("身份证号应为18位（或15位旧号），当前为{n}位"),
            IdNumberError::Character { position, found } => {
                format!("身份证号第{position}位字符「{found}」无效")
            }
            IdNumberError::Area(code) => format!("身份证号地区码 {code} 不存在"),
            IdNumberError::BirthDate(d) => format!("身份证号中的出生日期 {d} 不存在"),
            IdNumberError::FutureBirthDate(d) => format!("身份证号中的出生日期 {d} 晚于今天"),
            IdNumberError::Checksum { expected, found } => {
                format!("身份证号校验位错误：应为 {expected}，实为 {found}")
            }
            IdNumberError::GenderMismatch { from_id, given } => {
                format!("性别与身份证号不符：身份证号为{}，填写为{}", from_id.label_zh(), given.label_zh())
            }
        }
    }
}

/// Folds what people type into plain ASCII: trims, drops inner spaces, converts full-width
/// digits and letters, and upper-cases the check character `x`.
pub fn normalize_input(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            _ => c,
        })
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> char {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    CHECK_CHARS[(sum % 11) as usize] as char
}

/// Validates an ID number as of `today` (a birth date after it is refused).
pub fn validate(raw: &str, today: NaiveDate) -> Result<IdNumber, IdNumberError> {
    let s = normalize_input(raw);
    // Checked without collecting the characters: a roster import validates 100,000 of these.
    let (digits, upgraded) = match s.chars().count() {
        18 => {
            for (i, c) in s.chars().enumerate() {
                let ok = c.is_ascii_digit() || (i == 17 && c == 'X');
                if !ok {
                    return Err(IdNumberError::Character { position: i + 1, found: c });
                }
            }
            (s.into_bytes(), false)
        }
        15 => {
            if let Some((i, c)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
                return Err(IdNumberError::Character { position: i + 1, found: c });
            }
            let mut v = Vec::with_capacity(18);
            v.extend_from_slice(&s.as_bytes()[..6]);
            v.extend_from_slice(b"19");
            v.extend_from_slice(&s.as_bytes()[6..15]);
            let c = check_char(&v);
            v.push(c as u8);
            (v, true)
        }
        n => return Err(IdNumberError::Length(n)),
    };
    let province = (digits[0] - b'0') * 10 + (digits[1] - b'0');
    if !PROVINCES.contains(&province) {
        return Err(IdNumberError::Area(String::from_utf8_lossy(&digits[..6]).into_owned()));
    }
    let birth_text = std::str::from_utf8(&digits[6..14]).unwrap_or_default();
    // Digits only by now: YYYYMMDD read directly (as `%Y%m%d` would, without its cost).
    let number =
        |at: std::ops::Range<usize>| digits[at].iter().fold(0u32, |n, b| n * 10 + u32::from(b - b'0'));
    let year = number(6..10);
    let birth_date = NaiveDate::from_ymd_opt(year as i32, number(10..12), number(12..14))
        .filter(|_| year >= 1800)
        .ok_or_else(|| IdNumberError::BirthDate(birth_text.to_string()))?;
    if birth_date > today {
        return Err(IdNumberError::FutureBirthDate(birth_date));
    }
    let expected = check_char(&digits[..17]);
    let found = digits[17] as char;
    if expected != found {
        return Err(IdNumberError::Checksum { expected, found });
    }
    let gender = if (digits[16] - b'0') % 2 == 1 { Gender::Male } else { Gender::Female };
    Ok(IdNumber {
        normalized: String::from_utf8(digits).unwrap_or_default(),
        birth_date,
        gender,
        upgraded_from_15: upgraded,
    })
}

/// Validates and cross-checks the gender a form gives against the sequence digit.
pub fn validate_with_gender(
    raw: &str,
    given: Option<Gender>,
    today: NaiveDate,
) -> Result<IdNumber, IdNumberError> {
    let id = validate(raw, today)?;
    match given {
        Some(g) if g != id.gender => Err(IdNumberError::GenderMismatch { from_id: id.gender, given: g }),
        _ => Ok(id),
    }
}

/// Builds a valid ID number from its parts (for synthetic people only).
pub fn compose(area: &str, birth: NaiveDate, sequence: u16) -> String {
    let mut s = format!("{area}{}{:03}", birth.format("%Y%m%d"), sequence % 1000);
    let c = check_char(s.as_bytes());
    s.push(c);
    s
}

/// `1101**********002X`: the first four and last four characters, the rest hidden.
pub fn mask(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..4].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 8));
    out.extend(&chars[chars.len() - 4..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    // domain.md §5: every vector.
    #[test]
    fn gb11643_valid_vectors() {
        for v in ["11010519491231002X", "440524188001010014", "370101190102039973", "110101202311012176"] {
            let id = validate(v, today()).unwrap_or_else(|e| panic!("{v}: {e}"));
            assert_eq!(id.normalized, v);
        }
        let id = validate("11010519491231002X", today()).unwrap();
        assert_eq!(id.birth_date, NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(id.gender, Gender::Female);
        assert_eq!(validate("440524188001010014", today()).unwrap().gender, Gender::Male);
    }

    #[test]
    fn gb11643_invalid_vectors() {
        assert!(matches!(validate("110101202311012171", today()), Err(IdNumberError::Checksum { .. })));
        assert!(matches!(validate("110105194912310021", today()), Err(IdNumberError::Checksum { .. })));
        assert!(matches!(validate("110105199902300015", today()), Err(IdNumberError::BirthDate(_))));
        assert!(matches!(validate("110105210001010015", today()), Err(IdNumberError::FutureBirthDate(_))));
    }

    #[test]
    fn gb11643_fifteen_digit_upgrade() {
        let id = validate("110105491231002", today()).unwrap();
        assert_eq!(id.normalized, "11010519491231002X");
        assert!(id.upgraded_from_15);
    }

    #[test]
    fn gb11643_one_vector_per_remainder() {
        let vectors = [
            "110105198001010091",
            "110105198001010040",
            "11010519800101018X",
            "110105198001010059",
            "110105198001010198",
            "110105198001010067",
            "110105198001010016",
            "110105198001010075",
            "110105198001010024",
            "110105198001010083",
            "110105198001010032",
        ];
        for (r, v) in vectors.iter().enumerate() {
            let sum: u32 = v.as_bytes()[..17].iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
            assert_eq!((sum % 11) as usize, r, "{v}");
            validate(v, today()).unwrap_or_else(|e| panic!("{v}: {e}"));
        }
    }

    #[test]
    fn normalises_lowercase_x_and_full_width() {
        assert_eq!(validate("11010519491231002x", today()).unwrap().normalized, "11010519491231002X");
        assert_eq!(
            validate("１１０１０５１９４９１２３１００２Ｘ", today()).unwrap().normalized,
            "11010519491231002X"
        );
        assert_eq!(validate(" 1101 0519 4912 3100 2X ", today()).unwrap().normalized, "11010519491231002X");
    }

    #[test]
    fn rejects_bad_shapes_with_position() {
        assert_eq!(validate("1101051949123100", today()), Err(IdNumberError::Length(16)));
        assert_eq!(
            validate("1101051949123100X2", today()),
            Err(IdNumberError::Character { position: 17, found: 'X' })
        );
        assert!(matches!(validate("990105194912310029", today()), Err(IdNumberError::Area(_))));
    }

    #[test]
    fn gender_cross_check() {
        let e = validate_with_gender("11010519491231002X", Some(Gender::Male), today()).unwrap_err();
        assert_eq!(e.code(), "ID_NUMBER_GENDER_MISMATCH");
        assert!(validate_with_gender("11010519491231002X", Some(Gender::Female), today()).is_ok());
    }

    #[test]
    fn compose_makes_valid_numbers_and_mask_hides_the_middle() {
        let id = compose("510107", NaiveDate::from_ymd_opt(1990, 2, 28).unwrap(), 123);
        assert!(validate(&id, today()).is_ok());
        assert_eq!(mask("11010519491231002X"), "1101**********002X");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,24}") {
            let _ = validate(&s, today());
        }
        #[test]
        fn any_composed_number_validates(area in 0usize..4, days in 0i64..38000, seq in 0u16..1000) {
            let areas = ["110105", "440106", "510107", "370101"];
            let birth = NaiveDate::from_ymd_opt(1920, 1, 1).unwrap() + chrono::Duration::days(days);
            let id = compose(areas[area], birth, seq);
            let v = validate(&id, today()).unwrap();
            proptest::prop_assert_eq!(v.birth_date, birth);
        }
    }
}
