//! Mail over SMTP (`--smtp-url`): a real SMTP receiver on 127.0.0.1 (a minimal one, below)
//! gets each message with the right envelope, From, To, Subject and body; a receiver that
//! refuses (5xx) is retried with backoff on the server's clock until it accepts.

use crate::mail::{accept_link, wait_for_mail};
use crate::support::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use trestle::server::ServerConfig;
use trestle_core::mail::worker::Smtp;
use trestle_store::testing::{Backend, TestDb};

/// Each test on both backends; it starts its own receiver and server.
macro_rules! with_receivers {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name(trestle_store::testing::Backend::Sqlite).await;
            }
            #[tokio::test]
            async fn postgres() {
                super::$name(trestle_store::testing::Backend::Postgres).await;
            }
        }
    )*};
}

with_receivers!(
    a_message_arrives_over_smtp_as_composed,
    a_refusing_receiver_is_retried_until_it_accepts
);

/// One message the receiver accepted.
#[derive(Clone, Debug)]
struct Received {
    mail_from: String,
    rcpt_to: Vec<String>,
    data: String,
}

/// A minimal SMTP server on 127.0.0.1:0. Each conversation answers `MAIL FROM` with the next
/// scripted reply (then `250`), everything else as a willing server; accepted messages are
/// recorded.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
    refused: Arc<Mutex<usize>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start(script: &[&'static str]) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let refused: Arc<Mutex<usize>> = Arc::default();
        let script = Arc::new(Mutex::new(script.iter().copied().collect::<VecDeque<_>>()));
        let (seen, no, answers) = (got.clone(), refused.clone(), script.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let (seen, no, answers) = (seen.clone(), no.clone(), answers.clone());
                tokio::spawn(async move {
                    let _ = converse(sock, seen, no, answers).await;
                });
            }
        });
        Receiver {
            url,
            got,
            refused,
            task,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    fn refusals(&self) -> usize {
        *self.refused.lock().unwrap()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One SMTP conversation (RFC 5321's commands a client sends for one message).
async fn converse(
    sock: tokio::net::TcpStream,
    seen: Arc<Mutex<Vec<Received>>>,
    refused: Arc<Mutex<usize>>,
    script: Arc<Mutex<VecDeque<&'static str>>>,
) -> std::io::Result<()> {
    let (read, mut write) = sock.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 receiver.test ESMTP ready\r\n").await?;
    let mut current = Received {
        mail_from: String::new(),
        rcpt_to: Vec::new(),
        data: String::new(),
    };
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_string();
        let verb = command.split([' ', ':']).next().unwrap_or("").to_ascii_uppercase();
        let reply: String = match verb.as_str() {
            "EHLO" | "HELO" => "250 receiver.test\r\n".into(),
            "MAIL" => match script.lock().unwrap().pop_front() {
                Some(refusal) => {
                    *refused.lock().unwrap() += 1;
                    format!("{refusal}\r\n")
                }
                None => {
                    current.mail_from = command["MAIL FROM:".len()..].trim().to_string();
                    "250 OK\r\n".into()
                }
            },
            "RCPT" => {
                current.rcpt_to.push(command["RCPT TO:".len()..].trim().to_string());
                "250 OK\r\n".into()
            }
            "DATA" => {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(
                        line.strip_prefix('.')
                            .filter(|_| line.starts_with(".."))
                            .unwrap_or(&line),
                    );
                }
                current.data = data;
                seen.lock().unwrap().push(current.clone());
                "250 queued\r\n".into()
            }
            "RSET" | "NOOP" => "250 OK\r\n".into(),
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => "502 not implemented\r\n".into(),
        };
        write.write_all(reply.as_bytes()).await?;
    }
}

/// A message's text: headers unfolded as sent, the body with quoted-printable undone.
fn decoded_body(data: &str) -> String {
    let (head, body) = data.split_once("\r\n\r\n").unwrap_or((data, ""));
    if !head
        .to_ascii_lowercase()
        .contains("content-transfer-encoding: quoted-printable")
    {
        return body.to_string();
    }
    let joined = body.replace("=\r\n", "");
    let mut out = Vec::new();
    let bytes = joined.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The value of header `name` in a message.
fn header(data: &str, name: &str) -> Option<String> {
    let head = data.split_once("\r\n\r\n").map_or(data, |(h, _)| h);
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded.split("\r\n").find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

/// A server sending through `receiver`.
async fn with_smtp(backend: Backend, receiver: &Receiver, test: impl AsyncFnOnce(&TestApp)) {
    let db = TestDb::new(backend).await;
    let url = receiver.url.clone();
    let app = TestApp::spawn_with(&db.url, move |c: &mut ServerConfig| {
        c.smtp = Some(Smtp {
            url,
            from: "Trestle Tests <noreply@trestle.test>".into(),
        });
    })
    .await;
    test(&app).await;
    app.stop().await;
    db.cleanup().await;
}

/// Waits (at most 15 s) until the message `id` is in `status`; returns it.
async fn wait_for_status(app: &TestApp, id: &Value, status: &str, attempts: i64) -> Value {
    let start = Instant::now();
    loop {
        let m = app
            .api_get(&app.operator, &format!("/api/v1/mail/{id}"), StatusCode::OK)
            .await;
        if m["status"] == status && m["attempts"] == attempts {
            return m;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "message not {status} after {attempts} attempts: {m}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The invitation of `new.hire@example.com` to a new company Acme; its message.
async fn invite(app: &TestApp) -> Value {
    let (acme, admin) = app.company("Acme").await;
    app.api_post(
        &admin,
        &format!("/api/v1/companies/{acme}/invitations"),
        json!({"email": "new.hire@example.com"}),
        StatusCode::CREATED,
    )
    .await;
    wait_for_mail(
        app,
        &app.operator,
        "/api/v1/mail",
        "company_invitation.create",
        "new.hire@example.com",
    )
    .await
}

async fn a_message_arrives_over_smtp_as_composed(backend: Backend) {
    let receiver = Receiver::start(&[]).await;
    with_smtp(backend, &receiver, async |app| {
        let m = invite(app).await;
        let sent = wait_for_status(app, &m["id"], "sent", 1).await;
        assert!(sent["sent_at"].as_i64().is_some(), "{sent}");
        assert_eq!(sent["last_error"], Value::Null);
        let got: Vec<Received> = receiver
            .received()
            .into_iter()
            .filter(|r| r.rcpt_to.iter().any(|t| t.contains("new.hire@example.com")))
            .collect();
        assert_eq!(got.len(), 1, "{got:?}");
        let r = &got[0];
        assert_eq!(r.mail_from, "<noreply@trestle.test>");
        assert_eq!(r.rcpt_to, ["<new.hire@example.com>"]);
        let from = header(&r.data, "From").unwrap();
        assert!(
            from.contains("noreply@trestle.test") && from.contains("Trestle Tests"),
            "{from}"
        );
        assert!(header(&r.data, "To").unwrap().contains("new.hire@example.com"));
        assert_eq!(
            header(&r.data, "Subject").unwrap(),
            "You are invited to join Acme on Trestle"
        );
        assert!(header(&r.data, "Content-Type").unwrap().starts_with("text/plain"));
        let body = decoded_body(&r.data);
        let (_, token) = accept_link(&body);
        let (_, kept_token) = accept_link(sent["body"].as_str().unwrap());
        assert_eq!(token, kept_token, "the sent body is the kept one");
        // The token that went out over SMTP accepts the invitation.
        let res = app
            .post("/api/v1/invitations/accept")
            .json(&json!({"token": token}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.json::<Value>().await.unwrap()["status"], "accepted");
        // With an SMTP server nothing is merely kept.
        let all = app.api_get(&app.operator, "/api/v1/mail", StatusCode::OK).await;
        assert!(all.as_array().unwrap().iter().all(|m| m["status"] != "kept"), "{all}");
    })
    .await;
}

async fn a_refusing_receiver_is_retried_until_it_accepts(backend: Backend) {
    let receiver = Receiver::start(&["554 5.7.1 not now"]).await;
    with_smtp(backend, &receiver, async |app| {
        let m = invite(app).await;
        // The first attempt is refused: still queued, with the error, retried in 30 s.
        let failed = wait_for_status(app, &m["id"], "queued", 1).await;
        assert!(failed["last_error"].as_str().unwrap().contains("554"), "{failed}");
        assert_eq!(receiver.refusals(), 1);
        assert!(receiver.received().is_empty());
        let due = failed["next_attempt_at"].as_i64().unwrap();
        assert_eq!(due - failed["updated_at"].as_i64().unwrap(), 30);
        // Nothing more happens before its time (the clock stands still)...
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(receiver.refusals(), 1);
        assert!(receiver.received().is_empty());
        // ... and once the clock passes it, the message goes out and is marked sent.
        app.clock.advance(31);
        let sent = wait_for_status(app, &m["id"], "sent", 2).await;
        assert!(sent["sent_at"].as_i64().unwrap() >= due);
        let got = receiver.received();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].rcpt_to, ["<new.hire@example.com>"]);
    })
    .await;
}
