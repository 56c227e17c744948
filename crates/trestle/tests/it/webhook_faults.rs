//! Webhooks under faults (issue #16): `trestle serve` nodes run as child processes so they can
//! be SIGKILLed while they hold claims on deliveries. A claim is a lease (`--webhook-claim-secs`):
//! once it lapses the deliveries of the dead node are attempted again, by the surviving node on
//! PostgreSQL or by the restarted node on SQLite, so every committed event is delivered at
//! least once, and only the deliveries the dead node held can arrive twice.
//!
//! The receiver (on 127.0.0.1) answers after a pause, so deliveries are in flight; it knows
//! which node sent a request from the connection's port (`/proc/<pid>/fd` and `net/tcp`), so
//! the test kills a node while one of its requests is unanswered, and the receiver never
//! answers that node's requests from then on.

use crate::support::{app_with_permissions, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Connection;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use trestle_store::testing::{Backend, TestDb};

/// The lease the nodes run with: short, so the test waits seconds, not the default 15.
const CLAIM_SECS: u64 = 7;
/// How long the receiver holds each request before it answers.
const HOLD: Duration = Duration::from_millis(120);
/// Company hooks, each its own queue (one delivery in flight per hook).
const HOOKS: usize = 3;
/// The most of one hook's deliveries a delivery pass claims: its head and 16 behind it.
const PASS_PER_HOOK: usize = 17;

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Delivery {
    delivery_id: i64,
    hook: usize,
    rfi: i64,
    /// The receiver's number of the connection it came on.
    conn: u64,
    at: Instant,
}

#[derive(Default)]
struct State {
    got: Vec<Delivery>,
    /// Requests read and not yet answered: connection number → peer port.
    in_flight: HashMap<u64, u16>,
    /// Connections never answered (the killed node's).
    frozen: HashSet<u64>,
}

/// The receiver: `POST /hook/<n>` is recorded, held for [`HOLD`], answered 200.
struct Receiver {
    base: String,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state: Arc<Mutex<State>> = Arc::default();
        let shared = state.clone();
        let task = tokio::spawn(async move {
            let mut serial = 0u64;
            while let Ok((mut sock, peer)) = listener.accept().await {
                let state = shared.clone();
                serial += 1;
                let conn = serial;
                tokio::spawn(async move {
                    let Some((path, headers, body)) = read_request(&mut sock).await else {
                        return;
                    };
                    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let d = Delivery {
                        delivery_id: headers
                            .get("trestle-delivery-id")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(0),
                        hook: path.trim_start_matches("/hook/").parse().unwrap_or(usize::MAX),
                        rfi: body["resource_id"].as_i64().unwrap_or(0),
                        conn,
                        at: Instant::now(),
                    };
                    {
                        let mut s = state.lock().unwrap();
                        s.got.push(d);
                        s.in_flight.insert(conn, peer.port());
                    }
                    tokio::time::sleep(HOLD).await;
                    {
                        let mut s = state.lock().unwrap();
                        s.in_flight.remove(&conn);
                        if s.frozen.contains(&conn) {
                            return; // never answered: its node is dead
                        }
                    }
                    let reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
                    let _ = sock.write_all(reply.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        Receiver { base, state, task }
    }

    fn port(&self) -> u16 {
        self.base.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap()
    }

    fn got(&self) -> Vec<Delivery> {
        self.state.lock().unwrap().got.clone()
    }

    /// Whether every (hook, RFI) of `rfis` arrived.
    fn has_all(&self, rfis: &[i64]) -> bool {
        let got: HashSet<(usize, i64)> = self.got().iter().map(|d| (d.hook, d.rfi)).collect();
        rfis.iter().all(|r| (0..HOOKS).all(|h| got.contains(&(h, *r))))
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request: its path, lower-cased headers and Content-Length body (at most 1 MiB).
async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<(String, HashMap<String, String>, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > 1 << 20 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let path = head.split(' ').nth(1).unwrap_or("").to_string();
    let headers: HashMap<String, String> = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some((path, headers, body))
}

/// The local ports of a process's TCP connections to `remote_port` (Linux: its fds' socket
/// inodes in `net/tcp`).
fn ports_of(pid: u32, remote_port: u16) -> HashSet<u16> {
    let port_of = |addr: &str| addr.rsplit(':').next().and_then(|p| u16::from_str_radix(p, 16).ok());
    let inodes: HashSet<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|dir| {
            dir.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
                .filter_map(|l| {
                    let l = l.to_string_lossy().to_string();
                    Some(l.strip_prefix("socket:[")?.strip_suffix(']')?.to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    let mut ports = HashSet::new();
    for table in ["tcp", "tcp6"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")).unwrap_or_default();
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() > 9 && inodes.contains(cols[9]) && port_of(cols[2]) == Some(remote_port) {
                ports.extend(port_of(cols[1]));
            }
        }
    }
    ports
}

/// A `trestle serve` process on `db_url` (the tests' server key), delivering to local
/// addresses with a short lease; SIGKILLed when dropped.
struct Node {
    child: std::process::Child,
    url: String,
}

impl Node {
    fn start(db_url: &str, data_dir: &std::path::Path) -> Node {
        use std::io::{BufRead, BufReader};
        use std::process::{Command, Stdio};
        let mut child = Command::new(env!("CARGO_BIN_EXE_trestle"))
            .args([
                "serve",
                "--port",
                "0",
                "--rate-limit-hourly",
                "0",
                "--allow-private-webhooks",
            ])
            .args([
                "--webhook-interval-ms",
                "20",
                "--webhook-claim-secs",
                &CLAIM_SECS.to_string(),
            ])
            .args(["--database-url", db_url, "--data-dir"])
            .arg(data_dir)
            // TestApp's server key (32 bytes of 7), so its tokens are this node's too.
            .env("TRESTLE_SECRET_KEY", "07".repeat(32))
            .env("TRESTLE_LOG", "info,sqlx=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Reads to the end, so the node never blocks on a full pipe.
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("trestle listening") {
                    if let Some(addr) = line.split_whitespace().find_map(|w| w.strip_prefix("addr=")) {
                        let _ = tx.send(format!("http://{addr}"));
                    }
                }
            }
        });
        let url = rx.recv_timeout(Duration::from_secs(60)).expect("the node started");
        Node { child, url }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn kill(&mut self) {
        self.child.kill().unwrap(); // SIGKILL
        self.child.wait().unwrap();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The world, made in-process on `db_url` (then stopped): a company with a project, a bot
/// with Webhooks (company) and RFIs, and [`HOOKS`] company hooks to `receiver` on RFI creates.
async fn world(db_url: &str, receiver: &Receiver) -> (i64, i64, String) {
    let app = TestApp::spawn(db_url).await;
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    let (company, admin) = app.company("Acme").await;
    let project = app.project(&admin, company, "Acme P1").await;
    let permissions = json!({"company": {"webhooks": "standard"}, "project": {"rfis": "admin"}});
    let token = app_with_permissions(&app, &dev, &admin, company, &[project], "Hooks", permissions).await;
    for n in 0..HOOKS {
        let created = post(
            &app.http,
            &app.url,
            &token,
            company,
            "/rest/v1.0/webhooks/hooks",
            json!({"company_id": company, "hook": {"api_version": "v2", "namespace": "faults",
                "destination_url": format!("{}/hook/{n}", receiver.base)}}),
        )
        .await
        .expect("hook created");
        let id = created["id"].as_i64().unwrap();
        let bulk = post(
            &app.http,
            &app.url,
            &token,
            company,
            &format!("/rest/v1.0/webhooks/hooks/{id}/triggers/bulk"),
            json!({"company_id": company, "api_version": "v2",
                "triggers": [{"resource_name": "RFIs", "event_type": "create"}]}),
        )
        .await
        .expect("triggers created");
        assert!(bulk["success"].as_array().is_some_and(|s| !s.is_empty()), "{bulk}");
    }
    app.stop().await;
    (company, project, token)
}

/// A POST that the server acknowledged (2xx): its JSON answer; `None` for anything else.
async fn post(http: &reqwest::Client, base: &str, token: &str, company: i64, path: &str, body: Value) -> Option<Value> {
    let res = http
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .header("Procore-Company-Id", company.to_string())
        .json(&body)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .ok()?;
    if !res.status().is_success() {
        assert!(res.status() != StatusCode::FORBIDDEN && res.status() != StatusCode::UNPROCESSABLE_ENTITY);
        return None;
    }
    res.json().await.ok()
}

/// Writes up to `n` RFIs to `node`, one every 40 ms, until one is not acknowledged; the ids of
/// the acknowledged ones (pushed as they come).
fn writer(
    url: String,
    token: String,
    company: i64,
    project: i64,
    n: usize,
) -> (Arc<Mutex<Vec<i64>>>, tokio::task::JoinHandle<()>) {
    let acked: Arc<Mutex<Vec<i64>>> = Arc::default();
    let out = acked.clone();
    let task = tokio::spawn(async move {
        let http = reqwest::Client::new();
        for i in 0..n {
            let rfi = json!({"rfi": {"subject": format!("RFI {i}"), "rfi_manager_id": 1, "question": {"body": "?"}}});
            match post(
                &http,
                &url,
                &token,
                company,
                &format!("/rest/v1.0/projects/{project}/rfis"),
                rfi,
            )
            .await
            {
                Some(v) => out.lock().unwrap().push(v["id"].as_i64().unwrap()),
                None => return, // the node is gone
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    });
    (acked, task)
}

/// Polls `done` every 20 ms until it holds; panics with `what` after `limit`.
async fn wait_until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what} (after {limit:?})");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Kills `node` while the receiver holds one of its requests unanswered (waiting at most
/// 30 s for one, and for `acked` to reach `min` first); the delivery ids it held at the
/// receiver, never answered.
async fn kill_in_flight(node: &mut Node, receiver: &Receiver, acked: &Mutex<Vec<i64>>, min: usize) -> HashSet<i64> {
    let start = Instant::now();
    loop {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the node never had a delivery in flight"
        );
        if acked.lock().unwrap().len() >= min {
            let ports = ports_of(node.pid(), receiver.port());
            let mut s = receiver.state.lock().unwrap();
            let held: Vec<(u64, u16)> = s
                .in_flight
                .iter()
                .filter(|(_, port)| ports.contains(port))
                .map(|(c, p)| (*c, *p))
                .collect();
            if !held.is_empty() {
                // Its requests in flight are never answered; then it dies.
                s.frozen.extend(held.iter().map(|(c, _)| *c));
                let ids = s
                    .got
                    .iter()
                    .filter(|d| held.iter().any(|(c, _)| *c == d.conn))
                    .map(|d| d.delivery_id)
                    .collect();
                drop(s);
                node.kill();
                return ids;
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Deliveries claimed and not finished, read right after the kill: a superset of the dead
/// node's claims (the survivor's current ones are in it too).
async fn open_claims(db_url: &str, backend: Backend) -> HashSet<i64> {
    let sql = "SELECT id FROM webhook_deliveries WHERE claimed_until IS NOT NULL AND status IN ('queued', 'failing')";
    let ids: Vec<i64> = match backend {
        Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(db_url).await.unwrap();
            sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap()
        }
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(db_url).await.unwrap();
            sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap()
        }
    };
    ids.into_iter().collect()
}

/// The checks after a kill: every acknowledged RFI reached every hook; the deliveries held
/// unanswered at the kill arrived again, after the lease; a delivery arrived twice only if it
/// was claimed at the kill, and none more than twice.
fn check(got: &[Delivery], acked: &[i64], held: &HashSet<i64>, claimed: &HashSet<i64>, killed_at: Instant) {
    let mut per_id: HashMap<i64, Vec<&Delivery>> = HashMap::new();
    for d in got {
        per_id.entry(d.delivery_id).or_default().push(d);
    }
    let pairs: HashSet<(usize, i64)> = got.iter().map(|d| (d.hook, d.rfi)).collect();
    for r in acked {
        for h in 0..HOOKS {
            assert!(pairs.contains(&(h, *r)), "acknowledged RFI {r} never reached hook {h}");
        }
    }
    assert!(!held.is_empty());
    for id in held {
        let arrivals = &per_id[id];
        assert_eq!(
            arrivals.len(),
            2,
            "delivery {id}, held by the killed node, arrived again once"
        );
        let again = arrivals[1].at.duration_since(killed_at);
        assert!(
            again >= Duration::from_secs(CLAIM_SECS - 2),
            "delivery {id} was taken over after {again:?}, before its lease lapsed"
        );
    }
    for (id, arrivals) in &per_id {
        if arrivals.len() > 1 {
            assert!(
                claimed.contains(id),
                "delivery {id} arrived {} times but was not claimed at the kill",
                arrivals.len()
            );
            assert_eq!(arrivals.len(), 2, "delivery {id} arrived more than twice");
            // The first arrival was the dead node's (answered, not yet recorded: a pass records
            // its attempts together), the second came after the lease lapsed.
            assert!(arrivals[0].at < killed_at, "delivery {id} arrived twice after the kill");
            assert!(
                arrivals[1].at.duration_since(killed_at) >= Duration::from_secs(CLAIM_SECS - 2),
                "delivery {id} was repeated before the dead node's lease lapsed"
            );
        }
    }
    let twice = per_id.values().filter(|a| a.len() > 1).count();
    eprintln!(
        "{} deliveries of {} RFIs; held by the killed node: {held:?}; claimed at the kill: {claimed:?}; arrived twice: {twice}",
        per_id.len(),
        acked.len()
    );
    for h in 0..HOOKS {
        let repeated = per_id.values().filter(|a| a.len() > 1 && a[0].hook == h).count();
        assert!(
            repeated <= PASS_PER_HOOK,
            "{repeated} deliveries to hook {h} arrived twice: a pass claims at most {PASS_PER_HOOK} of a hook's"
        );
    }
}

/// Two nodes on one PostgreSQL database, both writing RFIs and both delivering; one is
/// SIGKILLed mid-stream while it holds a delivery unanswered. The survivor delivers every
/// acknowledged RFI to every hook, the dead node's deliveries once their lease lapses, and no
/// delivery the dead node did not hold twice.
#[tokio::test]
async fn a_killed_postgres_node_s_claims_are_delivered_by_the_survivor() {
    let db = TestDb::new(Backend::Postgres).await;
    let receiver = Receiver::start().await;
    let (company, project, token) = world(&db.url, &receiver).await;
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = Node::start(&db.url, dir_a.path());
    let b = Node::start(&db.url, dir_b.path());
    let (acked_a, write_a) = writer(a.url.clone(), token.clone(), company, project, 60);
    let (acked_b, write_b) = writer(b.url.clone(), token.clone(), company, project, 40);
    let held = kill_in_flight(&mut a, &receiver, &acked_a, 10).await;
    let killed_at = Instant::now();
    let claimed = open_claims(&db.url, Backend::Postgres).await;
    assert!(
        held.is_subset(&claimed),
        "the held deliveries were claimed: {held:?} ⊆ {claimed:?}"
    );
    write_a.await.unwrap();
    write_b.await.unwrap();
    let acked: Vec<i64> = acked_a
        .lock()
        .unwrap()
        .iter()
        .chain(acked_b.lock().unwrap().iter())
        .copied()
        .collect();
    assert!(acked.len() >= 50, "only {} RFIs acknowledged", acked.len());
    wait_until(
        Duration::from_secs(90),
        "every acknowledged RFI reached every hook",
        || receiver.has_all(&acked),
    )
    .await;
    wait_until(Duration::from_secs(30), "the held deliveries arrived again", || {
        let got = receiver.got();
        held.iter()
            .all(|id| got.iter().filter(|d| d.delivery_id == *id).count() >= 2)
    })
    .await;
    // The queue drains: nothing left queued or failing, so no attempt is still to come.
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let start = Instant::now();
    loop {
        let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE status <> 'successful'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        if open == 0 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{open} deliveries never succeeded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    check(&receiver.got(), &acked, &held, &claimed, killed_at);
    drop(b);
    db.cleanup().await;
}

/// One node on SQLite, SIGKILLed while it holds a delivery unanswered, restarted on the same
/// database: every RFI acknowledged before and after the kill reaches every hook, the held
/// delivery again once its lease lapses, and nothing the dead node did not hold twice.
#[tokio::test]
async fn a_killed_sqlite_node_delivers_its_claims_after_a_restart() {
    let db = TestDb::new(Backend::Sqlite).await;
    let receiver = Receiver::start().await;
    let (company, project, token) = world(&db.url, &receiver).await;
    let dir = tempfile::tempdir().unwrap();
    let mut node = Node::start(&db.url, dir.path());
    let (before, write) = writer(node.url.clone(), token.clone(), company, project, 60);
    let held = kill_in_flight(&mut node, &receiver, &before, 10).await;
    let killed_at = Instant::now();
    write.await.unwrap();
    let claimed = open_claims(&db.url, Backend::Sqlite).await;
    assert!(
        held.is_subset(&claimed),
        "the held deliveries were claimed: {held:?} ⊆ {claimed:?}"
    );
    let again = Node::start(&db.url, dir.path());
    let (after, write) = writer(again.url.clone(), token.clone(), company, project, 10);
    write.await.unwrap();
    let acked: Vec<i64> = before
        .lock()
        .unwrap()
        .iter()
        .chain(after.lock().unwrap().iter())
        .copied()
        .collect();
    assert!(acked.len() >= 20, "only {} RFIs acknowledged", acked.len());
    wait_until(
        Duration::from_secs(90),
        "every acknowledged RFI reached every hook",
        || receiver.has_all(&acked),
    )
    .await;
    wait_until(Duration::from_secs(30), "the held deliveries arrived again", || {
        let got = receiver.got();
        held.iter()
            .all(|id| got.iter().filter(|d| d.delivery_id == *id).count() >= 2)
    })
    .await;
    let start = Instant::now();
    loop {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE status <> 'successful'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        if open == 0 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{open} deliveries never succeeded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    check(&receiver.got(), &acked, &held, &claimed, killed_at);
    drop(again);
    db.cleanup().await;
}
