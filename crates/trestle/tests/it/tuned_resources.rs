//! Hand-tuned tool resources (issue #15 item 4) over HTTP: records created with minimal bodies
//! show their defaults and expanded references (people from the company's directory, vendors
//! from its vendors), lookups answer from the same data, and an id of another company never
//! expands.

use crate::catalog_ops::{bot, send};
use crate::support::{on_both_backends, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use trestle_domain::catalog::Method;

on_both_backends!(rfis_expand_within_the_company, other_tuned_resources);

struct World {
    app: TestApp,
    a: i64,
    a1: i64,
    full: String,
    /// A person of company A and project A1.
    pat: i64,
    /// A person of company B only.
    bea: i64,
    /// A vendor of company A, and one of company B.
    vendor_a: i64,
    vendor_b: i64,
}

impl World {
    async fn call(&self, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
        send(&self.app, &self.full, self.a, method, path, Some(&body)).await
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let (s, v) = self.call(Method::Post, path, body).await;
        assert_eq!(s, StatusCode::CREATED, "{path}: {v}");
        v
    }

    async fn get(&self, path: &str) -> Value {
        let (s, v) = self.call(Method::Get, path, Value::Null).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
        v
    }

    fn pat_shown(&self) -> Value {
        json!({"id": self.pat, "name": "Pat Lee", "login": "pat@example.com"})
    }
}

async fn world(app: TestApp) -> World {
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    let (a, admin_a) = app.company("Acme").await;
    let (b, admin_b) = app.company("Beta").await;
    let a1 = app.project(&admin_a, a, "A1").await;
    let b1 = app.project(&admin_b, b, "B1").await;
    let (pat, pat_token) = app.person("pat@example.com", "Pat Lee").await;
    app.join(&admin_a, a, "pat@example.com", &pat_token).await;
    app.api_post(
        &admin_a,
        &format!("/api/v1/companies/{a}/projects/{a1}/users"),
        json!({"user_id": pat}),
        StatusCode::NO_CONTENT,
    )
    .await;
    let (bea, bea_token) = app.person("bea@example.com", "Bea Other").await;
    app.join(&admin_b, b, "bea@example.com", &bea_token).await;
    let full = bot(&app, &dev, &admin_a, a, &[a1], "Full", "admin").await;
    let other = bot(&app, &dev, &admin_b, b, &[b1], "Other", "admin").await;
    let (s, vb) = send(
        &app,
        &other,
        b,
        Method::Post,
        "/rest/v1.0/vendors",
        Some(&json!({"company_id": b, "vendor": {"name": "Beta Secret Vendor"}})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{vb}");
    let mut w = World {
        app,
        a,
        a1,
        full,
        pat,
        bea,
        vendor_a: 0,
        vendor_b: vb["id"].as_i64().unwrap(),
    };
    let va = w
        .post(
            "/rest/v1.0/vendors",
            json!({"company_id": a, "vendor": {"name": "Granite"}}),
        )
        .await;
    assert_eq!(va["is_active"], true, "{va}");
    w.vendor_a = va["id"].as_i64().unwrap();
    w
}

async fn rfis_expand_within_the_company(app: TestApp) {
    let w = world(app).await;
    let rfis = format!("/rest/v1.0/projects/{}/rfis", w.a1);
    let first = w
        .post(
            &rfis,
            json!({"rfi": {"subject": "Footing", "rfi_manager_id": w.pat, "question": {"body": "Which?"},
                            "assignee_ids": [w.pat, w.bea], "responsible_contractor_id": w.vendor_a}}),
        )
        .await;
    assert_eq!(first["number"], "1", "{first}");
    assert_eq!(first["status"], "open");
    assert_eq!(first["rfi_manager"], w.pat_shown());
    assert_eq!(first["assignees"], json!([w.pat_shown()]), "Bea is of another company");
    assert_eq!(
        first["responsible_contractor"],
        json!({"id": w.vendor_a, "name": "Granite"})
    );
    assert_eq!(first["question"]["body"], "Which?");
    assert_eq!(first["questions"][0]["body"], "Which?");
    assert_eq!(first["due_date"], Value::Null);
    assert!(first["created_by"]["id"].is_i64(), "{first}");

    // Ids of company B name nothing here: nothing of B leaks.
    let second = w
        .post(
            &rfis,
            json!({"rfi": {"subject": "Leak?", "rfi_manager_id": w.bea, "question": {"body": "?"},
                            "responsible_contractor_id": w.vendor_b, "status": "closed"}}),
        )
        .await;
    assert_eq!(second["number"], "2");
    assert_eq!(second["status"], "closed");
    assert_eq!(second["rfi_manager"], Value::Null, "{second}");
    assert_eq!(second["responsible_contractor"], Value::Null, "{second}");
    assert!(!second.to_string().contains("Beta Secret") && !second.to_string().contains("Bea"));

    // Show and list carry the same.
    let shown = w.get(&format!("{rfis}/{}", first["id"])).await;
    assert_eq!(shown, first);
    let list = w.get(&rfis).await;
    assert_eq!(list[0], first);
    // The default status is stored, so the status filter finds it.
    let open = w.get(&format!("{rfis}?filters[status]=open")).await;
    assert_eq!(open.as_array().map(Vec::len), Some(1), "{open}");
    assert_eq!(open[0]["id"], first["id"]);
    assert!(!list.to_string().contains("Beta Secret"));

    // An update that names a manager re-expands.
    let (s, up) = w
        .call(
            Method::Patch,
            &format!("{rfis}/{}", second["id"]),
            json!({"rfi": {"rfi_manager_id": w.pat}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{up}");
    assert_eq!(up["rfi_manager"], w.pat_shown());

    // Lookups from the same data.
    let managers = w.get(&format!("{rfis}/potential_rfi_managers")).await;
    let ids: Vec<i64> = managers
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert!(ids.contains(&w.pat), "{managers}");
    assert!(!ids.contains(&w.bea), "{managers}");
    assert!(managers.as_array().unwrap().iter().all(|p| p["login"].is_string()));
    assert_eq!(
        w.get(&format!("{rfis}/filter_options/status")).await,
        json!([{"key": "closed", "value": "closed"}, {"key": "open", "value": "open"}])
    );
    assert_eq!(
        w.get(&format!("{rfis}/filter_options/rfi_manager_id")).await,
        json!([{"key": w.pat, "value": "Pat Lee"}])
    );
    assert_eq!(
        w.get(&format!("{rfis}/filter_options/responsible_contractor_id")).await,
        json!([{"key": w.vendor_a, "value": "Granite"}])
    );
}

async fn other_tuned_resources(app: TestApp) {
    let w = world(app).await;
    let (p, pat) = (w.a1, w.pat_shown());

    let sub = w
        .post(
            &format!("/rest/v1.1/projects/{p}/submittals"),
            json!({"submittal": {"number": "03-1", "submittal_manager_id": w.pat, "responsible_contractor_id": w.vendor_a}}),
        )
        .await;
    assert_eq!(sub["status"], json!({"id": 1, "name": "Draft"}), "{sub}");
    assert_eq!(sub["submittal_manager"], pat);
    assert_eq!(sub["responsible_contractor"]["name"], "Granite");
    let open = w
        .post(
            &format!("/rest/v1.1/projects/{p}/submittals"),
            json!({"submittal": {"number": "03-2", "status_id": 2}}),
        )
        .await;
    assert_eq!(open["status"], json!({"id": 2, "name": "Open"}), "{open}");
    assert_eq!(
        w.get(&format!("/rest/v1.0/projects/{p}/submittals/filter_options/status_id"))
            .await,
        json!([{"key": 1, "value": "Draft"}, {"key": 2, "value": "Open"}])
    );
    let statuses = w.get(&format!("/rest/v1.0/companies/{}/submittal_statuses", w.a)).await;
    assert_eq!(statuses[0]["name"], "Draft", "{statuses}");

    let punch = w
        .post(
            "/rest/v1.1/punch_items",
            json!({"project_id": p, "punch_item": {"name": "Paint", "punch_item_manager_id": w.pat,
                                                   "assignee_ids": [w.pat], "due": "2026-12-24"}}),
        )
        .await;
    assert_eq!(punch["status"], "Open", "{punch}");
    assert_eq!(punch["punch_item_manager"], pat);
    assert_eq!(punch["assignees"], json!([pat.clone()]));
    assert_eq!(punch["due_date"], "2026-12-24");

    let obs = w
        .post(
            "/rest/v1.0/observations/items",
            json!({"project_id": p, "observation": {"name": "Guardrail", "type_id": 1, "assignee_id": w.pat}}),
        )
        .await;
    assert_eq!(obs["status"], "initiated", "{obs}");
    assert_eq!(obs["assignee"], pat);
    // The filter takes Procore's integer codes; the stored default is found by them.
    let found = w
        .get(&format!(
            "/rest/v1.0/observations/items?project_id={p}&filters[status]=0"
        ))
        .await;
    assert_eq!(found[0]["id"], obs["id"], "{found}");
    let none = w
        .get(&format!(
            "/rest/v1.0/observations/items?project_id={p}&filters[status]=3"
        ))
        .await;
    assert_eq!(none, json!([]));

    let statuses = w.get(&format!("/rest/v1.0/change_event/statuses?project_id={p}")).await;
    assert_eq!(statuses[0]["name"], "Open", "{statuses}");
    assert_eq!(statuses[0]["default_status"], true);

    let cost = w
        .post(
            &format!("/rest/v1.1/projects/{p}/direct_costs"),
            json!({"direct_cost": {"invoice_number": "INV-1", "vendor_id": w.vendor_a, "direct_cost_type": "invoice"}}),
        )
        .await;
    assert_eq!(cost["status"], "draft", "{cost}");
    assert_eq!(cost["vendor"], json!({"id": w.vendor_a, "name": "Granite"}));
    assert_eq!(cost["vendor_name"], "Granite");
    let leak = w
        .post(
            &format!("/rest/v1.1/projects/{p}/direct_costs"),
            json!({"direct_cost": {"invoice_number": "INV-2", "vendor_id": w.vendor_b, "direct_cost_type": "invoice"}}),
        )
        .await;
    assert_eq!(leak["vendor"], Value::Null, "{leak}");

    let entry = w
        .post(
            &format!("/rest/v1.0/companies/{}/timecard_entries", w.a),
            json!({"project_id": p, "timecard_entry": {"date": "2026-12-01", "hours": "8", "party_id": w.pat}}),
        )
        .await;
    assert_eq!(entry["party"], pat, "{entry}");

    let album = w
        .post(
            &format!("/rest/v1.0/image_categories?project_id={p}"),
            json!({"project_id": p, "image_category": {"name": "Site"}}),
        )
        .await;
    assert_eq!(album["count"], 0, "{album}");
    assert_eq!(album["private"], false);
    let image = w
        .post(
            &format!("/rest/v1.0/images?project_id={p}"),
            json!({"project_id": p, "image_name": "site.jpg", "image": {"image_category_id": album["id"]}}),
        )
        .await;
    assert_eq!(image["image_category_name"], "Site", "{image}");
    assert_eq!(image["image_category"]["id"], album["id"]);

    // Commitments: the mixed list reads both contract kinds; prime contracts list what the
    // singular path created.
    let wo = w
        .post(
            "/rest/v1.0/work_order_contracts",
            json!({"project_id": p, "work_order_contract": {"title": "Concrete", "vendor_id": w.vendor_a}}),
        )
        .await;
    assert_eq!(wo["status"], "Draft", "{wo}");
    assert_eq!(wo["vendor"], json!({"id": w.vendor_a, "name": "Granite"}));
    let po = w
        .post(
            "/rest/v1.0/purchase_order_contracts",
            json!({"project_id": p, "purchase_order_contract": {"title": "Rebar"}}),
        )
        .await;
    let (s, mixed) = w
        .call(
            Method::Get,
            &format!("/rest/v1.0/commitments?project_id={p}"),
            Value::Null,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{mixed}");
    let titles: Vec<&str> = mixed
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["title"].as_str())
        .collect();
    assert_eq!(titles, ["Concrete", "Rebar"], "{mixed}");
    assert_eq!(mixed[0]["vendor"]["name"], "Granite");
    assert_eq!(mixed[1]["id"], po["id"]);
    let prime = w
        .post(
            "/rest/v1.0/prime_contract",
            json!({"project_id": p, "prime_contract": {"title": "Owner contract"}}),
        )
        .await;
    let primes = w.get(&format!("/rest/v1.0/prime_contracts?project_id={p}")).await;
    assert_eq!(primes[0]["id"], prime["id"], "{primes}");
    assert_eq!(primes[0]["status"], "Draft");

    // The v1.0 meetings list is grouped (reference §2.18).
    let meeting = w
        .post(
            "/rest/v1.0/meetings",
            json!({"project_id": p, "meeting": {"position": 1, "title": "OAC"}}),
        )
        .await;
    assert_eq!(meeting["is_private"], false, "{meeting}");
    let groups = w.get(&format!("/rest/v1.0/meetings?project_id={p}")).await;
    assert_eq!(groups[0]["group_title"], "Meetings", "{groups}");
    assert_eq!(groups[0]["meetings"][0]["id"], meeting["id"]);
    assert_eq!(groups[0]["meetings"][0]["title"], "OAC");
}
