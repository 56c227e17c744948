//! Server keys, random values and keyed hashes.
//!
//! Client secrets and API tokens are server-generated 256-bit random values, so a keyed hash
//! (HMAC-SHA256 with a server pepper) protects them at rest without a slow password hash; the
//! comparison is constant-time. The pepper and the access-token MAC key are derived from one
//! master key that never touches the database.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Keys derived from the master key, kept as ready-keyed MAC states (cloning one is cheaper
/// than keying a new one on every request).
pub struct Keys {
    secret_pepper: HmacSha256,
    token_mac: HmacSha256,
    webhook_secrets: HmacSha256,
    invitation_tokens: HmacSha256,
    tagger: Tagger,
}

impl Keys {
    pub fn derive(master: &[u8]) -> Keys {
        let sub = |label: &[u8]| {
            let mut m = HmacSha256::new_from_slice(master).expect("HMAC takes any key length");
            m.update(label);
            m.finalize().into_bytes()
        };
        Keys {
            secret_pepper: HmacSha256::new_from_slice(&sub(b"trestle/secret-hash/v1")).expect("key"),
            token_mac: HmacSha256::new_from_slice(&sub(b"trestle/access-token/v1")).expect("key"),
            webhook_secrets: HmacSha256::new_from_slice(&sub(b"trestle/webhook-secret/v1")).expect("key"),
            invitation_tokens: HmacSha256::new_from_slice(&sub(b"trestle/invitation-accept/v1")).expect("key"),
            tagger: Tagger::new(&sub(b"trestle/cache-tag/v1").into()),
        }
    }

    /// The keyed hash stored for a client secret or API token (hex).
    pub fn hash_secret(&self, secret: &str) -> String {
        let mut m = self.secret_pepper.clone();
        m.update(secret.as_bytes());
        // On every token request: hex into a buffer (`hex::encode` goes char by char).
        let mut out = [0u8; 64];
        hex::encode_to_slice(m.finalize().into_bytes(), &mut out).expect("32 bytes are 64 hex digits");
        String::from_utf8(out.to_vec()).expect("hex digits are ASCII")
    }

    /// A webhook hook's signing secret: a keyed hash of its id and random salt, so it is
    /// never stored, and a new salt is a new secret.
    pub fn webhook_secret(&self, hook: trestle_domain::HookId, salt: &str) -> String {
        let mut m = self.webhook_secrets.clone();
        m.update(format!("{}:{salt}", hook.0).as_bytes());
        format!("whsec_{}", hex::encode(m.finalize().into_bytes()))
    }

    /// The token that accepts invitation `id` for the person it was sent to: a keyed hash of
    /// both, so it is never stored (only the mail that carries it keeps it) and works only for
    /// that invitation while it is pending.
    pub fn invitation_token(&self, id: trestle_domain::InvitationId, user: trestle_domain::UserId) -> String {
        let mut m = self.invitation_tokens.clone();
        m.update(format!("{}:{}", id.0, user.0).as_bytes());
        format!("inv_{}_{}", id.0, hex::encode(m.finalize().into_bytes()))
    }

    /// An app lifecycle endpoint's signing secret, made like a hook's (a keyed hash of its id
    /// and random salt; the `endpoint:` prefix keeps the two id spaces apart).
    pub fn endpoint_secret(&self, endpoint: trestle_domain::EndpointId, salt: &str) -> String {
        let mut m = self.webhook_secrets.clone();
        m.update(format!("endpoint:{}:{salt}", endpoint.0).as_bytes());
        format!("whsec_{}", hex::encode(m.finalize().into_bytes()))
    }

    pub(crate) fn token_mac(&self, payload: &[u8]) -> [u8; 32] {
        let mut m = self.token_mac.clone();
        m.update(payload);
        m.finalize().into_bytes().into()
    }

    /// A keyed 128-bit tag of `parts` (each length-prefixed): what the caches of verified
    /// credentials are keyed by, so they hold no secret and no unkeyed digest of one.
    pub(crate) fn tag(&self, parts: &[&[u8]]) -> [u8; 16] {
        self.tagger.tag(parts)
    }
}

/// Keyed 128-bit tags of presented credentials, for the in-memory "already verified" caches: two
/// SipHash-2-4 PRFs with independent keys (from the master key). A tag never leaves the
/// process; without the key nobody can make a value whose tag equals a verified one's.
/// SipHash is a standard short-input PRF, about a tenth of the work of HMAC-SHA256 in software.
struct Tagger {
    keys: [(u64, u64); 2],
}

impl Tagger {
    fn new(key: &[u8; 32]) -> Tagger {
        let word = |i: usize| u64::from_le_bytes(key[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
        Tagger {
            keys: [(word(0), word(1)), (word(2), word(3))],
        }
    }

    fn tag(&self, parts: &[&[u8]]) -> [u8; 16] {
        use std::hash::Hasher;
        let mut out = [0u8; 16];
        for (half, (k0, k1)) in out.chunks_exact_mut(8).zip(self.keys) {
            // std's SipHasher is SipHash-2-4 (deprecated only in favour of DefaultHasher, whose
            // keys cannot be chosen).
            #[allow(deprecated)]
            let mut h = std::hash::SipHasher::new_with_keys(k0, k1);
            for part in parts {
                // length-prefixed, so ("ab", "c") and ("a", "bc") differ
                h.write_u64(part.len() as u64);
                h.write(part);
            }
            half.copy_from_slice(&h.finish().to_le_bytes());
        }
        out
    }
}

/// `n` bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("the OS random number generator is available");
    b
}

/// A per-token nonce: 8 bytes from this thread's CSPRNG (ChaCha, seeded and periodically
/// reseeded from the operating system), so issuing a token costs no system call. Secrets and
/// ids still come straight from the OS ([`random_bytes`]).
pub fn nonce() -> [u8; 8] {
    use rand::RngCore;
    let mut b = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut b);
    b
}

/// A 256-bit random value as 64 lowercase hex characters (client ids and secrets).
pub fn random_hex_256() -> String {
    hex::encode(random_bytes::<32>())
}

/// A management API token: a recognisable prefix and 256 random bits.
pub fn new_api_token() -> String {
    format!("trs_{}", random_hex_256())
}

/// A keyed-hash-shaped value no secret hashes to in practice: compared against when a client id
/// is unknown, so that refusal does the work a wrong secret does.
pub const DUMMY_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Constant-time equality of two hex hashes.
pub fn hashes_equal(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn hashes_are_keyed_and_verify_in_constant_time() {
        let a = Keys::derive(b"master-a");
        let b = Keys::derive(b"master-b");
        let h = a.hash_secret("s3cret");
        assert_eq!(h.len(), 64);
        assert_ne!(h, b.hash_secret("s3cret"), "the pepper changes the hash");
        assert!(hashes_equal(&a.hash_secret("s3cret"), &h));
        assert!(!hashes_equal(&a.hash_secret("s3cret!"), &h));
        assert!(!hashes_equal(&b.hash_secret("s3cret"), &h));
    }

    #[test]
    fn tags_are_keyed_and_separate_their_parts() {
        let a = Keys::derive(b"master-a");
        let b = Keys::derive(b"master-b");
        let t = a.tag(&[b"id", b"secret"]);
        assert_eq!(t, a.tag(&[b"id", b"secret"]));
        assert_ne!(t, b.tag(&[b"id", b"secret"]), "the key changes the tag");
        assert_ne!(t, a.tag(&[b"ids", b"ecret"]), "parts are length-prefixed");
        assert_ne!(t, a.tag(&[b"id", b"secreT"]));
        assert_ne!(t[..8], t[8..], "two independent halves");
    }

    #[test]
    fn random_values_are_unique_and_long() {
        let mut seen = HashSet::new();
        for _ in 0..10_000 {
            let v = random_hex_256();
            assert_eq!(v.len(), 64);
            assert!(seen.insert(v));
        }
        assert!(new_api_token().starts_with("trs_"));
    }
}
