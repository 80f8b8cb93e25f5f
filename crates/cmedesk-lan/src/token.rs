//! Signed tokens, HMAC-SHA256 with the installation's secret (nothing is stored server-side
//! except the nonces of used tickets):
//!
//! * **QR token** — what the kiosk's code carries: project, attendance window and rotation
//!   step. It rotates every N seconds and is accepted for the current and the previous step
//!   only, so a photo of the screen sent to a friend stops working within 2N seconds.
//! * **Form ticket** — what a phone gets for scanning a fresh QR token: the same project and
//!   window, the device, a random nonce and an expiry a few minutes out (time to type an ID
//!   number). A ticket checks in once; a second use is a replay.
//! * **Download ticket** — a staff member's statement PDF link, valid a few minutes.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Token signer and checker.
#[derive(Clone)]
pub struct Signer {
    secret: [u8; 32],
}

/// Why a token is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// Not ours, damaged or altered.
    Invalid,
    /// Ours, but too old.
    Expired,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh random nonce (16 bytes, hex).
pub fn nonce() -> String {
    let mut b = [0u8; 16];
    // getrandom only fails on systems without an entropy source, where TLS fails first.
    getrandom::fill(&mut b).expect("system random source");
    hex(&b)
}

/// A QR token's contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrToken {
    pub project_id: String,
    pub window_id: String,
    pub step: i64,
}

/// A form ticket's contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub project_id: String,
    pub window_id: String,
    pub device: String,
    pub nonce: String,
    /// Unix seconds.
    pub expires: i64,
}

impl Signer {
    pub fn new(secret: [u8; 32]) -> Signer {
        Signer { secret }
    }

    fn mac(&self, kind: &str, parts: &[&str]) -> String {
        let mut m = HmacSha256::new_from_slice(&self.secret).expect("HMAC takes any key length");
        m.update(kind.as_bytes());
        for p in parts {
            m.update(&[0x1f]);
            m.update(p.as_bytes());
        }
        hex(&m.finalize().into_bytes()[..16])
    }

    fn check(&self, kind: &str, parts: &[&str], mac: &str) -> bool {
        let mut m = HmacSha256::new_from_slice(&self.secret).expect("HMAC takes any key length");
        m.update(kind.as_bytes());
        for p in parts {
            m.update(&[0x1f]);
            m.update(p.as_bytes());
        }
        let Some(bytes) = unhex(mac) else { return false };
        // Constant-time comparison of the truncated tag.
        m.verify_truncated_left(&bytes).is_ok()
    }

    /// `step.project.window.mac`.
    pub fn qr(&self, t: &QrToken) -> String {
        let step = t.step.to_string();
        let mac = self.mac("qr", &[&step, &t.project_id, &t.window_id]);
        format!("{step}.{}.{}.{mac}", t.project_id, t.window_id)
    }

    /// Checks a QR token; `current_step` is the step of now. Accepts the current and the
    /// previous step.
    pub fn open_qr(&self, text: &str, current_step: i64) -> Result<QrToken, TokenError> {
        let parts: Vec<&str> = text.trim().split('.').collect();
        let [step, project, window, mac] = parts[..] else { return Err(TokenError::Invalid) };
        if !self.check("qr", &[step, project, window], mac) {
            return Err(TokenError::Invalid);
        }
        let step: i64 = step.parse().map_err(|_| TokenError::Invalid)?;
        if step > current_step {
            return Err(TokenError::Invalid);
        }
        if current_step - step > 1 {
            return Err(TokenError::Expired);
        }
        Ok(QrToken { project_id: project.into(), window_id: window.into(), step })
    }

    /// `expires.project.window.device.nonce.mac`.
    pub fn ticket(&self, t: &Ticket) -> String {
        let exp = t.expires.to_string();
        let mac = self.mac("ticket", &[&exp, &t.project_id, &t.window_id, &t.device, &t.nonce]);
        format!("{exp}.{}.{}.{}.{}.{mac}", t.project_id, t.window_id, t.device, t.nonce)
    }

    pub fn open_ticket(&self, text: &str, now: i64) -> Result<Ticket, TokenError> {
        let parts: Vec<&str> = text.trim().split('.').collect();
        let [exp, project, window, device, nonce, mac] = parts[..] else { return Err(TokenError::Invalid) };
        if !self.check("ticket", &[exp, project, window, device, nonce], mac) {
            return Err(TokenError::Invalid);
        }
        let expires: i64 = exp.parse().map_err(|_| TokenError::Invalid)?;
        if now >= expires {
            return Err(TokenError::Expired);
        }
        Ok(Ticket {
            project_id: project.into(),
            window_id: window.into(),
            device: device.into(),
            nonce: nonce.into(),
            expires,
        })
    }

    /// `expires.staff.mac`: a short-lived statement download link.
    pub fn download(&self, staff_id: &str, expires: i64) -> String {
        let exp = expires.to_string();
        let mac = self.mac("download", &[&exp, staff_id]);
        format!("{exp}.{staff_id}.{mac}")
    }

    pub fn open_download(&self, text: &str, now: i64) -> Result<String, TokenError> {
        let parts: Vec<&str> = text.trim().split('.').collect();
        let [exp, staff, mac] = parts[..] else { return Err(TokenError::Invalid) };
        if !self.check("download", &[exp, staff], mac) {
            return Err(TokenError::Invalid);
        }
        let expires: i64 = exp.parse().map_err(|_| TokenError::Invalid)?;
        if now >= expires {
            return Err(TokenError::Expired);
        }
        Ok(staff.into())
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> Signer {
        Signer::new([7; 32])
    }

    #[test]
    fn qr_tokens_rotate_and_expire() {
        let s = signer();
        let t = QrToken { project_id: "p".into(), window_id: "w".into(), step: 100 };
        let text = s.qr(&t);
        assert_eq!(s.open_qr(&text, 100), Ok(t.clone()));
        assert_eq!(s.open_qr(&text, 101), Ok(t.clone()), "the previous step is still accepted");
        assert_eq!(s.open_qr(&text, 102), Err(TokenError::Expired));
        assert_eq!(s.open_qr(&text, 99), Err(TokenError::Invalid), "a token from the future is forged");
        let forged = text.replace(".p.", ".q.");
        assert_eq!(s.open_qr(&forged, 100), Err(TokenError::Invalid));
        assert_eq!(
            Signer::new([8; 32]).open_qr(&text, 100),
            Err(TokenError::Invalid),
            "another install's secret"
        );
    }

    #[test]
    fn tickets_expire_and_bind_their_fields() {
        let s = signer();
        let t = Ticket {
            project_id: "p".into(),
            window_id: "w".into(),
            device: "d".into(),
            nonce: nonce(),
            expires: 1000,
        };
        let text = s.ticket(&t);
        assert_eq!(s.open_ticket(&text, 999), Ok(t.clone()));
        assert_eq!(s.open_ticket(&text, 1000), Err(TokenError::Expired));
        let other_device = text.replace(".d.", ".e.");
        assert_eq!(s.open_ticket(&other_device, 10), Err(TokenError::Invalid));
        let dl = s.download("staff-1", 50);
        assert_eq!(s.open_download(&dl, 49), Ok("staff-1".into()));
        assert_eq!(s.open_download(&dl, 50), Err(TokenError::Expired));
        assert_eq!(s.open_download(&dl.replace("staff-1", "staff-2"), 1), Err(TokenError::Invalid));
    }
}
