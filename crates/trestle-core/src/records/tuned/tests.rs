use super::lookups::options;
use super::*;
use trestle_domain::record::RecordScope;
use trestle_domain::*;

fn rec(resource: &str, body: Value) -> Record {
    Record {
        id: RecordId(7),
        scope: RecordScope {
            company: CompanyId(1),
            project: Some(ProjectId(2)),
            resource: resource.into(),
            parent: String::new(),
        },
        body: body.as_object().cloned().unwrap_or_default(),
        origin_id: None,
        number: 4,
        created_at: 0,
        updated_at: 0,
        deleted_at: None,
        created_by: None,
    }
}

fn shown(resource: &str, body: Value, refs: &Refs) -> Map<String, Value> {
    let r = rec(resource, body);
    let mut m = r.body.clone();
    apply(resource, &r, &mut m, refs);
    m
}

fn refs() -> Refs {
    let mut r = Refs::default();
    r.people
        .insert(5, json!({"id": 5, "name": "Pat", "login": "pat@example.com"}));
    r.vendors.insert(9, json!({"id": 9, "name": "Granite"}));
    r
}

#[test]
fn status_defaults_are_json_lists_starting_with_the_shown_default() {
    for (resource, text) in super::STATUS_DEFAULTS {
        let v: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{resource}: {e}"));
        assert_eq!(v[0]["id"], 1, "{resource}");
    }
    assert_eq!(shown("change_events", json!({}), &refs())["status"]["name"], "Open");
    assert_eq!(shown("submittals", json!({}), &refs())["status"]["name"], "Draft");
}

#[test]
fn every_default_is_json_and_every_resource_is_listed_once() {
    let mut seen = HashSet::new();
    for s in SPECS {
        assert!(seen.insert(s.resource), "{} twice", s.resource);
        for (f, d) in s.defaults {
            assert!(serde_json::from_str::<Value>(d).is_ok(), "{}.{f}", s.resource);
        }
    }
}

#[test]
fn rfis_get_number_status_question_and_expanded_people() {
    let m = shown(
        "rfis",
        json!({"subject": "S", "rfi_manager_id": 5, "assignee_ids": [5, 77], "responsible_contractor_id": 9,
               "question": "Which?"}),
        &refs(),
    );
    assert_eq!(m["number"], "4");
    assert_eq!(m["full_number"], "4");
    assert_eq!(m["status"], "open");
    assert_eq!(
        m["rfi_manager"],
        json!({"id": 5, "name": "Pat", "login": "pat@example.com"})
    );
    assert_eq!(
        m["assignees"],
        json!([{"id": 5, "name": "Pat", "login": "pat@example.com"}])
    );
    assert_eq!(m["responsible_contractor"], json!({"id": 9, "name": "Granite"}));
    assert_eq!(m["question"], json!({"body": "Which?", "attachments": []}));
    assert_eq!(m["questions"], json!([{"body": "Which?", "attachments": []}]));
    assert_eq!(m["due_date"], Value::Null);
    // A given number and status win.
    let m = shown("rfis", json!({"number": 12, "status": "closed"}), &Refs::default());
    assert_eq!(m["number"], "12");
    assert_eq!(m["status"], "closed");
    assert_eq!(m["rfi_manager"], Value::Null);
    assert_eq!(m["assignees"], json!([]));
}

#[test]
fn unknown_references_show_null_and_untuned_resources_are_untouched() {
    let m = shown("direct_costs", json!({"vendor_id": 10}), &refs());
    assert_eq!(m["vendor"], Value::Null);
    assert_eq!(m["status"], "draft");
    let m = shown("direct_costs", json!({"vendor_id": "9"}), &refs());
    assert_eq!(m["vendor"], json!({"id": 9, "name": "Granite"}));
    assert_eq!(m["vendor_name"], "Granite");
    let m = shown("widgets", json!({"vendor_id": 9}), &refs());
    assert_eq!(Value::Object(m), json!({"vendor_id": 9}));
}

#[test]
fn punch_items_capitalise_status_and_show_due_as_due_date() {
    let m = shown("punch_items", json!({"status": "closed", "due": "2026-01-02"}), &refs());
    assert_eq!(m["status"], "Closed");
    assert_eq!(m["due_date"], "2026-01-02");
    assert_eq!(shown("punch_items", json!({}), &refs())["status"], "Open");
    assert_eq!(shown("observations/items", json!({}), &refs())["status"], "initiated");
    assert_eq!(
        shown("submittals", json!({}), &refs())["status"],
        json!({"id": 1, "name": "Draft"})
    );
    assert_eq!(shown("vendors", json!({}), &refs())["is_active"], true);
    assert_eq!(
        shown("vendors", json!({"is_active": false}), &refs())["is_active"],
        false
    );
}

#[test]
fn wanted_collects_only_spec_fields() {
    let mut w = Wanted::default();
    let body =
        json!({"rfi_manager_id": 5, "assignee_ids": [6, "7", "x"], "responsible_contractor_id": 9, "location_id": 3});
    w.add("rfis", body.as_object().unwrap());
    assert_eq!(w.people, HashSet::from([5, 6, 7]));
    assert_eq!(w.vendors, HashSet::from([9]));
    let mut w = Wanted::default();
    w.add("widgets", body.as_object().unwrap());
    assert!(w.is_empty());
}

#[test]
fn filter_options_read_expanded_objects_and_scalars() {
    let rs = vec![
        json!({"status": "open", "rfi_manager": {"id": 5, "name": "Pat"}, "assignees": [{"id": 6, "name": "Ann"}]}),
        json!({"status": "closed", "rfi_manager": {"id": 5, "name": "Pat"}, "assignees": []}),
        json!({"status": "open", "rfi_manager": null}),
    ];
    assert_eq!(
        options(&rs, "status", &[], false),
        json!([{"key": "closed", "value": "closed"}, {"key": "open", "value": "open"}])
    );
    assert_eq!(
        options(&rs, "rfi_manager_id", &[], true),
        json!([{"key": 5, "value": "Pat"}])
    );
    assert_eq!(
        options(&rs, "assigned_id", &[("assigned_id", "assignees")], true),
        json!([{"key": 6, "value": "Ann"}])
    );
    // An expanded field offers only what expanded; others fall back to the raw value.
    let raw = vec![json!({"rfi_manager_id": 43, "rfi_manager": null, "location_id": 3})];
    assert_eq!(options(&raw, "rfi_manager_id", &[], true), json!([]));
    assert_eq!(
        options(&raw, "location_id", &[], false),
        json!([{"key": 3, "value": "3"}])
    );
    let subs = vec![json!({"status": {"id": 1, "name": "Draft"}})];
    assert_eq!(
        options(&subs, "status_id", &[], false),
        json!([{"key": 1, "value": "Draft"}])
    );
}

#[test]
fn default_objects_fill_a_given_id_and_grouped_lists_group() {
    let m = shown("change_events", json!({"status": {"id": 1}}), &refs());
    assert_eq!(
        m["status"],
        json!({"id": 1, "name": "Open", "mapped_to_status": "open"})
    );
    let m = shown("change_events", json!({"status": {"id": 2}}), &refs());
    assert_eq!(m["status"], json!({"id": 2}));
    let items = vec![
        json!({"id": 1, "group_title": "OAC"}),
        json!({"id": 2}),
        json!({"id": 3, "group_title": "OAC"}),
    ];
    assert_eq!(
        grouped("/rest/v1.0/meetings", &items).unwrap(),
        json!([
            {"group_title": "OAC", "meetings": [items[0].clone(), items[2].clone()]},
            {"group_title": "Meetings", "meetings": [items[1].clone()]},
        ])
    );
    assert!(grouped("/rest/v1.1/projects/{project_id}/meetings", &items).is_none());
}

#[test]
fn defaults_are_stored_and_filters_widen() {
    let mut body = json!({"subject": "S", "status": "closed"})
        .as_object()
        .cloned()
        .unwrap();
    fill_defaults("rfis", &mut body);
    assert_eq!(body["status"], "closed");
    assert_eq!(body["private"], false);
    assert!(!body.contains_key("due_date"), "null defaults are only shown");
    let mut body = Map::new();
    fill_defaults("punch_items", &mut body);
    assert_eq!(body["status"], "open");
    let mut filter = trestle_domain::record::RecordFilter::default();
    filter.fields.push(trestle_domain::record::FieldFilter {
        field: "status".into(),
        any_of: vec![json!(0), json!("3")],
    });
    tune_filter("observations/items", &mut filter);
    assert_eq!(
        filter.fields[0].any_of,
        vec![json!(0), json!("3"), json!("initiated"), json!("closed")]
    );
}

#[test]
fn manpower_logs_show_man_hours_and_their_vendor() {
    let m = shown(
        "manpower_logs",
        json!({"num_workers": 3, "num_hours": "8", "vendor_id": 9}),
        &refs(),
    );
    assert_eq!(m["man_hours"], 24.0);
    assert_eq!(m["vendor"], json!({"id": 9, "name": "Granite"}));
    assert_eq!(
        shown("notes_logs", json!({"vendor_id": 9}), &refs())["vendor"]["name"],
        "Granite"
    );
}

#[test]
fn images_name_their_category_from_the_project() {
    let mut r = refs();
    r.named
        .insert(("image_categories", 4), json!({"id": 4, "name": "Site"}));
    let m = shown("images", json!({"image_category_id": 4}), &r);
    assert_eq!(m["image_category"], json!({"id": 4, "name": "Site"}));
    assert_eq!(m["image_category_name"], "Site");
    let m = shown("images", json!({"image_category_id": 5}), &r);
    assert_eq!(m["image_category_name"], Value::Null);
    let mut w = Wanted::default();
    w.add("images", json!({"image_category_id": 4}).as_object().unwrap());
    assert_eq!(w.named["image_categories"], HashSet::from([4]));
}

#[test]
fn a_status_id_names_its_default_status() {
    let m = shown("submittals", json!({"status_id": 2}), &refs());
    assert_eq!(m["status"], json!({"id": 2, "name": "Open"}));
    let m = shown("submittals", json!({"status_id": 99}), &refs());
    assert_eq!(
        m["status"],
        json!({"id": 99, "name": null}),
        "a status of the client's own"
    );
    let m = shown("change_events", json!({"change_event_status_id": "3"}), &refs());
    assert_eq!(
        m["status"],
        json!({"id": 3, "name": "Pending", "mapped_to_status": "pending"})
    );
    let mut body = json!({"status_id": 3}).as_object().cloned().unwrap();
    fill_defaults("submittals", &mut body);
    assert_eq!(body["status"]["name"], "Closed");
}
