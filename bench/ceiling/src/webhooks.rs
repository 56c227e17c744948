//! Webhook delivery benchmark (bench/run.sh's `webhooks` group): a receiver and a load
//! generator in one process on 127.0.0.1, so the commit of an event (the 201 of its RFI create)
//! and its delivery are timed on one clock.
//!
//! ```text
//! trestle-bench-webhooks --base URL --token T --company C --projects P1,P2,… --manager M
//!     --mode latency --rate 1000 --seconds 10     # commit-to-delivery latency at a fixed rate
//!     --mode max --seconds 3 --pid PID            # the most deliveries per second, and per core
//!     --mode background --rate 100 --seconds 8    # events and deliveries running, for wrk beside
//! ```
//!
//! Setup: one project hook per project (`POST /rest/v1.0/webhooks/hooks`, RFIs create) to
//! `/hook/<n>` of the receiver; RFIs are created round-robin over the projects, so each hook
//! gets `rate / projects` events per second. The receiver answers every POST 200 at once
//! (`--hold` for `max`: it holds every request until the backlog is made, then answers all).
//! Prints one JSON line of results. Every loop is bounded in count and time.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
struct Seen {
    /// First arrival of each RFI's delivery.
    first: HashMap<i64, Instant>,
    /// Every arrival.
    arrivals: Vec<Instant>,
}

#[derive(Clone)]
struct Rx {
    seen: Arc<Mutex<Seen>>,
    /// While set, requests wait (bounded) before they are answered.
    hold: Arc<tokio::sync::watch::Sender<bool>>,
}

async fn receive(State(rx): State<Rx>, Path(_hook): Path<String>, body: Bytes) -> &'static str {
    let at = Instant::now();
    let id = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["resource_id"].as_i64())
        .unwrap_or(0);
    {
        let mut s = rx.seen.lock().unwrap();
        s.first.entry(id).or_insert(at);
        s.arrivals.push(at);
    }
    let mut held = rx.hold.subscribe();
    // at most 4 s: Trestle gives up on a request after 5 s
    let _ = tokio::time::timeout(Duration::from_secs(4), held.wait_for(|h| !*h)).await;
    "ok"
}

struct Args(HashMap<String, String>);

impl Args {
    fn get(&self, k: &str) -> String {
        self.0.get(k).cloned().unwrap_or_else(|| panic!("--{k} is required"))
    }
    fn num(&self, k: &str, default: f64) -> f64 {
        self.0.get(k).map_or(default, |v| v.parse().expect("a number"))
    }
}

struct Ctx {
    http: reqwest::Client,
    base: String,
    token: String,
    company: String,
    projects: Vec<i64>,
    manager: String,
}

impl Ctx {
    async fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("Procore-Company-Id", &self.company)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = res.status();
        let text = res.text().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("{path}: {status} {text}"));
        }
        serde_json::from_str(&text).map_err(|e| e.to_string())
    }

    /// Creates one RFI in the `n`th project; its id.
    async fn rfi(&self, n: usize) -> Result<i64, String> {
        let project = self.projects[n % self.projects.len()];
        let body = json!({"rfi": {"subject": format!("Bench RFI {n}"), "rfi_manager_id": self.manager.parse::<i64>().unwrap_or(1),
            "question": {"body": "Detail 5/S-301 shows 12 in. embedment, the general notes say 9 in. Which governs?"}}});
        let v = self.post(&format!("/rest/v1.0/projects/{project}/rfis"), body).await?;
        v["id"].as_i64().ok_or_else(|| format!("no id in {v}"))
    }
}

/// The server process's CPU time (user + system), in seconds.
fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    // after the ")" come the fields from 3 (state) on: utime (14) and stime (15) are the 12th
    // and 13th
    let f: Vec<&str> = after.split_whitespace().collect();
    let field = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    let ticks = field(11) + field(12);
    ticks / 100.0
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Creates RFIs at `rate` per second for `seconds` (open loop, at most 512 in flight); the ack
/// time of each acknowledged one, the number refused, and those not sent for lack of a slot.
async fn paced(ctx: &Arc<Ctx>, rate: f64, seconds: f64) -> (Vec<(i64, Instant, f64)>, usize, usize) {
    let total = (rate * seconds) as usize;
    let slots = Arc::new(tokio::sync::Semaphore::new(512));
    let acked: Arc<Mutex<Vec<(i64, Instant, f64)>>> = Arc::default();
    let refused = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut skipped = 0;
    let t0 = tokio::time::Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for k in 0..total {
        tokio::time::sleep_until(t0 + Duration::from_secs_f64(k as f64 / rate)).await;
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            skipped += 1;
            continue;
        };
        let (ctx, acked, refused) = (ctx.clone(), acked.clone(), refused.clone());
        tasks.spawn(async move {
            let sent = Instant::now();
            match ctx.rfi(k).await {
                Ok(id) => {
                    let now = Instant::now();
                    acked
                        .lock()
                        .unwrap()
                        .push((id, now, (now - sent).as_secs_f64() * 1000.0));
                }
                Err(_) => {
                    refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
            drop(permit);
        });
        while tasks.try_join_next().is_some() {}
    }
    let _ = tokio::time::timeout(Duration::from_secs(30), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    let acked = acked.lock().unwrap().clone();
    (acked, refused.load(std::sync::atomic::Ordering::Relaxed), skipped)
}

/// Waits (at most `limit`) until every id of `ids` was delivered.
async fn drained(seen: &Mutex<Seen>, ids: &[i64], limit: Duration) -> usize {
    let start = Instant::now();
    loop {
        let missing = {
            let s = seen.lock().unwrap();
            ids.iter().filter(|id| !s.first.contains_key(id)).count()
        };
        if missing == 0 || start.elapsed() > limit {
            return missing;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::main]
async fn main() {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let args = Args(
        raw.chunks(2)
            .filter_map(|kv| Some((kv[0].strip_prefix("--")?.to_string(), kv.get(1)?.clone())))
            .collect(),
    );
    let ctx = Arc::new(Ctx {
        http: reqwest::Client::builder().pool_max_idle_per_host(512).build().unwrap(),
        base: args.get("base"),
        token: args.get("token"),
        company: args.get("company"),
        projects: args
            .get("projects")
            .split(',')
            .map(|p| p.parse().expect("project ids"))
            .collect(),
        manager: args.get("manager"),
    });
    let mode = args.get("mode");
    let (rate, seconds) = (args.num("rate", 1000.0), args.num("seconds", 10.0).min(60.0));

    let (hold, _) = tokio::sync::watch::channel(mode == "max");
    let rx = Rx {
        seen: Arc::default(),
        hold: Arc::new(hold),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receiver = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().route("/hook/{n}", post(receive)).with_state(rx.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let mut hooks = Vec::new();
    for (n, project) in ctx.projects.iter().enumerate() {
        let h = ctx
            .post(
                "/rest/v1.0/webhooks/hooks",
                json!({"project_id": project, "hook": {"api_version": "v2", "namespace": "bench",
                    "destination_url": format!("{receiver}/hook/{n}")}}),
            )
            .await
            .expect("hook created");
        let id = h["id"].as_i64().unwrap();
        ctx.post(
            &format!("/rest/v1.0/webhooks/hooks/{id}/triggers/bulk"),
            json!({"project_id": project, "api_version": "v2", "triggers": [{"resource_name": "RFIs", "event_type": "create"}]}),
        )
        .await
        .expect("triggers created");
        hooks.push(id);
    }

    let out = match mode.as_str() {
        "latency" | "background" => {
            let t = Instant::now();
            let (acked, refused, skipped) = paced(&ctx, rate, seconds).await;
            let took = t.elapsed().as_secs_f64();
            let ids: Vec<i64> = acked.iter().map(|a| a.0).collect();
            let missing = drained(&rx.seen, &ids, Duration::from_secs(30)).await;
            let s = rx.seen.lock().unwrap();
            let mut lat: Vec<f64> = acked
                .iter()
                .filter_map(|(id, at, _)| {
                    s.first
                        .get(id)
                        .map(|d| d.saturating_duration_since(*at).as_secs_f64() * 1000.0)
                })
                .collect();
            lat.sort_by(f64::total_cmp);
            let mut create: Vec<f64> = acked.iter().map(|a| a.2).collect();
            create.sort_by(f64::total_cmp);
            json!({"mode": mode, "rate": rate, "seconds": seconds, "hooks": hooks.len(),
                "acked": acked.len(), "acked_per_s": acked.len() as f64 / took, "refused": refused, "not_sent": skipped,
                "delivered": lat.len(), "missing_after_30s": missing, "deliveries_received": s.arrivals.len(),
                "latency_ms": {"p50": pct(&lat, 0.5), "p99": pct(&lat, 0.99), "max": pct(&lat, 1.0)},
                "create_ms": {"p50": pct(&create, 0.5), "p99": pct(&create, 0.99)}})
        }
        "max" => {
            // A backlog while the receiver holds every hook's head, then the drain alone.
            let pid = args.get("pid");
            let (acked, refused, _) = {
                let ctx = ctx.clone();
                let slots = Arc::new(tokio::sync::Semaphore::new(32));
                let acked: Arc<Mutex<Vec<i64>>> = Arc::default();
                let mut tasks = tokio::task::JoinSet::new();
                let until = Instant::now() + Duration::from_secs_f64(seconds.min(3.0));
                let mut n = 0;
                while Instant::now() < until && n < 100_000 {
                    let permit = slots.clone().acquire_owned().await.unwrap();
                    let (ctx, acked) = (ctx.clone(), acked.clone());
                    tasks.spawn(async move {
                        if let Ok(id) = ctx.rfi(n).await {
                            acked.lock().unwrap().push(id);
                        }
                        drop(permit);
                    });
                    n += 1;
                }
                while tasks.join_next().await.is_some() {}
                let a = acked.lock().unwrap().clone();
                let refused = n - a.len();
                (a, refused, 0)
            };
            // let the worker queue the backlog (matching runs while the heads are held)
            tokio::time::sleep(Duration::from_millis(300)).await;
            let before = rx.seen.lock().unwrap().arrivals.len();
            let (c0, t0) = (cpu_seconds(&pid), Instant::now());
            rx.hold.send_replace(false);
            let missing = drained(&rx.seen, &acked, Duration::from_secs(60)).await;
            let (c1, took) = (cpu_seconds(&pid), t0.elapsed().as_secs_f64());
            let delivered = rx.seen.lock().unwrap().arrivals.len() - before;
            let rate = delivered as f64 / took;
            let cpu = (c1 - c0) / took;
            json!({"mode": "max", "hooks": hooks.len(), "backlog": acked.len(), "refused": refused,
                "delivered": delivered, "missing_after_60s": missing, "seconds": took,
                "deliveries_per_s": rate, "server_cpu": cpu, "deliveries_per_core_s": rate / cpu.max(0.01)})
        }
        other => panic!("--mode {other}: latency, max or background"),
    };
    println!("{out}");
}
