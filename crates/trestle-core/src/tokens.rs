//! Self-validating access tokens: issuing one needs no database write, checking one needs no
//! database read to know it is genuine and unexpired.
//!
//! Layout before base64url: `version(1) kind(1) subject(8) credential(8) issued_at(8)
//! expires_at(8) nonce(8)` followed by the first 16 bytes of HMAC-SHA256 over those 42 bytes.
//! The credential is a secret id, or a grant id for a person's token (the kind says which).

use crate::secrets::{nonce, Keys};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use subtle::ConstantTimeEq;
use trestle_domain::{GrantId, SecretId};

const VERSION: u8 = 1;
const PAYLOAD: usize = 42;
const MAC: usize = 16;

/// Whom a token stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A DMSA app (client_credentials): `subject` is the app id.
    App = 1,
    /// A person (authorization_code): `subject` is the user id.
    Person = 2,
    /// A DMSA app through its sandbox client: acts only in the app's development sandbox.
    SandboxApp = 3,
    /// A traditional service account: `subject` is the account id.
    ServiceAccount = 4,
}

/// What a token was issued on; ending it ends the token. Which one a token carries follows
/// from its kind, so a grant id is never read as a secret id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    /// The client secret that authenticated the request (apps, service accounts).
    Secret(SecretId),
    /// The person's grant (authorization code, refresh).
    Grant(GrantId),
}

impl Credential {
    fn raw(self) -> i64 {
        match self {
            Credential::Secret(s) => s.0,
            Credential::Grant(g) => g.0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Claims {
    pub kind: TokenKind,
    pub subject: i64,
    /// A secret for apps and service accounts, a grant for people.
    pub credential: Credential,
    pub issued_at: i64,
    pub expires_at: i64,
}

pub fn encode(keys: &Keys, claims: &Claims) -> String {
    assert_eq!(
        claims.kind == TokenKind::Person,
        matches!(claims.credential, Credential::Grant(_)),
        "a person's token carries a grant, any other a secret"
    );
    let mut buf = [0u8; PAYLOAD + MAC];
    buf[0] = VERSION;
    buf[1] = claims.kind as u8;
    buf[2..10].copy_from_slice(&claims.subject.to_be_bytes());
    buf[10..18].copy_from_slice(&claims.credential.raw().to_be_bytes());
    buf[18..26].copy_from_slice(&claims.issued_at.to_be_bytes());
    buf[26..34].copy_from_slice(&claims.expires_at.to_be_bytes());
    buf[34..42].copy_from_slice(&nonce());
    let mac = keys.token_mac(&buf[..PAYLOAD]);
    buf[PAYLOAD..].copy_from_slice(&mac[..MAC]);
    URL_SAFE_NO_PAD.encode(buf)
}

/// A token's id: the base64url of its MAC (the last 22 characters, as the 42-byte payload
/// encodes to exactly 56). Unique per token; what revocation remembers.
pub fn token_id(token: &str) -> Option<&str> {
    (token.len() == 78 && token.is_ascii()).then(|| &token[56..])
}

/// Why a presented token is not accepted.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    Malformed,
    Expired,
}

/// Checks the MAC and expiry. Revocation and the current install state are checked by the caller.
pub fn decode(keys: &Keys, token: &str, now: i64) -> Result<Claims, TokenError> {
    let claims = decode_mac(keys, token)?;
    if now >= claims.expires_at {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

/// The claims of a token whose MAC is right, expired or not.
fn decode_mac(keys: &Keys, token: &str) -> Result<Claims, TokenError> {
    if token.len() != 78 {
        return Err(TokenError::Malformed);
    }
    let mut buf = [0u8; PAYLOAD + MAC];
    match URL_SAFE_NO_PAD.decode_slice(token, &mut buf) {
        Ok(n) if n == PAYLOAD + MAC => {}
        _ => return Err(TokenError::Malformed),
    }
    let mac = keys.token_mac(&buf[..PAYLOAD]);
    if !bool::from(mac[..MAC].ct_eq(&buf[PAYLOAD..])) || buf[0] != VERSION {
        return Err(TokenError::Malformed);
    }
    let kind = match buf[1] {
        1 => TokenKind::App,
        2 => TokenKind::Person,
        3 => TokenKind::SandboxApp,
        4 => TokenKind::ServiceAccount,
        _ => return Err(TokenError::Malformed),
    };
    let int = |r: std::ops::Range<usize>| i64::from_be_bytes(buf[r].try_into().expect("8 bytes"));
    let claims = Claims {
        kind,
        subject: int(2..10),
        credential: match kind {
            TokenKind::Person => Credential::Grant(GrantId(int(10..18))),
            _ => Credential::Secret(SecretId(int(10..18))),
        },
        issued_at: int(18..26),
        expires_at: int(26..34),
    };
    Ok(claims)
}

/// Tokens whose MAC this node has checked, by a keyed tag of the whole token
/// ([`Keys::tag`]): an API client sends the same token on every request, and a tag costs a
/// fraction of the HMAC. A token's claims never change (it is immutable under the MAC), so an
/// entry needs no invalidation; expiry is still checked on every use, and revocation, the
/// secret's and the grant's liveness are checked by the caller as for any token. Bounded; only
/// tokens with a good MAC get in.
pub struct Verified {
    cache: quick_cache::sync::Cache<[u8; 16], Claims>,
}

impl Verified {
    pub fn new(capacity: usize) -> Self {
        Verified {
            cache: quick_cache::sync::Cache::new(capacity),
        }
    }

    /// [`decode`], remembering a genuine token.
    pub fn decode(&self, keys: &Keys, token: &str, now: i64) -> Result<Claims, TokenError> {
        if token.len() != 78 {
            return Err(TokenError::Malformed);
        }
        let tag = keys.tag(&[token.as_bytes()]);
        let claims = match self.cache.get(&tag) {
            Some(claims) => claims,
            None => {
                let claims = decode_mac(keys, token)?;
                self.cache.insert(tag, claims);
                claims
            }
        };
        if now >= claims.expires_at {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            kind: TokenKind::App,
            subject: 42,
            credential: Credential::Secret(SecretId(7)),
            issued_at: 1000,
            expires_at: 6400,
        }
    }

    #[test]
    fn a_persons_token_carries_a_grant_and_any_other_a_secret() {
        let keys = Keys::derive(b"k");
        let person = Claims {
            kind: TokenKind::Person,
            subject: 5,
            credential: Credential::Grant(GrantId(9)),
            ..claims()
        };
        assert_eq!(decode(&keys, &encode(&keys, &person), 1000), Ok(person));
        for kind in [TokenKind::App, TokenKind::SandboxApp, TokenKind::ServiceAccount] {
            let c = Claims { kind, ..claims() };
            assert_eq!(decode(&keys, &encode(&keys, &c), 1000), Ok(c));
        }
        let mixed = Claims {
            credential: Credential::Grant(GrantId(9)),
            ..claims()
        };
        assert!(
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| encode(&keys, &mixed))).is_err(),
            "an app token never carries a grant"
        );
    }

    #[test]
    fn round_trips_and_is_unique() {
        let keys = Keys::derive(b"k");
        let a = encode(&keys, &claims());
        let b = encode(&keys, &claims());
        assert_ne!(a, b, "a nonce makes every token unique");
        assert_eq!(a.len(), 78);
        assert_eq!(decode(&keys, &a, 1000), Ok(claims()));
    }

    #[test]
    fn rejects_tampering_other_keys_and_expiry() {
        let keys = Keys::derive(b"k");
        let t = encode(&keys, &claims());
        assert_eq!(decode(&Keys::derive(b"other"), &t, 1000), Err(TokenError::Malformed));
        assert_eq!(decode(&keys, &t, 6400), Err(TokenError::Expired));
        // flip one character of the payload
        let mut chars: Vec<char> = t.chars().collect();
        chars[5] = if chars[5] == 'A' { 'B' } else { 'A' };
        let tampered: String = chars.into_iter().collect();
        assert_eq!(decode(&keys, &tampered, 1000), Err(TokenError::Malformed));
        assert_eq!(decode(&keys, "short", 1000), Err(TokenError::Malformed));
        assert_eq!(decode(&keys, &"!".repeat(78), 1000), Err(TokenError::Malformed));
    }

    #[test]
    fn verified_tokens_decode_as_decode_does() {
        let keys = Keys::derive(b"k");
        let verified = Verified::new(10);
        let t = encode(&keys, &claims());
        for _ in 0..2 {
            // the first time checked by the MAC, the second from the cache
            assert_eq!(verified.decode(&keys, &t, 1000), Ok(claims()));
            assert_eq!(verified.decode(&keys, &t, 6400), Err(TokenError::Expired));
        }
        // another key's node, a tampered token, garbage: refused, and never remembered
        assert_eq!(
            verified.decode(&Keys::derive(b"other"), &t, 1000),
            Err(TokenError::Malformed)
        );
        let mut chars: Vec<char> = t.chars().collect();
        chars[5] = if chars[5] == 'A' { 'B' } else { 'A' };
        let tampered: String = chars.into_iter().collect();
        for _ in 0..2 {
            assert_eq!(verified.decode(&keys, &tampered, 1000), Err(TokenError::Malformed));
        }
        assert_eq!(verified.decode(&keys, "short", 1000), Err(TokenError::Malformed));
        assert_eq!(verified.cache.len(), 1, "only the genuine token is remembered");
    }
}
