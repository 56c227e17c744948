//! `trestle`: the server (`up`, `serve`, `migrate`, `operator-token`) and a CLI over the
//! management API (everything else).

mod cli;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use trestle::{demo, files, keys, seeding, server};

/// mimalloc: fewer cycles per allocation than the system allocator on the request path.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "trestle",
    version,
    about = "Trestle: app platform and OAuth 2.0 server for developer-managed service accounts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start a server on embedded SQLite with demo data (or a seed file's world) and print how
    /// to get a token.
    Up(UpArgs),
    /// Start a server (no demo data).
    Serve(ServerArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate(ServerArgs),
    /// Print a new platform-operator API token (bootstraps the management API).
    OperatorToken(ServerArgs),
    /// Apply a seed file to a database (a running server's too), then exit; credentials go
    /// to demo.json in the data dir.
    Seed(SeedArgs),
    #[command(flatten)]
    Client(cli::ClientCommand),
}

#[derive(Args, Clone)]
struct UpArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// A seed file (YAML) declaring the world to start with instead of the demo data; the same
    /// file on the same data dir converges. See examples/sandbox.yaml.
    #[arg(long, env = "TRESTLE_SEED")]
    seed: Option<PathBuf>,
}

#[derive(Args, Clone)]
struct SeedArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// The seed file (YAML).
    file: PathBuf,
}

#[derive(Args, Clone)]
struct ServerArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "TRESTLE_PORT", default_value_t = 8080)]
    port: u16,
    /// Address to bind.
    #[arg(long, env = "TRESTLE_BIND", default_value = "127.0.0.1")]
    bind: String,
    /// Where the SQLite database, the server key and demo.json live.
    #[arg(long, env = "TRESTLE_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; default: SQLite in the data dir.
    #[arg(long, env = "TRESTLE_DATABASE_URL")]
    database_url: Option<String>,
    /// Server key file (64 hex chars); created if missing. TRESTLE_SECRET_KEY overrides it.
    #[arg(long, env = "TRESTLE_SECRET_KEY_FILE")]
    secret_key_file: Option<PathBuf>,
    /// Public base URL used in Link headers (default: http://<Host header>).
    #[arg(long, env = "TRESTLE_PUBLIC_URL")]
    public_url: Option<String>,
    /// Require the Procore-Company-Id header on every company-scoped call.
    #[arg(long, env = "TRESTLE_STRICT_COMPANY_HEADER")]
    strict_company_header: bool,
    /// Days a person's authorization of an app lasts from the approval; after that its
    /// refresh tokens are refused and the person signs in again.
    #[arg(long, env = "TRESTLE_REFRESH_TOKEN_MAX_AGE_DAYS", default_value_t = 90,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    refresh_token_max_age_days: u32,
    /// The same in seconds, overriding the days (for soak runs, which need a short horizon).
    #[arg(long, hide = true, value_parser = clap::value_parser!(i64).range(60..))]
    refresh_token_max_age_secs: Option<i64>,
    /// Largest database connection pool.
    #[arg(long, env = "TRESTLE_MAX_CONNECTIONS", default_value_t = 16)]
    max_connections: u32,
    /// Requests per caller per hour (Procore-style; 0 = unlimited).
    #[arg(long, env = "TRESTLE_RATE_LIMIT_HOURLY", default_value_t = 3600)]
    rate_limit_hourly: u32,
    /// Requests per caller per 10 seconds (0 = no spike limit).
    #[arg(long, env = "TRESTLE_RATE_LIMIT_SPIKE", default_value_t = 0)]
    rate_limit_spike: u32,
    /// Traditional service accounts are deprecated from this day (YYYY-MM-DD, UTC): responses
    /// to their tokens carry `Deprecation` and `Sunset` headers.
    #[arg(long, env = "TRESTLE_SERVICE_ACCOUNT_DEPRECATION")]
    service_account_deprecation: Option<String>,
    /// No new traditional service accounts from this day (YYYY-MM-DD, UTC).
    #[arg(long, env = "TRESTLE_SERVICE_ACCOUNT_CUTOFF")]
    service_account_cutoff: Option<String>,
    /// Traditional service accounts' tokens are refused from this day (YYYY-MM-DD, UTC).
    #[arg(long, env = "TRESTLE_SERVICE_ACCOUNT_SUNSET")]
    service_account_sunset: Option<String>,
    /// Seconds between two runs of this node's janitor, which purges expired sessions, codes,
    /// revocations, refresh tokens, grants and rate-limit state (every node runs one).
    #[arg(long, env = "TRESTLE_JANITOR_INTERVAL_SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    janitor_interval_secs: u64,
    /// Lifetime of access tokens in seconds (Procore's is 5400). Shorter ones are for tests
    /// and soak runs.
    #[arg(long, env = "TRESTLE_ACCESS_TOKEN_TTL_SECS", default_value_t = 5400,
          value_parser = clap::value_parser!(i64).range(60..=86_400))]
    access_token_ttl_secs: i64,
    /// Lifetime of authorization codes in seconds (for soak runs, which need a short horizon).
    #[arg(long, hide = true, default_value_t = 600, value_parser = clap::value_parser!(i64).range(10..=3600))]
    code_ttl_secs: i64,
    /// Lifetime of sign-in sessions in seconds (for soak runs, which need a short horizon).
    #[arg(long, hide = true, default_value_t = 12 * 3600, value_parser = clap::value_parser!(i64).range(60..))]
    session_ttl_secs: i64,
    /// Mebibytes of rendered catalog list pages kept in memory (0 turns the page cache off).
    #[arg(long, env = "TRESTLE_PAGE_CACHE_MB", default_value_t = 64,
          value_parser = clap::value_parser!(u64).range(0..=65_536))]
    page_cache_mb: u64,
    /// Run on a clock the operator can move forward (`POST /api/v1/clock/advance`, `trestle
    /// clock advance`), so tokens expire and timelines pass without waiting; for test
    /// sandboxes. Always on for `trestle up`.
    #[arg(long, env = "TRESTLE_MANUAL_CLOCK")]
    manual_clock: bool,
    /// Let webhooks deliver to loopback, private and link-local addresses (on for `trestle up`,
    /// whose receivers are usually on the same machine).
    #[arg(long, env = "TRESTLE_ALLOW_PRIVATE_WEBHOOKS")]
    allow_private_webhooks: bool,
    /// Let the operator add scripted fault rules (`POST /api/v1/faults`, `trestle faults`):
    /// matching calls to /oauth and /rest get an error status, latency or a cut connection,
    /// to test an app's retries. Always on for `trestle up`.
    #[arg(long, env = "TRESTLE_FAULTS")]
    faults: bool,
    /// Send e-mail notifications through this SMTP server: `smtp://host:port` (plain, or
    /// `?tls=required` for STARTTLS), `smtps://host:port` (TLS), credentials as
    /// `smtp://user:password@host`. Without it every message is only kept (state `kept`),
    /// readable with `trestle mail list` and at /ui/mail.
    #[arg(long, env = "TRESTLE_SMTP_URL")]
    smtp_url: Option<String>,
    /// The sender of e-mail notifications (`Name <address>` or an address).
    #[arg(long, env = "TRESTLE_SMTP_FROM", default_value = trestle_core::mail::worker::DEFAULT_FROM)]
    smtp_from: String,
    /// Milliseconds between two passes of this node's webhook worker (for tests and benchmarks).
    #[arg(long, hide = true, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    webhook_interval_ms: u64,
    /// Seconds a claim on a delivery holds before another node (or this one, restarted) may
    /// attempt it again: how long a node that died holding claims pauses their hooks' queues.
    #[arg(long, env = "TRESTLE_WEBHOOK_CLAIM_SECS", default_value_t = trestle_core::webhooks::worker::CLAIM_SECONDS,
          value_parser = clap::value_parser!(i64).range(trestle_core::webhooks::worker::MIN_CLAIM_SECONDS..=3600))]
    webhook_claim_secs: i64,
    /// Seconds the request log keeps each app's REST calls (GET /api/v1/apps/{id}/requests);
    /// 0 turns it off: nothing is recorded.
    #[arg(long, env = "TRESTLE_REQUEST_LOG_RETENTION_SECS", default_value_t = trestle_domain::request_log::DEFAULT_RETENTION_SECS,
          value_parser = clap::value_parser!(i64).range(0..=365 * 86_400))]
    request_log_retention_secs: i64,
    /// Log format: `text` or `json`.
    #[arg(long, env = "TRESTLE_LOG_FORMAT", default_value = "text")]
    log_format: String,
}

impl ServerArgs {
    /// `--database-url`, or the SQLite file in the data dir.
    fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) => u.clone(),
            None => format!("sqlite://{}", self.data_dir.join("trestle.db").display()),
        }
    }

    /// Refuses to go on when the SQLite database does not exist yet (a typo in `--data-dir`
    /// must not create an empty database and hand out a token for it).
    fn existing_database(&self) -> Result<()> {
        if let Some(file) = files::sqlite_path(&self.database_url()) {
            if !file.exists() {
                anyhow::bail!(
                    "no database at {}: start the server once (`trestle up` or `trestle migrate`) \
                     or pass the --data-dir / --database-url it uses",
                    file.display()
                );
            }
        }
        Ok(())
    }

    fn config(&self) -> Result<server::ServerConfig> {
        files::data_dir(&self.data_dir)?;
        let url = self.database_url();
        let key_file = self
            .secret_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("secret.key"));
        let key = keys::load_or_create(std::env::var("TRESTLE_SECRET_KEY").ok().as_deref(), &key_file)?;
        let mut c = server::ServerConfig::new(url, key);
        c.public_url = self.public_url.clone();
        c.strict_company_header = self.strict_company_header;
        c.refresh_token_max_age = self
            .refresh_token_max_age_secs
            .unwrap_or(i64::from(self.refresh_token_max_age_days) * 86_400);
        c.max_connections = self.max_connections;
        c.janitor_interval = std::time::Duration::from_secs(self.janitor_interval_secs);
        c.access_token_ttl = self.access_token_ttl_secs;
        c.code_ttl = self.code_ttl_secs;
        c.session_ttl = self.session_ttl_secs;
        c.page_cache_bytes = self.page_cache_mb << 20;
        c.webhook_interval = std::time::Duration::from_millis(self.webhook_interval_ms);
        c.webhook_claim_secs = self.webhook_claim_secs;
        c.request_log.retention_secs = self.request_log_retention_secs;
        let day = |flag: &str, v: &Option<String>| -> Result<Option<i64>> {
            v.as_deref()
                .map(|d| {
                    trestle_core::parse_day(d)
                        .map(|n| n * 86_400)
                        .with_context(|| format!("--{flag} takes a date as YYYY-MM-DD, not {d:?}"))
                })
                .transpose()
        };
        c.service_accounts = trestle_core::Timeline {
            deprecated_on: day("service-account-deprecation", &self.service_account_deprecation)?,
            creation_cutoff: day("service-account-cutoff", &self.service_account_cutoff)?,
            sunset: day("service-account-sunset", &self.service_account_sunset)?,
        };
        if let Some(url) = &self.smtp_url {
            let smtp = trestle_core::mail::worker::Smtp {
                url: url.clone(),
                from: self.smtp_from.clone(),
            };
            trestle_core::mail::worker::check_smtp(&smtp).map_err(|e| anyhow::anyhow!(e))?;
            c.smtp = Some(smtp);
        }
        c.rate_limit = trestle_http::ratelimit::RateLimitConfig {
            per_hour: self.rate_limit_hourly,
            per_spike: self.rate_limit_spike,
        };
        Ok(c)
    }
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TRESTLE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // Colour codes only on a terminal: logs piped to a file or a collector stay plain text.
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Applies a seed file, writes demo.json and keeps the seeded world as what a reset returns to.
async fn seed_world(
    core: &trestle_core::Trestle,
    file: &std::path::Path,
    data_dir: &std::path::Path,
    base_url: &str,
) -> Result<String> {
    let seed = seeding::read(file)?;
    let report = seeding::apply(core, &seed, file).await?;
    let path = data_dir.join("demo.json");
    let before = demo::read(&path).ok().flatten();
    let operator = match (
        &report.operator_api_token,
        before.as_ref().map(|d| d.operator_api_token.clone()),
    ) {
        (Some(t), _) => t.clone(),
        (None, Some(t)) if !t.is_empty() => t,
        _ => core.create_operator_token("seed operator").await?,
    };
    let demo = seeding::demo_of(&report, &seed, base_url, operator, before.as_ref());
    demo::write(&path, &demo)?;
    core.snapshot_seeded(true)
        .await
        .context("keeping the seeded world's snapshot")?;
    Ok(seeding::summary(&demo, &report, &path))
}

async fn run_server(args: ServerArgs, with_demo: bool, seed: Option<PathBuf>) -> Result<()> {
    init_logging(&args.log_format);
    if let Some(file) = &seed {
        // A file that does not parse stops here, before the database is touched.
        seeding::read(file)?;
    }
    let mut config = args.config()?;
    if with_demo || args.manual_clock {
        config.clock = std::sync::Arc::new(trestle_core::SandboxClock::new());
    }
    config.allow_private_webhooks = args.allow_private_webhooks || with_demo;
    config.faults = args.faults || with_demo;
    let core = server::build(&config).await?;
    let listener = tokio::net::TcpListener::bind((args.bind.as_str(), args.port))
        .await
        .with_context(|| format!("binding {}:{}", args.bind, args.port))?;
    let addr = listener.local_addr()?;
    let base_url = config.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    if let Some(file) = &seed {
        let summary = seed_world(&core, file, &args.data_dir, &base_url).await?;
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), "{summary}");
        let _ = std::io::stdout().flush();
    } else if with_demo {
        let path = args.data_dir.join("demo.json");
        let demo = match demo::read(&path)? {
            Some(mut d) => {
                d.base_url = base_url.clone();
                d
            }
            None => demo::seed(&core, &base_url).await?,
        };
        demo::write(&path, &demo)?;
        // What `POST /api/v1/sandbox/reset` returns to: the world as seeded (kept in the
        // database, so a restart keeps the first one).
        core.snapshot_seeded(false)
            .await
            .context("keeping the seeded world's snapshot")?;
        // A closed stdout (e.g. `trestle up | head`) must not stop the server.
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), "{}", demo::instructions(&demo, &path));
        let _ = std::io::stdout().flush();
    }
    tracing::info!(%addr, database = %server::redact(&config.database_url), "trestle listening");
    server::serve_until(core, &config, listener, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Errors are printed as one readable chain (`error: … : …`), never with a backtrace, whatever
/// `RUST_BACKTRACE` says.
fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Up(args) => run_server(args.server, true, args.seed).await,
        Command::Serve(args) => run_server(args, false, None).await,
        Command::Seed(args) => {
            init_logging(&args.server.log_format);
            let config = args.server.config()?;
            let core = server::build(&config).await?;
            let base = config.public_url.clone().unwrap_or_default();
            println!("{}", seed_world(&core, &args.file, &args.server.data_dir, &base).await?);
            Ok(())
        }
        Command::Migrate(args) => {
            init_logging(&args.log_format);
            server::build(&args.config()?).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::OperatorToken(args) => {
            args.existing_database()?;
            let core = server::build(&args.config()?).await?;
            println!("{}", core.create_operator_token("cli operator-token").await?);
            Ok(())
        }
        Command::Client(c) => cli::run(c).await,
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every subcommand and every flag says what it is (and, for ids, which kind of id).
    #[test]
    fn every_subcommand_and_flag_has_a_help_line() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} --{id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                let p = format!("{path} {}", sub.get_name());
                if sub.get_name() != "help" && sub.get_about().is_none() {
                    missing.push(p.clone());
                }
                walk(sub, &p, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "trestle", &mut missing);
        assert!(missing.is_empty(), "without a help line: {missing:#?}");
        Cli::command().debug_assert();
    }
}
