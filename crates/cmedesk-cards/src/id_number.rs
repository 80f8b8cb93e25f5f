//! GB 11643-1999 citizen identity number check (18 characters, last one a mod-11 check digit).
//! The core has its own validator for staff records; the card layer needs one without depending
//! on the core (it must not), so this is a small local copy of the same rule.

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [u8; 11] = *b"10X98765432";

/// The check character for the first 17 digits, or `None` if they are not all digits.
pub fn check_char(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    Some(CHECK[(sum % 11) as usize])
}

/// True when `id` is 18 characters with a valid check character (`x` accepted as `X`) and a
/// plausible birth date (month 01–12, day 01–31).
pub fn is_valid(id: &str) -> bool {
    let b = id.as_bytes();
    if b.len() != 18 {
        return false;
    }
    let Some(check) = check_char(&b[..17]) else {
        return false;
    };
    let month = (b[10] - b'0') * 10 + (b[11] - b'0');
    let day = (b[12] - b'0') * 10 + (b[13] - b'0');
    (1..=12).contains(&month) && (1..=31).contains(&day) && b[17].to_ascii_uppercase() == check
}

/// Completes 17 digits with their check character (used by simulators and tests to make
/// checksum-valid synthetic numbers).
pub fn complete(first17: &str) -> Option<String> {
    let c = check_char(first17.as_bytes())?;
    Some(format!("{first17}{}", c as char))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb11643_check_digit() {
        // The worked example of the standard: 11010519491231002X.
        assert!(is_valid("11010519491231002X"));
        assert!(is_valid("11010519491231002x"));
        assert!(!is_valid("110105194912310021"));
        assert_eq!(complete("51010719900307123").as_deref().map(str::len), Some(18));
        assert!(!is_valid("5101071990030712"));
        assert!(!is_valid("51010719901307123X"));
    }
}
