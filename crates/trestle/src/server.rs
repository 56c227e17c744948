//! Builds the application from configuration and serves it on a bound listener.

use anyhow::{Context, Result};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use trestle_core::{Clock, CoreConfig, SystemClock, Trestle};
use trestle_http::ratelimit::RateLimitConfig;
use trestle_http::{AppState, PageRefusals, Pages};
use trestle_store::StoreConfig;
use trestle_web::WebState;

/// Everything a server needs, already validated.
#[derive(Clone)]
pub struct ServerConfig {
    pub database_url: String,
    pub master_key: Vec<u8>,
    pub public_url: Option<String>,
    pub strict_company_header: bool,
    /// Absolute lifetime of a person's authorization, in seconds.
    pub refresh_token_max_age: i64,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    pub clock: Arc<dyn Clock>,
    pub rate_limit: RateLimitConfig,
    /// The deprecation timeline of traditional service accounts.
    pub service_accounts: trestle_core::Timeline,
    /// Lifetimes of access tokens, authorization codes and sign-in sessions, in seconds.
    pub access_token_ttl: i64,
    pub code_ttl: i64,
    pub session_ttl: i64,
    /// How often this node's janitor purges what has expired.
    pub janitor_interval: Duration,
    /// Bytes of rendered catalog list pages kept in memory (0: no page cache).
    pub page_cache_bytes: u64,
    /// Webhooks may deliver to loopback and private addresses (`--allow-private-webhooks`).
    pub allow_private_webhooks: bool,
    /// Real time between two passes of this node's webhook worker.
    pub webhook_interval: Duration,
    /// The operator may add scripted fault rules (`--faults`; `trestle up`).
    pub faults: bool,
    /// Where e-mail is sent (`--smtp-url`, `--smtp-from`); without it messages are only kept.
    pub smtp: Option<trestle_core::mail::worker::Smtp>,
    /// Real time between two passes of this node's mail worker.
    pub mail_interval: Duration,
    /// Seconds a node's claim on a delivery holds (a lease: a dead node's claims lapse).
    pub webhook_claim_secs: i64,
    /// The request log's retention (0: off) and per-app cap.
    pub request_log: trestle_domain::request_log::RequestLogLimits,
}

impl ServerConfig {
    pub fn new(database_url: impl Into<String>, master_key: Vec<u8>) -> Self {
        ServerConfig {
            database_url: database_url.into(),
            master_key,
            public_url: None,
            strict_company_header: false,
            refresh_token_max_age: CoreConfig::default().refresh_token_max_age,
            max_connections: 16,
            acquire_timeout: Duration::from_secs(3),
            clock: Arc::new(SystemClock),
            rate_limit: RateLimitConfig::default(),
            service_accounts: Default::default(),
            access_token_ttl: CoreConfig::default().access_token_ttl,
            code_ttl: CoreConfig::default().code_ttl,
            session_ttl: CoreConfig::default().session_ttl,
            janitor_interval: Duration::from_secs(60),
            page_cache_bytes: CoreConfig::default().page_cache_bytes,
            allow_private_webhooks: false,
            webhook_interval: Duration::from_millis(100),
            faults: false,
            smtp: None,
            mail_interval: Duration::from_millis(100),
            webhook_claim_secs: trestle_core::webhooks::worker::CLAIM_SECONDS,
            request_log: Default::default(),
        }
    }
}

/// Opens the database (running migrations) and builds the core.
pub async fn build(config: &ServerConfig) -> Result<Trestle> {
    // SQLite: the database (and so its WAL and SHM) is created 0600, or tightened to it.
    crate::files::private_sqlite(&config.database_url)?;
    let store = trestle_store::connect(&StoreConfig {
        url: config.database_url.clone(),
        max_connections: config.max_connections,
        acquire_timeout: config.acquire_timeout,
    })
    .await
    .with_context(|| format!("opening the database {}", redact(&config.database_url)))?;
    let core_config = CoreConfig {
        strict_company_header: config.strict_company_header,
        refresh_token_max_age: config.refresh_token_max_age,
        service_accounts: config.service_accounts,
        access_token_ttl: config.access_token_ttl,
        code_ttl: config.code_ttl,
        session_ttl: config.session_ttl,
        page_cache_bytes: config.page_cache_bytes,
        faults: config.faults,
        request_log: config.request_log,
    };
    Ok(Trestle::new(
        store,
        &config.master_key,
        config.clock.clone(),
        core_config,
    ))
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub core: Trestle,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, finishes in-flight requests, and waits.
    pub async fn stop(mut self) -> Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.task.await.context("server task")?.context("server")?;
        Ok(())
    }

    /// Waits until the server ends (on error or after `stop`).
    pub async fn wait(self) -> Result<()> {
        self.task.await.context("server task")?.context("server")?;
        Ok(())
    }
}

/// Serves `core` on `listener` in a background task.
pub fn start(core: Trestle, config: &ServerConfig, listener: TcpListener) -> Result<Running> {
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let state = AppState::new(core.clone(), config.public_url.clone(), config.rate_limit);
    let janitor = start_janitor(&state, config.janitor_interval);
    let webhooks = start_webhooks(&core, config);
    let mail = start_mail(&core, config, addr);
    let requests = tokio::spawn(core.clone().run_request_log());
    let pages = web_pages(&state);
    let task = tokio::spawn(async move {
        let served = trestle_http::serve(listener, state, pages, async move {
            let _ = rx.await;
        })
        .await;
        janitor.abort();
        webhooks.abort();
        mail.abort();
        requests.abort();
        served
    });
    Ok(Running {
        addr,
        core,
        shutdown: Some(tx),
        task,
    })
}

/// Serves `core` on `listener` until `shutdown` completes, then drains in-flight requests.
pub async fn serve_until(
    core: Trestle,
    config: &ServerConfig,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let webhooks = start_webhooks(&core, config);
    let mail = start_mail(&core, config, listener.local_addr()?);
    let requests = tokio::spawn(core.clone().run_request_log());
    let state = AppState::new(core, config.public_url.clone(), config.rate_limit);
    let janitor = start_janitor(&state, config.janitor_interval);
    let pages = web_pages(&state);
    let served = trestle_http::serve(listener, state, pages, shutdown).await;
    janitor.abort();
    webhooks.abort();
    mail.abort();
    requests.abort();
    served.context("server")
}

/// The web UI (crate `trestle-web`), mounted beside the APIs: the same core and public URL,
/// and the same lockout counter as the token endpoint.
fn web_pages(state: &AppState) -> Pages {
    let web = WebState::new(state.core.clone(), state.public_url.clone(), state.failed_auth.clone());
    Pages {
        routes: trestle_web::routes(web),
        refusals: PageRefusals {
            prefix: trestle_web::PREFIX,
            page: trestle_web::refusal_page,
        },
    }
}

/// Starts this node's janitor: expired rows of the store, and the rate limiter's and lockouts'
/// counters of past hours. It runs until the returned task is aborted.
fn start_janitor(state: &AppState, interval: Duration) -> tokio::task::JoinHandle<()> {
    let memory = state.clone();
    tokio::spawn(state.core.clone().run_janitor(interval, move |now| {
        memory.rate_limiter.purge(now);
        memory.failed_auth.purge(now);
    }))
}

/// Starts this node's webhook worker (every node runs one; they share the work through the
/// database). It runs until the returned task is aborted.
fn start_webhooks(core: &Trestle, config: &ServerConfig) -> tokio::task::JoinHandle<()> {
    tokio::spawn(core.clone().run_webhooks(trestle_core::webhooks::worker::WorkerConfig {
        allow_private: config.allow_private_webhooks,
        interval: config.webhook_interval,
        claim_seconds: config.webhook_claim_secs,
    }))
}

/// Starts this node's mail worker (every node runs one; they share the work through the
/// database). Links in messages start with `--public-url`, else this node's address.
fn start_mail(core: &Trestle, config: &ServerConfig, addr: SocketAddr) -> tokio::task::JoinHandle<()> {
    let base_url = match &config.public_url {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => format!("http://{addr}"),
    };
    tokio::spawn(core.clone().run_mail(trestle_core::mail::worker::MailConfig {
        interval: config.mail_interval,
        smtp: config.smtp.clone(),
        base_url,
    }))
}

/// A database URL with any password hidden, for logs and errors.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***@{}", &url[..s], &url[at + 1..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(super::redact("postgres://u:pw@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact("sqlite://x.db"), "sqlite://x.db");
    }
}
