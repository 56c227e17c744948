//! Clock jumps: a real `trestle up` process runs under libfaketime (its wall clock moved through
//! a control file, its monotonic clock left alone, as when an operator or NTP sets the system
//! clock) forward past the token lifetime and back by an hour. Expiry is enforced by each
//! token's absolute `exp`, a revoked token never comes back, no token is reported valid for
//! longer than it was issued for, and nothing panics.
//!
//! Needs libfaketime (Debian: `apt-get install faketime libfaketime`; scripts/test.sh installs
//! it). Without it the test says so and passes without checking anything.

use crate::support::*;
use crate::up::{read_until, KillOnDrop};
use reqwest::StatusCode;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

on_both_backends!(clock_jumps_never_extend_a_token, people_sign_in_across_clock_jumps);

/// The access-token lifetime (`expires_in` of the token endpoint).
const TTL: i64 = 5400;

fn libfaketime() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("TRESTLE_LIBFAKETIME") {
        return Some(PathBuf::from(p));
    }
    ["x86_64-linux-gnu", "aarch64-linux-gnu", ""]
        .iter()
        .flat_map(|arch| {
            ["libfaketimeMT.so.1", "libfaketime.so.1"]
                .map(|lib| Path::new("/usr/lib").join(arch).join("faketime").join(lib))
        })
        .find(|p| p.exists())
}

/// Moves the server's wall clock to real time + `offset` (e.g. "+5460", "-3600").
fn set_clock(control: &Path, offset: &str) {
    let tmp = control.with_extension("tmp");
    std::fs::write(&tmp, format!("{offset}\n")).unwrap();
    std::fs::rename(&tmp, control).unwrap();
}

struct Server {
    base: String,
    demo: Value,
    http: reqwest::Client,
}

impl Server {
    async fn token(&self) -> (String, i64) {
        let res = self
            .http
            .post(format!("{}/oauth/token", self.base))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.demo["client_id"].as_str().unwrap()),
                ("client_secret", self.demo["client_secret"].as_str().unwrap()),
            ])
            .send()
            .await
            .unwrap();
        let v = expect(res, StatusCode::OK).await;
        (
            v["access_token"].as_str().unwrap().to_string(),
            v["expires_in"].as_i64().unwrap(),
        )
    }

    /// The status of a REST call with `token`.
    async fn status(&self, token: &str) -> StatusCode {
        self.http
            .get(format!("{}/rest/v1.0/companies", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
    }

    /// `/oauth/token/info`: (created_at, expires_in_seconds), or None when refused.
    async fn info(&self, token: &str) -> Option<(i64, i64)> {
        let res = self
            .http
            .get(format!("{}/oauth/token/info", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        if res.status() != StatusCode::OK {
            return None;
        }
        let v: Value = res.json().await.unwrap();
        Some((
            v["created_at"].as_i64().unwrap(),
            v["expires_in_seconds"].as_i64().unwrap(),
        ))
    }

    async fn revoke(&self, token: &str) {
        let res = self
            .http
            .post(format!("{}/oauth/revoke", self.base))
            .form(&[
                ("token", token),
                ("client_id", self.demo["client_id"].as_str().unwrap()),
                ("client_secret", self.demo["client_secret"].as_str().unwrap()),
            ])
            .send()
            .await
            .unwrap();
        expect(res, StatusCode::OK).await;
    }
}

/// `trestle up` under libfaketime on the test's database, its clock at real time; None (and a
/// message) without libfaketime.
async fn start(app: &TestApp) -> Option<Faked> {
    let Some(lib) = libfaketime() else {
        eprintln!(
            "SKIPPED clock_jumps: libfaketime is not installed (apt-get install faketime libfaketime; \
             scripts/test.sh installs it)"
        );
        return None;
    };
    let tmp = tempfile::tempdir().unwrap();
    let control = tmp.path().join("faketime.rc");
    set_clock(&control, "+0");
    let stderr = tmp.path().join("stderr.log");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trestle"));
    cmd.args(["up", "--port", "0", "--data-dir"])
        .arg(tmp.path().join("data"));
    if !app.db_url.starts_with("sqlite:") {
        cmd.args(["--database-url", &app.db_url]);
    }
    cmd.env("LD_PRELOAD", &lib)
        .env("FAKETIME_TIMESTAMP_FILE", &control)
        .env("FAKETIME_NO_CACHE", "1")
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .env_remove("FAKETIME")
        .env("RUST_BACKTRACE", "1")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr).unwrap());
    let mut child = KillOnDrop(cmd.spawn().unwrap());
    let lines = read_until(child.0.stdout.take().unwrap(), |l| l.contains("TOKEN=$(curl")).await;
    let text = lines.join("\n");
    let base = text
        .lines()
        .find_map(|l| l.strip_prefix("Trestle is running at "))
        .unwrap_or_else(|| {
            panic!(
                "trestle up did not start under libfaketime: {text}\n{}",
                std::fs::read_to_string(&stderr).unwrap_or_default()
            )
        })
        .trim()
        .to_string();
    let demo: Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("data/demo.json")).unwrap()).unwrap();
    Some(Faked {
        s: Server {
            base,
            demo,
            http: reqwest::Client::new(),
        },
        child,
        control,
        stderr,
        _tmp: tmp,
    })
}

struct Faked {
    s: Server,
    child: KillOnDrop,
    control: PathBuf,
    stderr: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Faked {
    /// The same process served everything, without a panic.
    fn assert_healthy(&mut self) {
        assert!(
            self.child.0.try_wait().unwrap().is_none(),
            "the server is still running"
        );
        let log = std::fs::read_to_string(&self.stderr).unwrap();
        assert!(!log.contains("panicked"), "{log}");
    }
}

async fn clock_jumps_never_extend_a_token(app: TestApp) {
    let Some(mut f) = start(&app).await else { return };
    let (s, control) = (&f.s, f.control.clone());

    // real time: a token lives TTL seconds; a revoked one is refused
    let (a, expires_in) = s.token().await;
    assert_eq!(expires_in, TTL);
    assert_eq!(s.status(&a).await, StatusCode::OK);
    let (a_created, a_left) = s.info(&a).await.expect("a live token");
    assert!(a_left <= TTL);
    let a_exp = a_created + TTL;
    let (r, _) = s.token().await;
    s.revoke(&r).await;
    assert_eq!(s.status(&r).await, StatusCode::UNAUTHORIZED);

    // forward past the lifetime: expired tokens are refused, new ones work
    set_clock(&control, &format!("+{}", TTL + 60));
    assert_eq!(s.status(&a).await, StatusCode::UNAUTHORIZED, "expired by the clock");
    assert_eq!(s.info(&a).await, None);
    assert_eq!(s.status(&r).await, StatusCode::UNAUTHORIZED);
    let (b, expires_in) = s.token().await;
    assert_eq!(expires_in, TTL);
    assert_eq!(s.status(&b).await, StatusCode::OK);
    let (b_created, _) = s.info(&b).await.expect("a live token");
    assert!(b_created >= a_exp, "issued on the moved clock");
    // another revocation now: the store may forget revocations of tokens that have expired
    let (x, _) = s.token().await;
    s.revoke(&x).await;
    assert_eq!(s.status(&x).await, StatusCode::UNAUTHORIZED);

    // back by an hour (before A's expiry again): A is accepted until its own exp, but never
    // reported as valid for longer than it was issued for; the revoked R stays revoked
    set_clock(&control, "-3600");
    assert_eq!(
        s.status(&r).await,
        StatusCode::UNAUTHORIZED,
        "a revoked token never comes back"
    );
    assert_eq!(
        s.status(&x).await,
        StatusCode::UNAUTHORIZED,
        "a revoked token never comes back"
    );
    assert_eq!(s.status(&a).await, StatusCode::OK, "valid until its exp");
    let (created, left) = s.info(&a).await.expect("a token before its exp");
    assert_eq!(created, a_created, "the token's times do not move");
    assert!(
        left <= TTL,
        "reported valid for {left}s, longer than the {TTL}s it was issued for"
    );
    let (_, left) = s.info(&b).await.expect("issued 'in the future', still before its exp");
    assert!(left <= TTL, "reported valid for {left}s");
    let (c, expires_in) = s.token().await;
    assert_eq!(expires_in, TTL, "a token issued now lives TTL seconds from now");
    assert_eq!(s.status(&c).await, StatusCode::OK);

    // just past A's own exp (half a minute): A is refused, B (issued later) is not
    let real_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    set_clock(&control, &format!("{:+}", a_exp + 30 - real_now));
    assert_eq!(
        s.status(&a).await,
        StatusCode::UNAUTHORIZED,
        "not a second past its exp"
    );
    assert_eq!(s.info(&a).await, None);
    assert_eq!(s.status(&b).await, StatusCode::OK);

    // forward past every token's exp: all of them are refused, by their absolute expiry
    set_clock(&control, &format!("+{}", 2 * TTL + 120));
    for (name, t) in [("A", &a), ("B", &b), ("C", &c)] {
        assert_eq!(s.status(t).await, StatusCode::UNAUTHORIZED, "{name} is past its exp");
    }
    let (d, _) = s.token().await;
    assert_eq!(s.status(&d).await, StatusCode::OK);

    f.assert_healthy();
}

/// A person's sign-in under the moved clock: codes live 10 minutes, refresh tokens work while the
/// authorization is younger than its maximum age (90 days), and an authorization that ended
/// stays ended when the clock goes back.
async fn people_sign_in_across_clock_jumps(app: TestApp) {
    let Some(mut f) = start(&app).await else { return };
    let (s, control) = (&f.s, f.control.clone());
    let demo = &s.demo;
    let (client_id, client_secret) = (
        demo["client_id"].as_str().unwrap(),
        demo["client_secret"].as_str().unwrap(),
    );
    let redirect = demo["redirect_uris"][0].as_str().unwrap().to_string();
    let mut b = Browser {
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        cookies: vec![],
        base: s.base.clone(),
    };
    let authorize = format!(
        "/oauth/authorize?{}",
        serde_urlencoded::to_string([
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", redirect.as_str()),
            ("state", "xyz"),
        ])
        .unwrap()
    );
    let code = async |b: &mut Browser| -> String {
        let mut html = b.get(&authorize).await.text().await.unwrap();
        if html.contains("/oauth/authorize/login") {
            let res = b
                .post(
                    "/oauth/authorize/login",
                    &[
                        ("email", demo["companies"][0]["admin_email"].as_str().unwrap()),
                        ("password", demo["demo_password"].as_str().unwrap()),
                        ("csrf", &field(&html, "csrf")),
                        ("q", &field(&html, "q")),
                    ],
                )
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER);
            html = b.get(&location(&res)).await.text().await.unwrap();
        }
        let res = b
            .post(
                "/oauth/authorize/decision",
                &[
                    ("decision", "approve"),
                    ("csrf", &field(&html, "csrf")),
                    ("q", &field(&html, "q")),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{html}");
        query_param(&location(&res), "code").expect("a code")
    };
    let grant = |form: Vec<(&'static str, String)>| {
        let (http, base) = (s.http.clone(), s.base.clone());
        let mut form = form;
        form.push(("client_id", client_id.to_string()));
        form.push(("client_secret", client_secret.to_string()));
        async move {
            let res = http
                .post(format!("{base}/oauth/token"))
                .form(&form)
                .send()
                .await
                .unwrap();
            let st = res.status();
            (st, res.json::<Value>().await.unwrap())
        }
    };
    let exchange = |c: String| {
        grant(vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", c),
            ("redirect_uri", redirect.clone()),
        ])
    };
    let refresh = |t: &Value| {
        grant(vec![
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", t["refresh_token"].as_str().unwrap().to_string()),
        ])
    };

    let first = code(&mut b).await;
    let late = code(&mut b).await;
    let (st, t1) = exchange(first).await;
    assert_eq!(st, StatusCode::OK, "{t1}");
    let p1 = t1["access_token"].as_str().unwrap().to_string();
    assert_eq!(s.status(&p1).await, StatusCode::OK);

    // a code is good for 10 minutes by the clock
    set_clock(&control, "+700");
    let (st, e) = exchange(late).await;
    assert_eq!(
        (st, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "{e}"
    );

    // past the access token's lifetime: refused; the refresh token still works
    set_clock(&control, &format!("+{}", TTL + 60));
    assert_eq!(s.status(&p1).await, StatusCode::UNAUTHORIZED);
    let (st, t2) = refresh(&t1).await;
    assert_eq!(st, StatusCode::OK, "{t2}");
    assert_eq!(t2["expires_in"], TTL);
    assert_eq!(s.status(t2["access_token"].as_str().unwrap()).await, StatusCode::OK);

    // past the authorization's maximum age: the refresh token is refused and the grant ends
    set_clock(&control, &format!("+{}", 91 * 86_400));
    let (st, e) = refresh(&t2).await;
    assert_eq!(
        (st, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "{e}"
    );

    // back to an hour before the start: what ended stays ended
    set_clock(&control, "-3600");
    let (st, e) = refresh(&t2).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(
        s.status(t2["access_token"].as_str().unwrap()).await,
        StatusCode::UNAUTHORIZED,
        "its authorization ended: not valid again"
    );
    assert_eq!(
        s.status(&p1).await,
        StatusCode::UNAUTHORIZED,
        "its authorization ended: not valid again"
    );
    f.assert_healthy();
}
