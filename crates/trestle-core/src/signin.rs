//! People signing in to apps: passwords (Argon2id — slow hashing belongs to passwords, not to
//! server-generated secrets), browser sessions for the login and consent pages, and the
//! authorization-code flow with PKCE (S256), single-use codes and refresh-token rotation with
//! reuse detection.

use crate::error::not_found;
use crate::oauth::{ClientAuth, IssuedToken};
use crate::secrets::random_hex_256;
use crate::tokens::{self, Claims, Credential, TokenKind};
use crate::{CoreError, OAuthError, Result, Trestle};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use trestle_domain::entities::{App, CodeRedemption, OAuthClient, RefreshRotation};
use trestle_domain::policy::{app_grant, Actor, AppStanding, Request, TokenGrant};
use trestle_domain::*;
use trestle_store::NewCode;

/// The redirect URI of the out-of-band flow: the code is shown to the person to copy.
pub const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";
/// Codes live ten minutes; browser sessions twelve hours.
pub(crate) const MIN_PASSWORD: usize = 10;

/// Whether `password` is the one `stored` (an Argon2 PHC string) was made from. Slow by
/// design: call it off the async threads (`spawn_blocking`).
pub(crate) fn password_matches(stored: &str, password: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// `GET /oauth/authorize` parameters, as received.
#[derive(Clone, Debug, Default)]
pub struct AuthorizeParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    /// Names of parameters given more than once (RFC 6749 §3.1 forbids it).
    pub repeated: Vec<String>,
}

/// A valid authorization request.
#[derive(Clone, Debug)]
pub struct ValidAuthorize {
    pub client: OAuthClient,
    pub app: App,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
}

/// Why an authorization request is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthorizeError {
    /// The client or redirect URI cannot be trusted: show an error page, never redirect.
    NoRedirect(String),
    /// Tell the client, at its verified redirect URI (RFC 6749 §4.1.2.1).
    Redirect {
        redirect_uri: String,
        error: &'static str,
        description: String,
        state: Option<String>,
    },
}

fn is_pkce_value(s: &str) -> bool {
    (43..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// Checks a redirect URI a developer registers: absolute http(s) without fragment or user info,
/// or the out-of-band URN.
pub fn check_redirect_uri(uri: &str) -> Result<()> {
    let bad = |why: &str| Err(CoreError::invalid_field("$.uri", why.to_string()));
    if uri == OOB {
        return Ok(());
    }
    if let Err(p) = trestle_domain::text::check("$.uri", uri, trestle_domain::text::URL) {
        return Err(CoreError::invalid_field(&p.path, p.reason));
    }
    let Some(rest) = uri.strip_prefix("https://").or_else(|| uri.strip_prefix("http://")) else {
        return bad("must be an absolute http(s) URL or urn:ietf:wg:oauth:2.0:oob");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') {
        bad("must name a host, without user information")
    } else if uri.contains('#') {
        bad("must not contain a fragment")
    } else if uri.len() > 2000 || uri.contains(char::is_whitespace) {
        bad("must be at most 2000 characters, without spaces")
    } else if !uri.is_ascii() || uri.contains(|c: char| c.is_ascii_control() || "\"<>\\^`{|}".contains(c)) {
        // It becomes a `Location` header: only characters a URI may hold (RFC 3986).
        bad("must contain only URI characters (percent-encode others; no quotes, <, >, backslashes or braces)")
    } else {
        Ok(())
    }
}

impl Trestle {
    /// Sets a person's password (the operator for anyone, a person for themself).
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, user = %user))]
    pub async fn set_password(&self, actor: Actor, user: UserId, password: &str) -> Result<()> {
        self.require(actor, Request::ActForPerson { user })?;
        if let Err(p) = trestle_domain::text::check("$.password", password, trestle_domain::text::PASSWORD) {
            return Err(CoreError::invalid_field(&p.path, p.reason));
        }
        if password.chars().count() < MIN_PASSWORD {
            return Err(CoreError::invalid_field(
                "$.password",
                format!("must be at least {MIN_PASSWORD} characters"),
            ));
        }
        let salt = SaltString::encode_b64(&crate::secrets::random_bytes::<16>())
            .map_err(|e| CoreError::Internal(e.to_string()))?;
        let pw = password.to_string();
        let hash = tokio::task::spawn_blocking(move || {
            Argon2::default()
                .hash_password(pw.as_bytes(), &salt)
                .map(|h| h.to_string())
        })
        .await
        .map_err(|e| CoreError::Internal(e.to_string()))?
        .map_err(|e| CoreError::Internal(e.to_string()))?;
        self.store
            .set_password(user, &hash, &self.audit(actor))
            .await
            .map_err(not_found("user"))
    }

    /// Registers a redirect URI for the app (exact match at authorization time).
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app))]
    pub async fn add_redirect_uri(&self, actor: Actor, app: AppId, uri: &str) -> Result<Vec<String>> {
        self.owned_app(actor, app).await?;
        check_redirect_uri(uri)?;
        self.store.add_redirect_uri(app, uri, &self.audit(actor)).await?;
        Ok(self.store.list_redirect_uris(app).await?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app))]
    pub async fn list_redirect_uris(&self, actor: Actor, app: AppId) -> Result<Vec<String>> {
        self.owned_app(actor, app).await?;
        Ok(self.store.list_redirect_uris(app).await?)
    }

    /// Validates an authorization request: the client, the exact redirect URI, then the rest.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn validate_authorize(&self, p: &AuthorizeParams) -> std::result::Result<ValidAuthorize, AuthorizeError> {
        let fatal = |m: &str| AuthorizeError::NoRedirect(m.to_string());
        // Which client or redirect URI was meant cannot be known: never redirect then.
        if let Some(name) = p
            .repeated
            .iter()
            .find(|n| matches!(n.as_str(), "client_id" | "redirect_uri"))
        {
            return Err(fatal(&format!("the parameter {name} is given more than once")));
        }
        let client_id = p
            .client_id
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| fatal("client_id is missing"))?;
        if !trestle_domain::text::storable(client_id) {
            return Err(fatal("unknown client_id"));
        }
        let creds = self
            .store
            .find_client_by_client_id(client_id)
            .await
            .map_err(|_| fatal("the service is temporarily unavailable"))?
            .ok_or_else(|| fatal("unknown client_id"))?;
        let app = self
            .store
            .find_app(creds.client.app_id)
            .await
            .map_err(|_| fatal("the service is temporarily unavailable"))?
            .ok_or_else(|| fatal("unknown client_id"))?;
        let standing = AppStanding {
            suspended: app.suspended_at.is_some(),
            declared: None,
        };
        if app_grant(TokenGrant::AuthorizationCode, standing).is_err() {
            return Err(fatal("this app is suspended by the platform operator"));
        }
        let registered = self
            .store
            .list_redirect_uris(app.id)
            .await
            .map_err(|_| fatal("the service is temporarily unavailable"))?;
        let redirect_uri = match p.redirect_uri.as_deref().filter(|r| !r.is_empty()) {
            Some(r) if r == OOB || registered.iter().any(|x| x == r) => r.to_string(),
            Some(_) => {
                return Err(fatal(
                    "redirect_uri does not match a redirect URI registered for this app",
                ))
            }
            None if registered.len() == 1 => registered[0].clone(),
            None => return Err(fatal("redirect_uri is required")),
        };
        let refuse = |error: &'static str, description: &str| AuthorizeError::Redirect {
            redirect_uri: redirect_uri.clone(),
            error,
            description: description.to_string(),
            state: p.state.clone(),
        };
        // The state comes back in the redirect: bounded like any text (and not sent back
        // when it is itself refused).
        if let Some(why) = p
            .state
            .as_deref()
            .and_then(|s| trestle_domain::text::refusal(s, trestle_domain::text::STATE))
        {
            return Err(AuthorizeError::Redirect {
                redirect_uri: redirect_uri.clone(),
                error: "invalid_request",
                description: format!("state {why}"),
                state: None,
            });
        }
        if let Some(name) = p.repeated.first() {
            return Err(refuse(
                "invalid_request",
                &format!("the parameter {name} is given more than once"),
            ));
        }
        if p.response_type.as_deref() != Some("code") {
            return Err(refuse("unsupported_response_type", "response_type must be code"));
        }
        match (p.code_challenge.as_deref(), p.code_challenge_method.as_deref()) {
            (None, None) => {}
            (Some(c), Some("S256")) if is_pkce_value(c) => {}
            // RFC 7636 §4.3: without a method the challenge is `plain`, which is not accepted.
            (Some(_), None) => {
                return Err(refuse(
                    "invalid_request",
                    "code_challenge_method is missing, so the challenge would be plain (RFC 7636 §4.3), which is not accepted: send code_challenge_method=S256",
                ))
            }
            (_, Some(m)) if m != "S256" => {
                return Err(refuse(
                    "invalid_request",
                    "code_challenge_method must be S256 (plain is not accepted)",
                ))
            }
            (None, Some(_)) => return Err(refuse("invalid_request", "code_challenge is missing")),
            (Some(_), _) => return Err(refuse("invalid_request", "code_challenge must be 43 to 128 characters")),
        }
        Ok(ValidAuthorize {
            client: creds.client.clone(),
            app,
            redirect_uri,
            state: p.state.clone(),
            code_challenge: p.code_challenge.clone(),
        })
    }

    /// Signs a person in: returns a session token (for a cookie) and its CSRF token. Every
    /// attempt, successful or not, is written to the platform's audit log with `address`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn login(&self, email: &str, password: &str, address: Option<&str>) -> Result<(String, String)> {
        let email = email.trim().to_ascii_lowercase();
        // An address no one can have (too long, control characters) is looked up by no one;
        // it costs the same work below as any unknown address.
        let found = match trestle_domain::text::refusal(&email, trestle_domain::text::EMAIL) {
            None => self.store.find_login(&email).await?,
            Some(_) => None,
        };
        // Unknown people cost the same work as a wrong password.
        let stored = match &found {
            Some((_, h)) => h.clone(),
            None => DUMMY_PASSWORD_HASH.to_string(),
        };
        let pw = password.to_string();
        let ok = tokio::task::spawn_blocking(move || password_matches(&stored, &pw))
            .await
            .map_err(|e| CoreError::Internal(e.to_string()))?;
        let attempt = |user: Option<UserId>, success: bool| trestle_store::SignInAttempt {
            user,
            email: email.chars().filter(|c| !c.is_control()).take(320).collect(),
            success,
            address: address.map(str::to_string),
            at: self.now(),
        };
        let user = match (found, ok) {
            (Some((user, _)), true) => user,
            (found, _) => {
                self.store
                    .record_sign_in(&attempt(found.map(|(u, _)| u), false))
                    .await?;
                return Err(CoreError::Unauthenticated("wrong e-mail address or password".into()));
            }
        };
        self.store.record_sign_in(&attempt(Some(user), true)).await?;
        let (session, csrf) = (random_hex_256(), random_hex_256());
        let now = self.now();
        self.store
            .create_web_session(
                &self.keys.hash_secret(&session),
                user,
                &csrf,
                now,
                now + self.config.session_ttl,
            )
            .await?;
        Ok((session, csrf))
    }

    /// A live browser session: its person, CSRF token and sign-in time.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn session(&self, token: &str) -> Result<Option<trestle_domain::entities::WebSession>> {
        Ok(self
            .store
            .find_web_session(&self.keys.hash_secret(token), self.now())
            .await?)
    }

    /// Whether the app may use a person's grant (`authorization_code`, `refresh_token`): a
    /// suspended app redeems no codes and refreshes no tokens.
    async fn refuse_unless_grant(&self, app: AppId, grant: TokenGrant) -> Result<(), OAuthError> {
        let suspended = !matches!(self.store.find_app(app).await?, Some(a) if a.suspended_at.is_none());
        // The person flows are refused only for suspension (the manifest is not asked).
        app_grant(
            grant,
            AppStanding {
                suspended,
                declared: None,
            },
        )
        .map_err(|_| OAuthError::UnauthorizedClient(crate::oauth::APP_SUSPENDED.into()))
    }

    /// Signs out: the session ends on the server, not only in the browser.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn logout(&self, token: &str) -> Result<()> {
        Ok(self.store.end_web_session(&self.keys.hash_secret(token)).await?)
    }

    /// The person approved: mint a single-use code bound to client, redirect URI and challenge.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user))]
    pub async fn approve(&self, valid: &ValidAuthorize, user: UserId) -> Result<String> {
        let code = random_hex_256();
        let new = NewCode {
            code_hash: self.keys.hash_secret(&code),
            client: valid.client.pk,
            user,
            redirect_uri: valid.redirect_uri.clone(),
            code_challenge: valid.code_challenge.clone(),
            expires_at: self.now() + self.config.code_ttl,
        };
        self.store.create_code(&new).await?;
        Ok(code)
    }

    fn person_token(&self, user: UserId, grant: GrantId, now: i64) -> String {
        tokens::encode(
            &self.keys,
            &Claims {
                kind: TokenKind::Person,
                subject: user.0,
                credential: Credential::Grant(grant),
                issued_at: now,
                expires_at: now + self.config.access_token_ttl,
            },
        )
    }

    /// `grant_type=authorization_code`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn exchange_code(
        &self,
        auth: &ClientAuth,
        code: &str,
        redirect_uri: Option<&str>,
        verifier: Option<&str>,
    ) -> Result<IssuedToken, OAuthError> {
        let now = self.now();
        let (creds, _) = self.authenticate_client(auth, now).await?;
        self.refuse_unless_grant(creds.client.app_id, TokenGrant::AuthorizationCode)
            .await?;
        let hash = self.keys.hash_secret(code);
        let invalid = |m: &str| OAuthError::InvalidGrant(m.to_string());
        let found = match self.store.redeem_code(&hash).await? {
            CodeRedemption::Redeemed(c) => c,
            CodeRedemption::Unknown => return Err(invalid("the code is not valid")),
            CodeRedemption::Replayed { grant } => {
                if let Some(g) = grant {
                    let audit = trestle_store::EventContext {
                        actor: trestle_store::ActorKind::Client,
                        actor_user: None,
                        actor_app: None,
                        at: now,
                    };
                    self.store
                        .revoke_grant(g, "authorization code replayed", &audit)
                        .await?;
                }
                return Err(invalid(
                    "the code was already used; the tokens issued for it are revoked",
                ));
            }
        };
        if found.client != creds.client.pk {
            return Err(invalid("the code was issued to another client"));
        }
        if found.expires_at <= now {
            return Err(invalid("the code expired"));
        }
        if redirect_uri != Some(found.redirect_uri.as_str()) {
            return Err(invalid("redirect_uri does not match the authorization request"));
        }
        match (&found.code_challenge, verifier) {
            (None, None) => {}
            (None, Some(_)) => return Err(invalid("code_verifier given for a code issued without code_challenge")),
            (Some(_), None) => return Err(invalid("code_verifier is required")),
            (Some(challenge), Some(v)) => {
                let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes()));
                if !is_pkce_value(v) || !crate::secrets::hashes_equal(&computed, challenge) {
                    return Err(invalid("code_verifier does not match code_challenge"));
                }
            }
        }
        let refresh = random_hex_256();
        let audit = trestle_store::EventContext {
            actor: trestle_store::ActorKind::Person,
            actor_user: Some(found.user),
            actor_app: None,
            at: now,
        };
        let grant = self
            .store
            .create_grant(
                &hash,
                &found,
                creds.client.app_id,
                &self.keys.hash_secret(&refresh),
                &audit,
            )
            .await?;
        Ok(IssuedToken {
            access_token: self.person_token(found.user, grant.id, now),
            expires_in: self.config.access_token_ttl,
            created_at: now,
            refresh_token: Some(refresh),
        })
    }

    /// `grant_type=refresh_token`: single use; a reused token revokes the grant and its tokens.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn refresh(&self, auth: &ClientAuth, refresh_token: &str) -> Result<IssuedToken, OAuthError> {
        let now = self.now();
        let (creds, _) = self.authenticate_client(auth, now).await?;
        // Checked before the token is spent, so it works again once the suspension is lifted.
        self.refuse_unless_grant(creds.client.app_id, TokenGrant::RefreshToken)
            .await?;
        let next = random_hex_256();
        let audit = trestle_store::EventContext {
            actor: trestle_store::ActorKind::Client,
            actor_user: None,
            actor_app: None,
            at: now,
        };
        let grant = match self
            .store
            .rotate_refresh(
                &self.keys.hash_secret(refresh_token),
                &self.keys.hash_secret(&next),
                &audit,
            )
            .await?
        {
            RefreshRotation::Rotated(g) => g,
            RefreshRotation::Unknown => return Err(OAuthError::InvalidGrant("The refresh token is invalid".into())),
            RefreshRotation::Reused { .. } => {
                return Err(OAuthError::InvalidGrant(
                    "The refresh token was already used; every token of this authorization is revoked".into(),
                ))
            }
        };
        if grant.client != creds.client.pk {
            self.store
                .revoke_grant(grant.id, "refresh token presented by another client", &audit)
                .await?;
            return Err(OAuthError::InvalidGrant("The refresh token is invalid".into()));
        }
        if grant.revoked {
            return Err(OAuthError::InvalidGrant("The refresh token is invalid".into()));
        }
        if now >= grant.created_at + self.config.refresh_token_max_age {
            self.store
                .revoke_grant(grant.id, "the authorization reached its maximum age", &audit)
                .await?;
            return Err(OAuthError::InvalidGrant(format!(
                "The authorization is older than {} days; the person must sign in again",
                self.config.refresh_token_max_age / 86_400
            )));
        }
        Ok(IssuedToken {
            access_token: self.person_token(grant.user_id, grant.id, now),
            expires_in: self.config.access_token_ttl,
            created_at: now,
            refresh_token: Some(next),
        })
    }
}

/// An Argon2id hash of a random password nobody kept, made with the parameters every stored
/// password hash has (`Argon2::default()`): an unknown e-mail address is verified against it,
/// so it costs exactly what a wrong password costs — from the first attempt on, with nothing
/// computed lazily. What it verifies is never used: an unknown address is refused whatever.
const DUMMY_PASSWORD_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$RF/amwS+lp9TKUvgiQK/Tw$/OxperLAwXu/wMDWhtXfRSiNITxZnrKhJZDAwrQFFHA";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_are_checked() {
        assert!(check_redirect_uri("https://app.example/callback").is_ok());
        assert!(check_redirect_uri("http://localhost:3000/cb").is_ok());
        assert!(check_redirect_uri(OOB).is_ok());
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "https://good@evil.example/",
            "https://x/cb#frag",
            "ftp://x",
            "https://",
            "/relative",
            "https://x/cb\"><script>",
            "https://x/cb?a=<b>",
            "https://x/caf\u{e9}",
            "https://x/a\\b",
        ] {
            assert!(check_redirect_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_dummy_password_hash_costs_what_real_ones_cost() {
        let dummy = PasswordHash::new(DUMMY_PASSWORD_HASH).unwrap();
        let salt = SaltString::encode_b64(&[7u8; 16]).unwrap();
        let real = Argon2::default().hash_password(b"some password", &salt).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.version, real.version);
        assert_eq!(dummy.params, real.params, "same memory, time and parallelism");
        assert!(Argon2::default().verify_password(b"some password", &dummy).is_err());
    }

    #[test]
    fn pkce_values_follow_the_abnf() {
        assert!(is_pkce_value(&"a".repeat(43)));
        assert!(!is_pkce_value(&"a".repeat(42)));
        assert!(!is_pkce_value(&"a".repeat(129)));
        assert!(!is_pkce_value(&format!("{}+", "a".repeat(43))));
    }
}
