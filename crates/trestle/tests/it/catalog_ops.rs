//! Every operation of Procore's catalog over HTTP, generated from
//! `trestle_domain::catalog::catalog().ops()`: as a bot with `admin` on every tool (2xx), as a
//! bot with `read_only` (reads 2xx, writes 403), and on a project or company the bot may not
//! see (404, nothing of it shown). Then focused tests of the engine's semantics (RFIs: create,
//! list with paging/filters/sort/include_deleted, show, update, delete; validation; form and
//! multipart bodies; sync; idempotency; v2's envelope and string ids; tenant isolation).

use crate::support::{on_both_backends, TestApp};
use reqwest::{Method as HttpMethod, StatusCode};
use serde_json::{json, Value};
use std::collections::HashMap;
use trestle_core::records::sample;
use trestle_domain::catalog::{catalog, CatalogOp, Method, OpScope, Shape};
use trestle_domain::policy::Operation;
use trestle_domain::tool::{Offered, ToolScope, CATALOG};

/// Like `on_both_backends!`, on a server without rate limits (these tests send thousands of
/// requests with one token).
macro_rules! unlimited {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::unlimited(trestle_store::testing::Backend::Sqlite, super::$name).await;
            }
            #[tokio::test]
            async fn postgres() {
                super::unlimited(trestle_store::testing::Backend::Postgres, super::$name).await;
            }
        }
    )*};
}

unlimited!(every_catalog_operation_answers_by_permission);
on_both_backends!(
    rfis_round_trip,
    bodies_validation_sync_idempotency_v2,
    bad_input_is_never_a_server_error
);

async fn unlimited<F, Fut>(backend: trestle_store::testing::Backend, test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = trestle_store::testing::TestDb::new(backend).await;
    let app = TestApp::spawn_with(&db.url, |c| {
        c.rate_limit = trestle_http::ratelimit::RateLimitConfig {
            per_hour: 0,
            per_spike: 0,
        }
    })
    .await;
    test(app).await;
    db.cleanup().await;
}

/// Whether a hand-written route serves the operation (the one list, beside the OpenAPI
/// document that describes those routes' answers).
fn hand_written(op: &CatalogOp) -> bool {
    trestle_http::openapi::hand_served(op).is_some()
}

/// A DMSA app granting every tool at `level` where the tool takes it (installed in `company`
/// with `projects` permitted); returns its token.
pub(crate) async fn bot(
    app: &TestApp,
    dev: &str,
    admin: &str,
    company: i64,
    projects: &[i64],
    name: &str,
    level: &str,
) -> String {
    let mut perms = json!({"company": {}, "project": {}});
    for def in CATALOG {
        for (scope, key) in [(ToolScope::Company, "company"), (ToolScope::Project, "project")] {
            let take = match def.at(scope) {
                Offered::No => None,
                Offered::AdminOnly => (level == "admin").then_some("admin"),
                Offered::Levels => Some(level),
            };
            if let Some(l) = take {
                perms[key][def.name] = json!(l);
            }
        }
    }
    crate::support::app_with_permissions(app, dev, admin, company, projects, name, perms).await
}

/// A valid body for `op`: its schema's required fields with typed sample values (inside the
/// wrapper), or `{"updates": [item]}` for a sync. Every e-mail address is a new one (a person
/// joins a directory once).
fn body_for(op: &CatalogOp) -> Option<Value> {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let v = sample_body(op)?;
    let text = v.to_string();
    if !text.contains("sample@example.com") {
        return Some(v);
    }
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    serde_json::from_str(&text.replace("sample@example.com", &format!("sample-{n}@example.com"))).ok()
}

fn sample_body(op: &CatalogOp) -> Option<Value> {
    let b = op.body.as_ref()?;
    if op.shape == Shape::Sync {
        let item = b
            .schema
            .pointer("/properties/updates/items")
            .map_or(json!({}), |s| sample(s, 0));
        return Some(json!({"updates": [item]}));
    }
    let mut v = sample(&b.schema, 0);
    if let (Some(w), Some(obj)) = (&b.wrapper, v.as_object_mut()) {
        if let Some(inner) = b.schema.pointer(&format!("/properties/{w}")) {
            obj.insert(w.clone(), sample(inner, 0));
        }
    }
    v.is_object().then_some(v)
}

struct Where {
    company: i64,
    project: i64,
}

/// The request path of `op` with its parameters filled in (and `project_id` in the query for a
/// project operation whose path has none).
fn fill(op: &CatalogOp, at: &Where, parents: &[String], record: Option<&str>) -> String {
    let mut out = String::new();
    let mut rest = op.path.as_str();
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').map_or(rest.len(), |e| start + e);
        let name = &rest[start + 1..end];
        let value = match name {
            "company_id" => at.company.to_string(),
            "project_id" => at.project.to_string(),
            n if op.record_param.as_deref() == Some(n) => record.unwrap_or("999999999").to_string(),
            n => op
                .parents
                .iter()
                .position(|p| p == n)
                .and_then(|i| parents.get(i).cloned())
                .unwrap_or_else(|| "1".into()),
        };
        out.push_str(&value);
        rest = &rest[(end + 1).min(rest.len())..];
    }
    out.push_str(rest);
    if op.scope == OpScope::Project && !op.path.contains("{project_id}") {
        out.push_str(&format!("?project_id={}", at.project));
    }
    out
}

fn http_method(m: Method) -> HttpMethod {
    match m {
        Method::Get => HttpMethod::GET,
        Method::Post => HttpMethod::POST,
        Method::Put => HttpMethod::PUT,
        Method::Patch => HttpMethod::PATCH,
        Method::Delete => HttpMethod::DELETE,
    }
}

pub(crate) async fn send(
    app: &TestApp,
    token: &str,
    company: i64,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let mut req = app
        .http
        .request(http_method(method), format!("{}{path}", app.url))
        .bearer_auth(token)
        .header("Procore-Company-Id", company.to_string());
    if let Some(b) = body.filter(|_| method != Method::Get) {
        req = req.json(b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn id_of(v: &Value) -> Option<String> {
    let v = v.get("data").unwrap_or(v);
    match &v["id"] {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn parent_collection(resource: &str, i: usize) -> Option<&str> {
    let at = resource.match_indices("{}").nth(i)?.0;
    Some(resource[..at].trim_end_matches('/'))
}

/// Creates records through the catalog's own create operations, remembering parents.
struct Maker<'a> {
    app: &'a TestApp,
    token: &'a str,
    at: Where,
    parents: HashMap<(String, String), Option<String>>,
}

impl Maker<'_> {
    fn creator(resource: &str, scope: OpScope, parents: usize) -> Option<&'static CatalogOp> {
        catalog().ops().iter().find(|o| {
            o.shape == Shape::Create
                && o.resource == resource
                && o.scope == scope
                && o.parents.len() == parents
                && !hand_written(o)
        })
    }

    /// A new record of `resource` under `parents`, when the catalog can create one (at
    /// `scope`, or for a parent of a project operation at company scope, as the engine looks).
    async fn create(&self, resource: &str, scope: OpScope, parents: &[String]) -> Option<String> {
        let op = Self::creator(resource, scope, parents.len())?;
        self.create_with(op, parents).await
    }

    async fn create_parent(&self, resource: &str, scope: OpScope, parents: &[String]) -> Option<String> {
        let op = Self::creator(resource, scope, parents.len()).or_else(|| {
            (scope == OpScope::Project)
                .then(|| Self::creator(resource, OpScope::Company, parents.len()))
                .flatten()
        })?;
        self.create_with(op, parents).await
    }

    async fn create_with(&self, op: &CatalogOp, parents: &[String]) -> Option<String> {
        let path = fill(op, &self.at, parents, None);
        let (status, v) = send(
            self.app,
            self.token,
            self.at.company,
            op.method,
            &path,
            body_for(op).as_ref(),
        )
        .await;
        if status.is_success() {
            id_of(&v)
        } else {
            None
        }
    }

    /// The parent ids of `op` (existing records where the parent's collection is creatable).
    async fn parents_of(&mut self, op: &CatalogOp) -> Vec<String> {
        let mut values: Vec<String> = Vec::new();
        for i in 0..op.parents.len() {
            let Some(collection) = parent_collection(&op.resource, i) else {
                values.push("1".into());
                continue;
            };
            let key = (format!("{collection}@{:?}", op.scope), values.join("/"));
            let found = match self.parents.get(&key) {
                Some(f) => f.clone(),
                None => {
                    let made = self.create_parent(collection, op.scope, &values).await;
                    self.parents.insert(key, made.clone());
                    made
                }
            };
            values.push(found.unwrap_or_else(|| "1".into()));
        }
        values
    }
}

async fn every_catalog_operation_answers_by_permission(app: TestApp) {
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    let (a, admin_a) = app.company("Acme").await;
    let (b, admin_b) = app.company("Beta").await;
    let a1 = app.project(&admin_a, a, "A1").await;
    let a3 = app.project(&admin_a, a, "A3").await;
    let b1 = app.project(&admin_b, b, "B1").await;
    let full = bot(&app, &dev, &admin_a, a, &[a1], "Full", "admin").await;
    let ro = bot(&app, &dev, &admin_a, a, &[a1], "Reader", "read_only").await;
    let mut maker = Maker {
        app: &app,
        token: &full,
        at: Where {
            company: a,
            project: a1,
        },
        parents: HashMap::new(),
    };
    let (mut served, mut hand, mut platform, mut absent) = (0usize, 0usize, 0usize, 0usize);
    let mut failures: Vec<String> = Vec::new();
    let ops = catalog().ops();
    for op in ops {
        if op.scope == OpScope::Platform || op.tool.is_none() {
            platform += 1;
            continue;
        }
        let here = Where {
            company: a,
            project: a1,
        };
        if hand_written(op) {
            let path = fill(op, &here, &[], Some("1"));
            if op.method == Method::Get {
                let (status, v) = send(&app, &full, a, op.method, &path, None).await;
                let no_route = v["message"].as_str().is_some_and(|m| m.starts_with("no route"));
                if status == StatusCode::NOT_FOUND && no_route {
                    failures.push(format!(
                        "{} {}: hand-written route answers no route",
                        op.method.as_str(),
                        op.path
                    ));
                }
            }
            hand += 1;
            continue;
        }
        let parents = maker.parents_of(op).await;
        let record = match &op.record_param {
            Some(_) => maker.create(&op.resource, op.scope, &parents).await,
            None => None,
        };
        let body = body_for(op);
        // A person's login is theirs: a directory PATCH names it as it is.
        let body = match (body, &record) {
            (Some(mut b), Some(id)) if op.method == Method::Patch && b.pointer("/user/email_address").is_some() => {
                let (_, u) = send(
                    &app,
                    &full,
                    a,
                    Method::Get,
                    &format!("/rest/v1.0/companies/{a}/users/{id}"),
                    None,
                )
                .await;
                b["user"]["email_address"] = u["email_address"].clone();
                Some(b)
            }
            (b, _) => b,
        };
        let path = fill(op, &here, &parents, record.as_deref());
        let label = format!("{} {}", op.method.as_str(), op.path);

        // read_only: reads pass where the tool takes read_only, every write is refused.
        let tool_scope = if op.scope == OpScope::Project {
            ToolScope::Project
        } else {
            ToolScope::Company
        };
        let levels = CATALOG
            .iter()
            .find(|d| Some(d.tool) == op.tool)
            .is_some_and(|d| d.at(tool_scope) == Offered::Levels);
        let (status, _) = send(&app, &ro, a, op.method, &path, body.as_ref()).await;
        let record_missing = op.record_param.is_some() && record.is_none();
        let read_ok = op.need == Operation::Read && levels;
        let want_ro_ok = read_ok && !record_missing;
        if want_ro_ok != status.is_success() || (!read_ok && status != StatusCode::FORBIDDEN) {
            failures.push(format!("{label}: read_only bot got {status} (need {:?})", op.need));
        }

        // admin: a success, unless the record cannot exist (no create operation for it).
        let (status, v) = send(&app, &full, a, op.method, &path, body.as_ref()).await;
        if record_missing {
            if status != StatusCode::NOT_FOUND {
                failures.push(format!("{label}: absent record answered {status}"));
            }
            absent += 1;
        } else if status.is_success() {
            served += 1;
        } else {
            failures.push(format!("{label}: admin bot got {status}: {v}"));
        }

        // A project the bot may not see, or a company it is not installed in: 404, nothing shown.
        let (foreign, company) = if op.scope == OpScope::Project {
            (
                Where {
                    company: a,
                    project: a3,
                },
                a,
            )
        } else {
            (
                Where {
                    company: b,
                    project: b1,
                },
                b,
            )
        };
        let path = fill(op, &foreign, &parents, record.as_deref());
        let (status, v) = send(&app, &full, company, op.method, &path, body.as_ref()).await;
        let text = v.to_string();
        if status != StatusCode::NOT_FOUND || text.contains("sample") {
            failures.push(format!("{label}: not permitted answered {status}: {text}"));
        }
    }
    println!(
        "catalog coverage: {} of {} operations served ({served} by the engine, {hand} by hand-written routes); {absent} act on records no operation creates (404); {platform} platform operations (OAuth, me) elsewhere",
        served + hand,
        ops.len(),
    );
    assert!(
        failures.is_empty(),
        "{} failures (coverage {} / {}):\n{}",
        failures.len(),
        served + hand,
        ops.len(),
        failures.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
}

struct Rfis {
    app: TestApp,
    a: i64,
    a1: i64,
    b: i64,
    b1: i64,
    full: String,
    other: String,
}

async fn rfi_world(app: TestApp) -> Rfis {
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    let (a, admin_a) = app.company("Acme").await;
    let (b, admin_b) = app.company("Beta").await;
    let a1 = app.project(&admin_a, a, "A1").await;
    let b1 = app.project(&admin_b, b, "B1").await;
    let full = bot(&app, &dev, &admin_a, a, &[a1], "Full", "admin").await;
    let other = bot(&app, &dev, &admin_b, b, &[b1], "Other", "admin").await;
    Rfis {
        app,
        a,
        a1,
        b,
        b1,
        full,
        other,
    }
}

impl Rfis {
    fn rfis(&self) -> String {
        format!("/rest/v1.0/projects/{}/rfis", self.a1)
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        send(&self.app, &self.full, self.a, method, path, body.as_ref()).await
    }

    async fn create(&self, subject: &str, status: &str) -> i64 {
        let body = json!({"rfi": {"subject": subject, "question": {"body": "Which pump?"}, "rfi_manager_id": 5, "status": status}});
        let (s, v) = self.call(Method::Post, &self.rfis(), Some(body)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v["id"].as_i64().unwrap()
    }

    async fn list(&self, query: &str) -> Vec<i64> {
        let (s, v) = self.call(Method::Get, &format!("{}?{query}", self.rfis()), None).await;
        assert_eq!(s, StatusCode::OK, "{query}: {v}");
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect()
    }
}

async fn rfis_round_trip(app: TestApp) {
    let w = rfi_world(app).await;
    let r1 = w.create("Pump", "open").await;
    let r2 = w.create("Valve", "closed").await;
    let r3 = w.create("Anchor", "open").await;

    // Paging: headers, and a next link that carries the keyset cursor.
    let res = w
        .app
        .get(&format!("{}?per_page=2", w.rfis()))
        .bearer_auth(&w.full)
        .header("Procore-Company-Id", w.a.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["total"], "3");
    assert_eq!(res.headers()["per-page"], "2");
    let link = res.headers()["link"].to_str().unwrap().to_string();
    let next = link
        .split(", ")
        .find(|l| l.ends_with("rel=\"next\""))
        .and_then(|l| l.strip_prefix('<'))
        .and_then(|l| l.split_once('>'))
        .map(|(u, _)| u.to_string())
        .expect("a next link");
    assert!(
        next.starts_with("http") && next.contains("/rest/v1.0/") && next.contains("after_id="),
        "{next}"
    );
    let first: Value = res.json().await.unwrap();
    assert_eq!(first.as_array().unwrap().len(), 2);
    let res = w
        .app
        .http
        .get(&next)
        .bearer_auth(&w.full)
        .header("Procore-Company-Id", w.a.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let second: Value = res.json().await.unwrap();
    assert_eq!(
        second
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [r3]
    );

    // Filters and sort.
    assert_eq!(w.list(&format!("filters[id]={r1},{r3}")).await, [r1, r3]);
    assert_eq!(
        w.list(&format!("filters[id][]={r2}&filters[id][]={r3}")).await,
        [r2, r3]
    );
    assert_eq!(w.list("filters[status]=open").await, [r1, r3]);
    assert_eq!(w.list("filters[unknown_thing]=x").await, [r1, r2, r3]);
    assert_eq!(
        w.list("filters[created_at]=2000-01-01...2100-01-01").await,
        [r1, r2, r3]
    );
    assert!(w
        .list("filters[created_at]=\"2000-01-01T00:00:00Z\"...\"2000-01-02T00:00:00Z\"")
        .await
        .is_empty());
    assert_eq!(w.list("sort=-subject").await, [r2, r1, r3]);
    assert_eq!(
        w.list("sort[attribute]=subject&sort[direction]=asc").await,
        [r3, r1, r2]
    );
    let (s, v) = w
        .call(Method::Get, &format!("{}?filters[created_at]=someday", w.rfis()), None)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");

    // Show, update (merge), delete (soft).
    let one = format!("{}/{r1}", w.rfis());
    let (s, v) = w.call(Method::Get, &one, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["subject"], "Pump");
    assert_eq!(v["question"]["body"], "Which pump?");
    assert!(
        v["created_by"]["id"].is_i64() && v["created_by"]["login"].is_string(),
        "{v}"
    );
    assert!(v["created_at"].as_str().unwrap().ends_with('Z'));
    let (s, v) = w
        .call(Method::Patch, &one, Some(json!({"rfi": {"subject": "Pump 2"}})))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["subject"], "Pump 2");
    assert_eq!(v["question"]["body"], "Which pump?");
    let (s, v) = w
        .call(Method::Patch, &one, Some(json!({"rfi": {"private": "yes"}})))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // Delete (soft) and include_deleted, on the RFI's replies (RFIs themselves are recycled,
    // not deleted, in Procore's API); a reply needs its RFI to exist.
    let find = |m: Method, p: &str| catalog().ops().iter().find(|o| o.method == m && o.path == p).unwrap();
    let create_reply = find(Method::Post, "/rest/v1.0/projects/{project_id}/rfis/{rfi_id}/replies");
    let delete_reply = find(
        Method::Delete,
        "/rest/v1.0/projects/{project_id}/rfis/{rfi_id}/replies/{id}",
    );
    let replies = format!("{}/{r1}/replies", w.rfis());
    let (s, v) = w.call(Method::Post, &replies, body_for(create_reply)).await;
    assert!(s.is_success(), "{s} {v}");
    let reply = v["id"].as_i64().unwrap();
    let (s, _) = w
        .call(
            Method::Post,
            &format!("{}/999999/replies", w.rfis()),
            body_for(create_reply),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = w.call(Method::Delete, &format!("{replies}/{reply}"), None).await;
    assert_eq!(s.as_u16(), delete_reply.success);
    let (s, _) = w.call(Method::Delete, &format!("{replies}/{reply}"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let list = |q: &'static str| {
        let w = &w;
        let replies = replies.clone();
        async move {
            let (s, v) = w.call(Method::Get, &format!("{replies}?{q}"), None).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            v
        }
    };
    assert_eq!(list("").await, json!([]));
    let only = list("filters[include_deleted]=only").await;
    assert_eq!(only[0]["id"], reply);
    assert!(only[0]["deleted_at"].is_string(), "{only}");
    assert_eq!(list("filters[include_deleted]=true").await.as_array().unwrap().len(), 1);

    // Another company's bot sees nothing of it, whatever company it names.
    for company in [w.a, w.b] {
        let (s, _) = send(&w.app, &w.other, company, Method::Get, &w.rfis(), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = send(
            &w.app,
            &w.other,
            company,
            Method::Get,
            &format!("{}/{r2}", w.rfis()),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    let (s, v) = send(
        &w.app,
        &w.other,
        w.b,
        Method::Get,
        &format!("/rest/v1.0/projects/{}/rfis/{r2}", w.b1),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = send(
        &w.app,
        &w.other,
        w.b,
        Method::Get,
        &format!("/rest/v1.0/projects/{}/rfis", w.b1),
        None,
    )
    .await;
    assert_eq!((s, v), (StatusCode::OK, json!([])));
    // Unknown paths keep the no-route 404, known paths with another method the 405.
    let (s, v) = w.call(Method::Get, "/rest/v1.0/no_such_tool", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(v["message"].as_str().unwrap().starts_with("no route"));
    let (s, _) = w.call(Method::Put, &w.rfis(), None).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    // Without a token: the REST API's 401.
    let res = w.app.get(&w.rfis()).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

async fn bodies_validation_sync_idempotency_v2(app: TestApp) {
    let w = rfi_world(app).await;
    let company = w.a.to_string();

    // Validation lists every problem.
    let (s, v) = w
        .call(
            Method::Post,
            &w.rfis(),
            Some(json!({"rfi": {"assignee_id": "x", "private": 3}})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let paths: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    for want in [
        "$.rfi.subject",
        "$.rfi.question",
        "$.rfi.rfi_manager_id",
        "$.rfi.assignee_id",
        "$.rfi.private",
    ] {
        assert!(paths.contains(&want), "{want} in {v}");
    }
    let res = w
        .app
        .post(&w.rfis())
        .bearer_auth(&w.full)
        .header("Procore-Company-Id", &company)
        .header("Content-Type", "application/json")
        .body("{\"rfi\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // url-encoded with bracket keys, values typed by the schema.
    let res = w
        .app
        .post(&w.rfis())
        .bearer_auth(&w.full)
        .header("Procore-Company-Id", &company)
        .form(&[
            ("rfi[subject]", "Form"),
            ("rfi[question][body]", "B"),
            ("rfi[rfi_manager_id]", "5"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        (
            v["subject"].clone(),
            v["rfi_manager_id"].clone(),
            v["question"]["body"].clone()
        ),
        (json!("Form"), json!(5), json!("B"))
    );

    // multipart with a file.
    let form = reqwest::multipart::Form::new()
        .text("rfi[subject]", "Multi")
        .text("rfi[question][body]", "B")
        .text("rfi[rfi_manager_id]", "7")
        .part(
            "rfi[question][attachments][]",
            reqwest::multipart::Part::bytes(b"hello".to_vec())
                .file_name("a.txt")
                .mime_str("text/plain")
                .unwrap(),
        );
    let res = w
        .app
        .post(&w.rfis())
        .bearer_auth(&w.full)
        .header("Procore-Company-Id", &company)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["subject"], "Multi");
    assert_eq!(
        v["question"]["attachments"],
        json!([{"filename": "a.txt", "content_type": "text/plain", "size": 5}])
    );

    // Idempotency-Token: a replay answers the first response with 200, and creates nothing.
    let body = json!({"rfi": {"subject": "Once", "question": {"body": "B"}, "rfi_manager_id": 5}});
    let post = || {
        w.app
            .post(&w.rfis())
            .bearer_auth(&w.full)
            .header("Procore-Company-Id", &company)
            .header("Idempotency-Token", "tok-1")
            .json(&body)
            .send()
    };
    let first = post().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = post().await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    let (_, all) = w.call(Method::Get, &w.rfis(), None).await;
    assert_eq!(
        all.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["subject"] == "Once")
            .count(),
        1
    );

    // Sync: creates, updates, reports unknown ids per item, 200 throughout.
    let sync = catalog()
        .ops()
        .iter()
        .find(|o| {
            o.shape == Shape::Sync && o.scope == OpScope::Company && o.parents.is_empty() && o.method == Method::Patch
        })
        .expect("a company sync operation");
    let at = Where {
        company: w.a,
        project: w.a1,
    };
    let path = fill(sync, &at, &[], None);
    let item = body_for(sync).unwrap()["updates"][0].clone();
    let mut unknown = item.clone();
    unknown["id"] = json!(999_999_999);
    let (s, v) = w
        .call(Method::Patch, &path, Some(json!({"updates": [item, unknown]})))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let v = v.get("data").cloned().unwrap_or(v);
    assert_eq!(v["entities"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(
        v["errors"][0]["errors"]["id"],
        json!(["Entity with this ID not found"]),
        "{v}"
    );
    let made = id_of(&v["entities"][0]).unwrap();
    let (s, v) = w
        .call(
            Method::Patch,
            &path,
            Some(json!({"updates": [{"id": made.parse::<i64>().unwrap(), "origin_id": "ext-9"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let v = v.get("data").cloned().unwrap_or(v);
    assert_eq!(v["entities"][0]["origin_id"], "ext-9", "{v}");
    let too_many: Vec<Value> = (0..1001).map(|_| json!({})).collect();
    let (s, _) = w.call(Method::Patch, &path, Some(json!({"updates": too_many}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // v2: the data envelope, ids as strings, v2's error shape.
    let create = catalog()
        .ops()
        .iter()
        .find(|o| {
            o.version.is_some_and(|v| v.is_v2())
                && o.shape == Shape::Create
                && o.scope == OpScope::Company
                && o.parents.is_empty()
                && catalog().ops().iter().any(|s| {
                    s.shape == Shape::Show && s.resource == o.resource && s.version == o.version && s.parents.is_empty()
                })
        })
        .expect("a v2 create with a show");
    let (s, v) = w
        .call(create.method, &fill(create, &at, &[], None), body_for(create))
        .await;
    assert!(s.is_success(), "{} {}: {s} {v}", create.method.as_str(), create.path);
    let id = v["data"]["id"].as_str().expect("v2 ids are strings").to_string();
    let show = catalog()
        .ops()
        .iter()
        .find(|s| {
            s.shape == Shape::Show
                && s.resource == create.resource
                && s.version == create.version
                && s.parents.is_empty()
        })
        .unwrap();
    let (s, v) = w.call(Method::Get, &fill(show, &at, &[], Some(&id)), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["data"]["id"], json!(id));
    let (s, v) = w
        .call(Method::Get, &fill(show, &at, &[], Some("999999999")), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["code"], "not_found", "{v}");
    assert!(
        v["error"]["message"].is_string() && v["error"]["details"].is_array(),
        "{v}"
    );
}

async fn bad_input_is_never_a_server_error(app: TestApp) {
    let w = rfi_world(app).await;
    let r1 = w.create("Pump", "open").await;
    let rfis = w.rfis();
    let deep = format!("{{\"rfi\": {}1{}}}", "[".repeat(300), "]".repeat(300));
    let gets = [
        format!("{rfis}?sort=%27;drop%20table"),
        format!("{rfis}?sort=subject,-created_at,question"),
        format!("{rfis}?per_page=99999999999&page=99999999"),
        format!("{rfis}?page=abc"),
        format!("{rfis}?filters[id]=99999999999999999999"),
        format!("{rfis}?filters[id]=1,x"),
        format!("{rfis}?filters[status][]=open&filters[status]=closed"),
        format!("{rfis}?search=%25_%5C%27"),
        format!("{rfis}?search=a%00b"),
        format!("{rfis}/{r1}/replies%00"),
        format!("{rfis}/a%00b/replies"),
        format!("{rfis}?filters[created_at]=2020-02-30...2020-03-01"),
        format!("{rfis}?filters[updated_at]=...&filters[include_deleted]=maybe"),
        format!("{rfis}?after_id=abc"),
        format!("{rfis}?after_id={r1}&filters[status]=open"),
        format!("{rfis}/abc"),
        format!("{rfis}/99999999999999999999"),
        format!("{rfis}/{r1}.pdf"),
        "/rest/v1.0/projects/abc/rfis".to_string(),
        "/rest/v1.0/projects/99999999999999999999/rfis".to_string(),
        "/rest/v2.0/companies/abc/projects/1/budget_change_history".to_string(),
    ];
    for path in &gets {
        let (s, v) = w.call(Method::Get, path, None).await;
        assert!(s.is_client_error() || s.is_success(), "GET {path}: {s} {v}");
    }
    let bodies: [(&str, String); 9] = [
        ("application/json", "{\"rfi\": {\"subject\": \"a\\u0000b\", \"question\": {\"body\": \"b\"}, \"rfi_manager_id\": 1}}".into()),
        ("application/json", "{\"rfi\": {\"subject\": \"a\", \"question\": {\"body\": \"b\"}, \"rfi_manager_id\": 1, \"origin_id\": \"\\u0000\"}}".into()),
        ("application/json", "[1, 2]".into()),
        ("application/json", deep),
        ("application/json", "{\"rfi\": 5}".into()),
        ("text/plain", "hello".into()),
        ("multipart/form-data", "--x\r\n".into()),
        ("application/x-www-form-urlencoded", "rfi[a][]=1&rfi[a][b]=2".into()),
        ("application/x-www-form-urlencoded", "rfi[subject=1".into()),
    ];
    for (ct, body) in bodies {
        let res = w
            .app
            .post(&rfis)
            .bearer_auth(&w.full)
            .header("Procore-Company-Id", w.a.to_string())
            .header("Content-Type", ct)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let s = res.status();
        assert!(
            s.is_client_error(),
            "{ct} {body:.60}: {s} {}",
            res.text().await.unwrap()
        );
    }
    let sync = catalog()
        .ops()
        .iter()
        .find(|o| {
            o.shape == Shape::Sync && o.scope == OpScope::Company && o.parents.is_empty() && o.method == Method::Patch
        })
        .unwrap();
    let path = fill(
        sync,
        &Where {
            company: w.a,
            project: w.a1,
        },
        &[],
        None,
    );
    for body in [
        json!({"updates": "x"}),
        json!({"updates": [1, {"id": "abc"}, {"id": -5}, {"name": "a\u{0}"}, {"origin_id": "\u{0}"}]}),
        json!({}),
    ] {
        let (s, v) = w.call(Method::Patch, &path, Some(body.clone())).await;
        assert!(s.is_client_error() || s == StatusCode::OK, "{body}: {s} {v}");
    }
    // v2 lists: the data envelope, v2 paging (10 a page by default) and the headers.
    let list = catalog()
        .ops()
        .iter()
        .find(|o| {
            o.version.is_some_and(|v| v.is_v2())
                && o.shape == Shape::List
                && o.scope == OpScope::Project
                && o.parents.is_empty()
        })
        .unwrap();
    let res = w
        .app
        .get(&fill(
            list,
            &Where {
                company: w.a,
                project: w.a1,
            },
            &[],
            None,
        ))
        .bearer_auth(&w.full)
        .header("Procore-Company-Id", w.a.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{}", list.path);
    assert_eq!(res.headers()["per-page"], "10");
    assert_eq!(res.headers()["total"], "0");
    assert!(res.headers()["link"].to_str().unwrap().contains("/rest/v2."));
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"data": []}));
}
