//! The token endpoint's grants and the authentication of bearer tokens on API requests.

use crate::tokens::{self, Claims, Credential, TokenError, TokenKind};
use crate::{CoreError, OAuthError, Result, Trestle};
use std::sync::Arc;
use trestle_domain::entities::Environment;
use trestle_domain::policy::{app_grant, AppStanding, GrantRefused, TokenGrant};
use trestle_domain::{AppId, CompanyId, SecretId, ServiceAccountId, UserId};

/// Client credentials as presented (body or HTTP Basic).
#[derive(Clone, Debug)]
pub struct ClientAuth {
    pub client_id: String,
    pub client_secret: String,
}

/// A successful token response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedToken {
    pub access_token: String,
    pub expires_in: i64,
    pub created_at: i64,
    pub refresh_token: Option<String>,
}

/// What a live access token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    pub app: Option<AppId>,
    pub client_id: Option<String>,
    pub person: Option<UserId>,
    pub sandbox: bool,
    pub issued_at: i64,
    pub expires_at: i64,
    pub now: i64,
}

/// Who a valid bearer token speaks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Caller {
    /// A DMSA app; in each company it acts as that company's bot for the app. A sandbox
    /// token acts only in the app's development sandbox, a production token only outside it.
    App {
        app: AppId,
        secret_id: SecretId,
        sandbox: bool,
    },
    /// A person.
    Person(UserId),
    /// A traditional service account: acts as its directory contact, in its one company only.
    Service {
        account: ServiceAccountId,
        company: CompanyId,
        user: UserId,
    },
}

/// Whether an app may get `client_credentials` tokens now (the policy's answer, cached per app
/// and environment).
pub(crate) type AppGrant = std::result::Result<(), GrantRefused>;

/// What sandbox credentials need before they get a token: shown with the credentials and
/// returned by the token endpoint while the app has no version.
pub const SANDBOX_NEEDS_VERSION: &str = "the app has no version yet: sandbox credentials get a token only once the app has a version (create one with POST /api/v1/apps/{app_id}/versions, or on the app's page in the web UI)";

/// Why a suspended app gets no token, and its tokens are refused (until the suspension ends).
pub(crate) const APP_SUSPENDED: &str =
    "the app is suspended by the platform operator; its tokens work again when the suspension is lifted";

const INVALID_CLIENT: &str = "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.";

impl Trestle {
    /// `grant_type=client_credentials`: checks the client secret (keyed hash, constant time) and
    /// the app's manifest, then mints a self-validating token. No database write.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn issue_client_credentials(
        &self,
        auth: &ClientAuth,
        scope: Option<&str>,
    ) -> Result<IssuedToken, OAuthError> {
        use std::sync::atomic::Ordering::Relaxed;
        let issued = self.client_credentials(auth, scope).await;
        match &issued {
            Ok(_) => self.counters.tokens_issued.fetch_add(1, Relaxed),
            Err(_) => self.counters.token_failures.fetch_add(1, Relaxed),
        };
        issued
    }

    async fn client_credentials(&self, auth: &ClientAuth, scope: Option<&str>) -> Result<IssuedToken, OAuthError> {
        let now = self.now();
        let (creds, secret_id) = match self.check_app_client(auth, now).await? {
            ClientCheck::Matched(creds, secret) => (creds, secret),
            ClientCheck::Unknown(presented) => return self.service_account_token(auth, &presented, scope, now).await,
            ClientCheck::WrongSecret(e) => {
                // An unknown client id goes on to the service-account lookup; a wrong secret
                // makes the same lookup, so both refusals do the same work.
                let _ = self.store.find_service_account_by_client_id(&auth.client_id).await;
                return Err(e);
            }
        };
        let gens = &self.caches.gens;
        let app = creds.client.app_id;
        let sandbox = creds.client.environment == Environment::Sandbox;
        let allows = self
            .caches
            .client_apps
            .get_or_load(gens, &(app, sandbox), gens.stamp(None, Some(app)), || {
                self.allows_client_credentials(app, sandbox)
            })
            .await?;
        match allows {
            Err(GrantRefused::NoVersion) => {
                return Err(OAuthError::UnauthorizedClient(if sandbox {
                    SANDBOX_NEEDS_VERSION.into()
                } else {
                    "the app has no promoted version yet: production credentials get a token once a version is promoted"
                        .into()
                }))
            }
            Err(GrantRefused::NotDeclared) => {
                return Err(OAuthError::UnauthorizedClient(
                    "the app's manifest does not declare the client_credentials grant".into(),
                ))
            }
            Err(GrantRefused::Suspended) => return Err(OAuthError::UnauthorizedClient(APP_SUSPENDED.into())),
            Ok(()) => {}
        }
        if scope.is_some_and(|s| !s.trim().is_empty()) {
            return Err(OAuthError::InvalidScope(
                "scopes are not used: an app's permissions come from its manifest and each company's install".into(),
            ));
        }
        let claims = Claims {
            kind: if sandbox { TokenKind::SandboxApp } else { TokenKind::App },
            subject: app.0,
            credential: Credential::Secret(secret_id),
            issued_at: now,
            expires_at: now + self.config.access_token_ttl,
        };
        Ok(IssuedToken {
            access_token: tokens::encode(&self.keys, &claims),
            expires_in: self.config.access_token_ttl,
            created_at: now,
            refresh_token: None,
        })
    }

    /// Checks client credentials (keyed hash, constant-time); returns the client and the secret
    /// that matched.
    pub(crate) async fn authenticate_client(
        &self,
        auth: &ClientAuth,
        now: i64,
    ) -> Result<(Arc<trestle_domain::entities::ClientCredentials>, SecretId), OAuthError> {
        match self.check_app_client(auth, now).await? {
            ClientCheck::Matched(creds, secret) => Ok((creds, secret)),
            ClientCheck::Unknown(presented) => {
                // The comparison a known client's wrong secret gets, against a hash nothing has.
                let _ = crate::secrets::hashes_equal(&presented, crate::secrets::DUMMY_HASH);
                Err(OAuthError::InvalidClient(INVALID_CLIENT.into()))
            }
            ClientCheck::WrongSecret(e) => Err(e),
        }
    }

    /// Checks a presented app client secret: a secret this node verified for the client's
    /// current credentials is known by its keyed tag; any other is hashed (keyed hash) and
    /// compared in constant time with the client's live secrets — also when the client id is
    /// unknown, so an unknown id costs what a wrong secret costs. Only a correct secret is
    /// answered faster, and its answer tells the client so anyway.
    async fn check_app_client(&self, auth: &ClientAuth, now: i64) -> Result<ClientCheck, OAuthError> {
        // The secret's tag alone: an entry counts only for the client whose credentials it holds.
        let tag = self.keys.tag(&[auth.client_secret.as_bytes()]);
        let creds = self.find_app_client(&auth.client_id).await?;
        let verified = &self.caches.client_secrets;
        if let Some(c) = &creds {
            if let Some(secret) = verified.find(&tag, c, now) {
                return Ok(ClientCheck::Matched(c.clone(), secret));
            }
        }
        let presented = self.keys.hash_secret(&auth.client_secret);
        let Some(creds) = creds else {
            return Ok(ClientCheck::Unknown(presented));
        };
        match self.matching_secret(&creds, &presented, now) {
            Ok(secret) => {
                verified.remember(&self.caches.gens, tag, creds.clone(), secret);
                Ok(ClientCheck::Matched(creds, secret))
            }
            Err(e) => Ok(ClientCheck::WrongSecret(e)),
        }
    }

    /// The unexpired secret of the client whose keyed hash equals `presented` (constant-time).
    fn matching_secret(
        &self,
        creds: &trestle_domain::entities::ClientCredentials,
        presented: &str,
        now: i64,
    ) -> Result<SecretId, OAuthError> {
        creds
            .secrets
            .iter()
            .filter(|s| s.expires_at.is_none_or(|e| e > now))
            .find(|s| crate::secrets::hashes_equal(presented, &s.secret_hash))
            .map(|s| s.id)
            .ok_or_else(|| OAuthError::InvalidClient(INVALID_CLIENT.into()))
    }

    /// `POST /oauth/revoke` (RFC 7009): the client must authenticate and may revoke only tokens
    /// issued to it. Whatever the token is — revoked now, already dead, another client's (left
    /// alone) or garbage — the answer is the same (§2.2), so the endpoint tells nobody which
    /// tokens exist.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn revoke_token(&self, auth: &ClientAuth, token: &str) -> Result<(), OAuthError> {
        let now = self.now();
        let (creds, _) = self.authenticate_client(auth, now).await?;
        let audit = trestle_store::EventContext {
            actor: trestle_store::ActorKind::Client,
            actor_user: None,
            actor_app: None,
            at: now,
        };
        // A refresh token: revoke its grant, which ends every access token issued under it.
        if let Some(grant) = self.store.find_refresh_grant(&self.keys.hash_secret(token)).await? {
            if grant.client == creds.client.pk {
                self.store
                    .revoke_grant(grant.id, "refresh token revoked", &audit)
                    .await?;
            }
            return Ok(());
        }
        let Ok(claims) = self.decode_token(token, now) else {
            return Ok(());
        };
        let Some(id) = tokens::token_id(token) else {
            return Ok(());
        };
        let app = match claims.kind {
            TokenKind::App | TokenKind::SandboxApp if claims.subject == creds.client.app_id.0 => creds.client.app_id,
            TokenKind::Person => match claims.credential {
                Credential::Grant(grant) => match self.store.find_grant(grant).await? {
                    Some(g) if g.client == creds.client.pk => g.app_id,
                    _ => return Ok(()),
                },
                _ => return Ok(()),
            },
            // Another app's or a service account's token: not this client's to revoke.
            _ => return Ok(()),
        };
        self.store.revoke_token(app, id, claims.expires_at, &audit).await?;
        Ok(())
    }

    /// RFC 7662 introspection for a resource server authenticated as a client of the same app.
    /// A token of another app, or one that is not active, is just `{"active": false}`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn introspect(&self, auth: &ClientAuth, token: &str) -> Result<Option<TokenInfo>, OAuthError> {
        let (creds, _) = self.authenticate_client(auth, self.now()).await?;
        match self.token_info(token).await {
            Ok(info) if info.app == Some(creds.client.app_id) => Ok(Some(info)),
            Ok(_) | Err(CoreError::Unauthenticated(_)) => Ok(None),
            Err(CoreError::Unavailable(m)) => Err(OAuthError::TemporarilyUnavailable(m)),
            Err(e) => Err(OAuthError::ServerError(e.to_string())),
        }
    }

    /// What a live token is (`GET /oauth/token/info`); the same checks as any API request.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn token_info(&self, token: &str) -> Result<TokenInfo> {
        let caller = self.authenticate_bearer(token).await?;
        let claims = self
            .decode_token(token, self.now())
            .map_err(|_| CoreError::Unauthenticated("The access token is invalid".into()))?;
        let (app, client_id) = match caller {
            Caller::App { app, secret_id, .. } => (
                Some(app),
                self.store.find_client_by_secret(secret_id).await?.map(|c| c.client_id),
            ),
            Caller::Service { .. } => (
                None,
                match claims.credential {
                    Credential::Secret(secret) => self.store.find_service_account_by_secret(secret).await?,
                    Credential::Grant(_) => None,
                }
                .map(|a| a.client_id),
            ),
            Caller::Person(_) => match self.token_grant(&claims).await? {
                Some(g) => {
                    let mut client_id = None;
                    for env in [
                        trestle_domain::entities::Environment::Production,
                        trestle_domain::entities::Environment::Sandbox,
                    ] {
                        if let Some(c) = self
                            .store
                            .find_client(env, g.app_id)
                            .await?
                            .filter(|c| c.pk == g.client)
                        {
                            client_id = Some(c.client_id);
                        }
                    }
                    (Some(g.app_id), client_id)
                }
                None => (None, None),
            },
        };
        Ok(TokenInfo {
            app,
            client_id,
            person: match caller {
                Caller::Person(u) => Some(u),
                Caller::App { .. } | Caller::Service { .. } => None,
            },
            sandbox: matches!(caller, Caller::App { sandbox: true, .. }),
            issued_at: claims.issued_at,
            expires_at: claims.expires_at,
            now: self.now(),
        })
    }

    /// The facts the policy needs for `client_credentials` — suspension, and the grants of the
    /// newest version (sandbox) or newest promoted version (production) — and its answer.
    async fn allows_client_credentials(&self, app: AppId, sandbox: bool) -> Result<AppGrant, OAuthError> {
        let grant = TokenGrant::ClientCredentials;
        if self.store.find_app(app).await?.is_none_or(|a| a.suspended_at.is_some()) {
            let standing = AppStanding {
                suspended: true,
                declared: None,
            };
            return Ok(app_grant(grant, standing));
        }
        let latest = if sandbox {
            self.store.latest_version(app).await?
        } else {
            self.store.latest_promoted_version(app).await?
        };
        let manifest = latest
            .map(|v| crate::portal::stored_manifest(&v))
            .transpose()
            .map_err(|e| OAuthError::ServerError(e.to_string()))?;
        let standing = AppStanding {
            suspended: false,
            declared: manifest.as_ref().map(|m| m.grant_types.as_slice()),
        };
        Ok(app_grant(grant, standing))
    }

    /// Checks a bearer token's MAC and expiry only (no storage, no revocation): what an outer
    /// layer (the rate limiter) may learn about the caller before the request is handled. Hand
    /// the result to [`Trestle::authenticate_checked`] to finish authenticating the same token
    /// without checking it twice.
    pub fn check_token(&self, token: &str) -> Option<CheckedToken> {
        self.decode_token(token, self.now()).ok().map(CheckedToken)
    }

    /// A token's claims if its MAC is right and it is unexpired (a token already checked on
    /// this node is known by its keyed tag).
    fn decode_token(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        self.caches.tokens.decode(&self.keys, token, now)
    }

    /// The grant a person's token was issued on (none for any other token).
    async fn token_grant(&self, claims: &Claims) -> Result<Option<trestle_domain::entities::Grant>> {
        match claims.credential {
            Credential::Grant(grant) => Ok(self.store.find_grant(grant).await?),
            Credential::Secret(_) => Ok(None),
        }
    }

    /// The app client with this client id (cached; unknown ids are remembered too).
    async fn find_app_client(
        &self,
        client_id: &str,
    ) -> Result<Option<Arc<trestle_domain::entities::ClientCredentials>>, OAuthError> {
        let gens = &self.caches.gens;
        self.caches
            .clients
            .get_or_load(gens, client_id, gens.stamp_any_app(), || async {
                if !trestle_domain::text::storable(client_id) {
                    return Ok(None);
                }
                Ok::<_, OAuthError>(self.store.find_client_by_client_id(client_id).await?.map(Arc::new))
            })
            .await
    }

    /// `client_credentials` for a traditional service account (legacy, outside the hot path).
    async fn service_account_token(
        &self,
        auth: &ClientAuth,
        presented: &str,
        scope: Option<&str>,
        now: i64,
    ) -> Result<IssuedToken, OAuthError> {
        let found = match trestle_domain::text::storable(&auth.client_id) {
            true => self.store.find_service_account_by_client_id(&auth.client_id).await?,
            false => None,
        };
        let Some((account, secrets)) = found else {
            // The comparison a known client's wrong secret gets, against a hash nothing has.
            let _ = crate::secrets::hashes_equal(presented, crate::secrets::DUMMY_HASH);
            return Err(OAuthError::InvalidClient(INVALID_CLIENT.into()));
        };
        let Some((secret_id, _)) = secrets.iter().find(|(_, h)| crate::secrets::hashes_equal(presented, h)) else {
            return Err(OAuthError::InvalidClient(INVALID_CLIENT.into()));
        };
        if account.retired_at.is_some() {
            return Err(OAuthError::InvalidClient("this service account was retired".into()));
        }
        if let Some(sunset) = self.timeline().sunset.filter(|s| now >= *s) {
            return Err(OAuthError::InvalidClient(format!(
                "traditional service accounts were sunset on {}; use a DMSA app (developer managed service account)",
                crate::service_accounts::day(sunset)
            )));
        }
        if scope.is_some_and(|s| !s.trim().is_empty()) {
            return Err(OAuthError::InvalidScope("scopes are not used".into()));
        }
        let claims = Claims {
            kind: TokenKind::ServiceAccount,
            subject: account.id.0,
            credential: Credential::Secret(*secret_id),
            issued_at: now,
            expires_at: now + self.config.access_token_ttl,
        };
        Ok(IssuedToken {
            access_token: tokens::encode(&self.keys, &claims),
            expires_in: self.config.access_token_ttl,
            created_at: now,
            refresh_token: None,
        })
    }

    /// Why a token whose secret or grant the store no longer counts as live is refused: the
    /// app's suspension (lifted, the token works again), else a revocation. Asked only on that
    /// refusal.
    async fn not_live(&self, app: AppId) -> CoreError {
        match self.store.find_app(app).await {
            Ok(Some(a)) if a.suspended_at.is_some() => {
                CoreError::Unauthenticated(
                "The access token's app is suspended by the platform operator; the token works again when the suspension is lifted"
                    .into(),
            )
            }
            Ok(_) => CoreError::Unauthenticated("The access token was revoked".into()),
            Err(e) => e.into(),
        }
    }

    /// Whether the app's revocation list names this token.
    async fn is_revoked(&self, app: AppId, token: &str, now: i64) -> Result<bool> {
        let gens = &self.caches.gens;
        let revoked = self
            .caches
            .revoked
            .get_or_load(gens, &app, gens.stamp(None, Some(app)), || async {
                let ids = self.store.list_revoked_tokens(app, now).await?;
                Ok::<_, CoreError>(Arc::new(ids.into_iter().collect::<std::collections::HashSet<_>>()))
            })
            .await?;
        Ok(tokens::token_id(token).is_some_and(|id| revoked.contains(id)))
    }

    /// Authenticates `Authorization: Bearer <token>`: MAC, expiry, and that the client secret
    /// behind it is still live (a revoked or rotated-out secret ends its tokens at once).
    pub async fn authenticate_bearer(&self, token: &str) -> Result<Caller> {
        let claims = self.decode_token(token, self.now()).map_err(|e| match e {
            TokenError::Expired => CoreError::Unauthenticated("The access token expired".into()),
            TokenError::Malformed => CoreError::Unauthenticated("The access token is invalid".into()),
        })?;
        self.authenticate_checked(token, CheckedToken(claims)).await
    }

    /// [`Trestle::authenticate_bearer`] for a token already checked by [`Trestle::check_token`]
    /// (`checked` must come from this very `token`): the secret, grant and revocation checks.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn authenticate_checked(&self, token: &str, checked: CheckedToken) -> Result<Caller> {
        let now = self.now();
        let claims = checked.0;
        if now >= claims.expires_at {
            return Err(CoreError::Unauthenticated("The access token expired".into()));
        }
        match (claims.kind, claims.credential) {
            (TokenKind::App | TokenKind::SandboxApp, Credential::Secret(secret)) => {
                let app = AppId(claims.subject);
                let gens = &self.caches.gens;
                let live = self
                    .caches
                    .secrets
                    .get_or_load(gens, &secret.0, gens.stamp(None, Some(app)), || async {
                        Ok::<_, CoreError>(self.store.find_live_secret(secret).await?)
                    })
                    .await?;
                let live = match live {
                    Some(expires_at) => expires_at.is_none_or(|e| e > now),
                    None => false,
                };
                if !live {
                    return Err(self.not_live(app).await);
                }
                if self.is_revoked(app, token, now).await? {
                    return Err(CoreError::Unauthenticated("The access token was revoked".into()));
                }
                Ok(Caller::App {
                    app,
                    secret_id: secret,
                    sandbox: claims.kind == TokenKind::SandboxApp,
                })
            }
            (TokenKind::ServiceAccount, Credential::Secret(secret)) => {
                let account = self.store.find_service_account_by_secret(secret).await?;
                let account = match account {
                    Some(a) if a.id.0 == claims.subject && a.retired_at.is_none() => a,
                    _ => return Err(CoreError::Unauthenticated("The access token was revoked".into())),
                };
                if let Some(sunset) = self.timeline().sunset.filter(|s| now >= *s) {
                    return Err(CoreError::Unauthenticated(format!(
                        "traditional service accounts were sunset on {}",
                        crate::service_accounts::day(sunset)
                    )));
                }
                Ok(Caller::Service {
                    account: account.id,
                    company: account.company_id,
                    user: account.user_id,
                })
            }
            (TokenKind::Person, Credential::Grant(grant_id)) => {
                // A person's token lives while its grant does (code replay and refresh-token
                // reuse revoke the grant).
                let gens = &self.caches.gens;
                let grant = self
                    .caches
                    .grants
                    .get_or_load(gens, &grant_id.0, gens.stamp_any_app(), || async {
                        Ok::<_, CoreError>(self.store.find_grant(grant_id).await?)
                    })
                    .await?;
                let g = match grant {
                    Some(g) if !g.revoked && g.user_id.0 == claims.subject => g,
                    // The store counts a suspended app's grants as revoked; say which it is.
                    Some(g) if g.user_id.0 == claims.subject => return Err(self.not_live(g.app_id).await),
                    _ => return Err(CoreError::Unauthenticated("The access token was revoked".into())),
                };
                if self.is_revoked(g.app_id, token, now).await? {
                    return Err(CoreError::Unauthenticated("The access token was revoked".into()));
                }
                Ok(Caller::Person(g.user_id))
            }
            // `tokens::decode` gives a person's token a grant and any other a secret.
            _ => Err(CoreError::Unauthenticated("The access token is invalid".into())),
        }
    }
}

/// What a presented app client id and secret are.
enum ClientCheck {
    /// An app client, and the id of its live secret that was presented.
    Matched(Arc<trestle_domain::entities::ClientCredentials>, SecretId),
    /// No app client has this id; the presented secret's keyed hash (for a service account).
    Unknown(String),
    /// An app client, but no live secret of it matches.
    WrongSecret(OAuthError),
}

/// A bearer token whose MAC and expiry have been checked; see [`Trestle::check_token`].
#[derive(Clone, Copy, Debug)]
pub struct CheckedToken(tokens::Claims);

impl CheckedToken {
    /// Whom the token stands for: its kind and subject (an app, person or service account id).
    pub fn subject(&self) -> (TokenKind, i64) {
        (self.0.kind, self.0.subject)
    }
}
