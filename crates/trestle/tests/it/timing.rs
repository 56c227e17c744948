//! No timing oracle (issue 13, item 6): an unknown client id at `/oauth/token` costs what a
//! known one with a wrong secret costs, and an unknown e-mail address at the sign-in forms costs
//! the Argon2id work of a wrong password.
//!
//! Each test measures two distributions over HTTP, interleaved request by request (the order
//! alternating within each pair), so that whatever else the machine does slows both alike. They
//! are compared by the median of the paired differences against the median duration: robust to
//! the outliers of a busy machine, and still far from what skipping the work would show (a
//! storage lookup at the token endpoint, a whole Argon2id hash at sign-in). No time is asserted,
//! only that the two requests cost the same. (Calibration: with the service-account lookup
//! left out of the wrong-secret path, the token endpoint's refusals differed by 37 % on SQLite
//! and 75 % on PostgreSQL; with it, by under 3 %. Argon2id skipped would differ by ~99 %.)
//! Lockouts (20 failures an hour per client id or
//! e-mail and address) are kept out of the way by moving the manual clock an hour on.

use crate::support::{expect, field, on_both_backends, Browser, TestApp};
use crate::user_oauth::{authorize_path, setup};
use reqwest::StatusCode;
use std::time::{Duration, Instant};

on_both_backends!(
    unknown_client_ids_cost_what_wrong_secrets_cost,
    unknown_people_cost_what_wrong_passwords_cost,
);

/// The median of `v` (sorted in place).
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Asserts that two paired samples cost the same: the median of the paired differences is
/// within `tolerance` (a fraction) of the median duration.
fn assert_same_cost(what: &str, a: &[Duration], b: &[Duration], tolerance: f64) {
    assert_eq!(a.len(), b.len());
    let secs = |d: &Duration| d.as_secs_f64();
    let mut diffs: Vec<f64> = a.iter().zip(b).map(|(x, y)| secs(x) - secs(y)).collect();
    let mut all: Vec<f64> = a.iter().chain(b).map(secs).collect();
    let (mut sa, mut sb): (Vec<f64>, Vec<f64>) = (a.iter().map(secs).collect(), b.iter().map(secs).collect());
    let (typical, diff) = (median(&mut all), median(&mut diffs));
    let (ma, mb) = (median(&mut sa), median(&mut sb));
    let ratio = diff.abs() / typical;
    eprintln!(
        "{what}: median {:.1} µs vs {:.1} µs, median paired difference {:.1} µs ({:.1} % of {:.1} µs)",
        ma * 1e6,
        mb * 1e6,
        diff * 1e6,
        ratio * 100.0,
        typical * 1e6
    );
    assert!(
        ratio <= tolerance,
        "{what}: the two refusals differ by {:.1} % (median {:.1} µs vs {:.1} µs): a timing oracle",
        ratio * 100.0,
        ma * 1e6,
        mb * 1e6
    );
}

async fn unknown_client_ids_cost_what_wrong_secrets_cost(app: TestApp) {
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    let known = app.promoted_app(&dev, "Timed").await;
    // An unknown id shaped like a real one (64 hex digits), and a wrong secret of the real shape.
    let unknown = "5".repeat(64);
    let wrong = "a".repeat(64);
    let refused = |client_id: String| {
        let req = app.post("/oauth/token").form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id.as_str()),
            ("client_secret", wrong.as_str()),
        ]);
        async move {
            let started = Instant::now();
            let res = req.send().await.unwrap();
            let status = res.status();
            let body = res.bytes().await.unwrap();
            let took = started.elapsed();
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{}", String::from_utf8_lossy(&body));
            took
        }
    };
    // Both answers are the same, word for word.
    let a = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", known.client_id.as_str()),
            ("client_secret", wrong.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let b = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", unknown.as_str()),
            ("client_secret", wrong.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect(a, StatusCode::UNAUTHORIZED).await,
        expect(b, StatusCode::UNAUTHORIZED).await
    );
    const PAIRS: usize = 400;
    let (mut wrong_secret, mut unknown_id) = (Vec::with_capacity(PAIRS), Vec::with_capacity(PAIRS));
    for i in 0..PAIRS + 20 {
        if i % 9 == 0 {
            app.clock.advance(3600); // a fresh lockout window
        }
        let (x, y) = if i % 2 == 0 {
            let x = refused(known.client_id.clone()).await;
            (x, refused(unknown.clone()).await)
        } else {
            let y = refused(unknown.clone()).await;
            (refused(known.client_id.clone()).await, y)
        };
        // The first pairs warm connections and caches up.
        if i >= 20 {
            wrong_secret.push(x);
            unknown_id.push(y);
        }
    }
    assert_same_cost(
        "token endpoint: wrong secret vs unknown client id",
        &wrong_secret,
        &unknown_id,
        0.2,
    );
}

/// One failed password sign-in on a form whose page is `html`: its time, and the next page.
async fn failed_sign_in(b: &mut Browser, action: &str, html: &str, email: &str, q: Option<&str>) -> (Duration, String) {
    let csrf = field(html, "csrf");
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("email", email),
        ("password", "not the password"),
    ];
    if let Some(q) = q {
        form.push(("q", q));
    }
    let started = Instant::now();
    let res = b.post(action, &form).await;
    let status = res.status();
    let page = res.text().await.unwrap();
    let took = started.elapsed();
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{page}");
    assert!(page.contains("wrong e-mail address or password"), "{page}");
    (took, page)
}

async fn unknown_people_cost_what_wrong_passwords_cost(app: TestApp) {
    // Pat (pat@example.com) has a password; nobody@example.com does not exist.
    let (w, _) = setup(&app).await;
    // The web UI's form and the OAuth flow's form share one sign-in path; both are measured.
    // Argon2id is slow on purpose, so the samples are few; skipping it would make the unknown
    // address hundreds of times cheaper, far beyond the tolerance.
    let authorize = authorize_path(&w, "");
    for (action, pairs, q) in [("/ui/login", 10usize, None), ("/oauth/authorize/login", 8, Some(()))] {
        let mut b = Browser::new(&app);
        let start = if q.is_some() { authorize.as_str() } else { "/ui/login" };
        let mut html = b.get(start).await.text().await.unwrap();
        let q = q.map(|_| field(&html, "q"));
        let (mut known, mut unknown) = (Vec::new(), Vec::new());
        for i in 0..pairs + 1 {
            if i % 9 == 0 {
                app.clock.advance(3600); // a fresh lockout window
            }
            let order = if i % 2 == 0 {
                ["pat@example.com", "nobody@example.com"]
            } else {
                ["nobody@example.com", "pat@example.com"]
            };
            for email in order {
                let (took, page) = failed_sign_in(&mut b, action, &html, email, q.as_deref()).await;
                html = page;
                // The first pair warms up.
                if i > 0 {
                    if email == "pat@example.com" {
                        &mut known
                    } else {
                        &mut unknown
                    }
                    .push(took);
                }
            }
        }
        assert_same_cost(
            &format!("{action}: wrong password vs unknown e-mail"),
            &known,
            &unknown,
            0.4,
        );
    }
}
