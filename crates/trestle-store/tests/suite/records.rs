//! Conformance: tool records — scoped to one collection, paged by offset or cursor, filtered
//! and sorted, counted, synced, idempotent, and every write with its event.

use super::{ctx, run, world, World};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use trestle_domain::event::{Action, TargetKind};
use trestle_domain::page::PageRequest;
use trestle_domain::record::*;
use trestle_domain::*;
use trestle_store::*;

on_both_backends!(
    records_are_scoped_to_their_collection,
    records_page_the_same_by_offset_and_by_cursor,
    record_filters_and_sorts,
    deleted_records_and_counters,
    origin_ids_and_sync,
    idempotent_writes_are_remembered_once,
    record_writes_reach_the_outbox_with_their_collection,
    a_failed_record_write_writes_nothing,
    live_records_keep_their_project,
    status_totals_are_kept_per_value,
);

fn at(t: i64) -> EventContext {
    EventContext { at: t, ..ctx() }
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().expect("an object").clone()
}

fn scope(company: CompanyId, project: Option<ProjectId>, resource: &str, parent: &str) -> RecordScope {
    RecordScope {
        company,
        project,
        resource: resource.into(),
        parent: parent.into(),
    }
}

fn rfis(w: &World) -> RecordScope {
    scope(w.company_a.id, Some(w.a1.id), "rfis", "")
}

fn new(body: Value) -> NewRecord {
    NewRecord {
        body: obj(body),
        origin_id: None,
        created_by: None,
    }
}

fn query(filter: RecordFilter) -> RecordQuery {
    RecordQuery {
        filter,
        sort: vec![],
        page: PageRequest::new(1, 100),
        after: None,
    }
}

fn sorted(key: SortKey, descending: bool) -> RecordQuery {
    RecordQuery {
        sort: vec![Sort { key, descending }],
        ..query(RecordFilter::default())
    }
}

async fn create(s: &Arc<dyn Store>, scope: &RecordScope, body: Value) -> Record {
    s.create_record(scope, &new(body), None, &ctx()).await.unwrap()
}

async fn ids(s: &Arc<dyn Store>, scope: &RecordScope, q: &RecordQuery) -> Vec<RecordId> {
    s.list_records(scope, q)
        .await
        .unwrap()
        .items
        .iter()
        .map(|r| r.id)
        .collect()
}

async fn outbox_len(s: &Arc<dyn Store>) -> usize {
    s.list_outbox(EventId(0), 1000).await.unwrap().len()
}

async fn records_are_scoped_to_their_collection(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let home = rfis(&w);
    let r = create(&s, &home, json!({"subject": "Roof"})).await;
    assert_eq!(
        (r.scope.clone(), r.number, r.created_at, r.updated_at),
        (home.clone(), 1, ctx().at, ctx().at)
    );
    assert_eq!(r.body, obj(json!({"subject": "Roof"})));
    assert_eq!(s.find_record(&home, r.id, false).await.unwrap(), Some(r.clone()));
    let elsewhere = [
        scope(w.company_b.id, Some(w.a1.id), "rfis", ""),
        scope(w.company_a.id, Some(w.a2.id), "rfis", ""),
        scope(w.company_a.id, None, "rfis", ""),
        scope(w.company_a.id, Some(w.a1.id), "submittals", ""),
        scope(w.company_a.id, Some(w.a1.id), "rfis", "7"),
    ];
    for other in &elsewhere {
        assert_eq!(s.find_record(other, r.id, true).await.unwrap(), None, "{other:?}");
        let page = s.list_records(other, &query(RecordFilter::default())).await.unwrap();
        assert_eq!((page.items.len(), page.total), (0, 0), "{other:?}");
        let ids = RecordFilter {
            ids: Some(vec![r.id]),
            ..Default::default()
        };
        assert!(s.list_records(other, &query(ids)).await.unwrap().items.is_empty());
        let patch = obj(json!({"subject": "stolen"}));
        assert!(matches!(
            s.update_record(other, r.id, &patch, None, None, &ctx()).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.delete_record(other, r.id, &ctx()).await,
            Err(StoreError::NotFound)
        ));
        let item = SyncItem {
            id: Some(r.id),
            origin_id: None,
            body: patch.clone(),
        };
        if other.company == w.company_a.id {
            assert_eq!(
                s.sync_records(other, &[item], &ctx()).await.unwrap(),
                vec![SyncOutcome::NotFound]
            );
        }
    }
    assert_eq!(
        s.find_record(&home, r.id, false).await.unwrap(),
        Some(r.clone()),
        "unchanged"
    );
    // A project of another company is no place for a record; a company-level collection is.
    let foreign = scope(w.company_a.id, Some(w.b1.id), "rfis", "");
    assert!(matches!(
        s.create_record(&foreign, &new(json!({})), None, &ctx()).await,
        Err(StoreError::NotFound)
    ));
    let vendors = scope(w.company_a.id, None, "vendors", "");
    let v = create(&s, &vendors, json!({"name": "Acme Roofing"})).await;
    assert_eq!(v.number, 1, "numbers count per collection");
    assert_eq!(ids(&s, &vendors, &query(RecordFilter::default())).await, vec![v.id]);
    let replies = scope(w.company_a.id, Some(w.a1.id), "rfis/{}/replies", &r.id.to_string());
    let reply = create(&s, &replies, json!({"body": "yes"})).await;
    assert_eq!(ids(&s, &replies, &query(RecordFilter::default())).await, vec![reply.id]);
    assert_eq!(ids(&s, &home, &query(RecordFilter::default())).await, vec![r.id]);
}

async fn records_page_the_same_by_offset_and_by_cursor(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let home = rfis(&w);
    let mut made = Vec::new();
    for n in 0..25 {
        made.push(create(&s, &home, json!({"n": n})).await);
    }
    assert_eq!(
        made.iter().map(|r| r.number).collect::<Vec<_>>(),
        (1..=25).collect::<Vec<_>>()
    );
    let all: Vec<RecordId> = made.iter().map(|r| r.id).collect();
    let mut by_offset = Vec::new();
    let mut by_cursor = Vec::new();
    let mut after = None;
    for page in 1..=3 {
        let q = RecordQuery {
            page: PageRequest::new(page, 10),
            ..query(RecordFilter::default())
        };
        let p = s.list_records(&home, &q).await.unwrap();
        assert_eq!(p.total, 25);
        by_offset.extend(p.items.iter().map(|r| r.id));
        let c = s
            .list_records(
                &home,
                &RecordQuery {
                    after,
                    page: PageRequest::new(1, 10),
                    ..query(RecordFilter::default())
                },
            )
            .await
            .unwrap();
        assert_eq!(c.total, 25);
        assert_eq!(c.items, p.items, "page {page}");
        after = c.items.last().map(|r| r.id);
        by_cursor.extend(c.items.iter().map(|r| r.id));
    }
    assert_eq!(by_offset, all);
    assert_eq!(by_cursor, all);
    // Descending by id, with a cursor too.
    let mut q = sorted(SortKey::Id, true);
    q.page = q.page.with_per_page(5);
    q.after = Some(all[20]);
    assert_eq!(
        ids(&s, &home, &q).await,
        all[15..20].iter().rev().copied().collect::<Vec<_>>()
    );
    // A cursor is only for the id order.
    let mut q = sorted(SortKey::CreatedAt, false);
    q.after = Some(all[3]);
    assert!(matches!(s.list_records(&home, &q).await, Err(StoreError::Conflict(_))));
}

async fn record_filters_and_sorts(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let home = rfis(&w);
    let mut made = Vec::new();
    for (t, body) in [
        (
            100,
            json!({"status": "open", "priority": 3, "subject": "Roof LEAK", "due": "2026-01-03"}),
        ),
        (
            200,
            json!({"status": "closed", "priority": "3", "subject": "Door", "due": "2026-01-01"}),
        ),
        (
            300,
            json!({"status": "draft", "priority": 1, "subject": "Window", "q": {"note": "leaky seal"}}),
        ),
        (
            400,
            json!({"status": "open", "priority": null, "subject": "50% done", "flag": true}),
        ),
    ] {
        made.push(s.create_record(&home, &new(body), None, &at(t)).await.unwrap());
    }
    let [a, b, c, d] = [made[0].id, made[1].id, made[2].id, made[3].id];
    // A later update moves updated_at only.
    s.update_record(&home, b, &obj(json!({"subject": "Door frame"})), None, None, &at(500))
        .await
        .unwrap();
    let f = |filter: RecordFilter| query(filter);
    let field = |name: &str, any_of: Vec<Value>| RecordFilter {
        fields: vec![FieldFilter {
            field: name.into(),
            any_of,
        }],
        ..Default::default()
    };
    let cases: Vec<(&str, RecordFilter, Vec<RecordId>)> = vec![
        (
            "ids",
            RecordFilter {
                ids: Some(vec![d, b, RecordId(999_999)]),
                ..Default::default()
            },
            vec![b, d],
        ),
        (
            "no ids",
            RecordFilter {
                ids: Some(vec![]),
                ..Default::default()
            },
            vec![],
        ),
        (
            "created",
            RecordFilter {
                created: Some(TimeRange { from: 200, to: 300 }),
                ..Default::default()
            },
            vec![b, c],
        ),
        (
            "updated",
            RecordFilter {
                updated: Some(TimeRange { from: 400, to: 500 }),
                ..Default::default()
            },
            vec![b, d],
        ),
        ("one value", field("status", vec![json!("open")]), vec![a, d]),
        (
            "any of",
            field("status", vec![json!("open"), json!("draft")]),
            vec![a, c, d],
        ),
        // A number matches the number and its string form.
        ("number", field("priority", vec![json!(3)]), vec![a, b]),
        ("string of a number", field("priority", vec![json!("3")]), vec![a, b]),
        ("null: absent or null", field("flag", vec![json!(null)]), vec![a, b, c]),
        ("null priority", field("priority", vec![json!(null)]), vec![d]),
        ("boolean", field("flag", vec![json!(true)]), vec![d]),
        (
            "object values match nothing",
            field("q", vec![json!({"note": "leaky seal"})]),
            vec![],
        ),
        ("no match", field("status", vec![json!("void")]), vec![]),
        (
            "two fields",
            RecordFilter {
                fields: vec![
                    FieldFilter {
                        field: "status".into(),
                        any_of: vec![json!("open")],
                    },
                    FieldFilter {
                        field: "priority".into(),
                        any_of: vec![json!(3)],
                    },
                ],
                ..Default::default()
            },
            vec![a],
        ),
        // Search: case-insensitive, in nested values, never in keys, wildcards literal.
        (
            "search",
            RecordFilter {
                search: Some("leak".into()),
                ..Default::default()
            },
            vec![a, c],
        ),
        (
            "search keys",
            RecordFilter {
                search: Some("subject".into()),
                ..Default::default()
            },
            vec![],
        ),
        (
            "search %",
            RecordFilter {
                search: Some("50%".into()),
                ..Default::default()
            },
            vec![d],
        ),
        (
            "search _",
            RecordFilter {
                search: Some("_".into()),
                ..Default::default()
            },
            vec![],
        ),
    ];
    for (name, filter, want) in cases {
        let page = s.list_records(&home, &f(filter)).await.unwrap();
        assert_eq!(page.items.iter().map(|r| r.id).collect::<Vec<_>>(), want, "{name}");
        assert_eq!(page.total, want.len() as i64, "{name}: total");
    }
    // A field name is letters, digits and _ only.
    let bad = field("x') OR 1=1 --", vec![json!(1)]);
    assert!(matches!(
        s.list_records(&home, &f(bad)).await,
        Err(StoreError::Conflict(_))
    ));

    // Sorts, both ways, ties by id (the way the first key goes).
    let sorts: Vec<(SortKey, bool, Vec<RecordId>)> = vec![
        (SortKey::Id, false, vec![a, b, c, d]),
        (SortKey::Id, true, vec![d, c, b, a]),
        (SortKey::CreatedAt, true, vec![d, c, b, a]),
        (SortKey::UpdatedAt, false, vec![a, c, d, b]),
        (SortKey::UpdatedAt, true, vec![b, d, c, a]),
        (SortKey::Field("subject".into()), false, vec![d, b, a, c]),
        (SortKey::Field("subject".into()), true, vec![c, a, b, d]),
        // Absent fields first ascending, last descending.
        (SortKey::Field("due".into()), false, vec![c, d, b, a]),
        (SortKey::Field("due".into()), true, vec![a, b, d, c]),
    ];
    for (key, descending, want) in sorts {
        assert_eq!(
            ids(&s, &home, &sorted(key.clone(), descending)).await,
            want,
            "{key:?} desc={descending}"
        );
    }
    let two = RecordQuery {
        sort: vec![
            Sort {
                key: SortKey::Field("status".into()),
                descending: false,
            },
            Sort {
                key: SortKey::CreatedAt,
                descending: true,
            },
        ],
        ..query(RecordFilter::default())
    };
    assert_eq!(ids(&s, &home, &two).await, vec![b, c, d, a]);
    // Paging a filtered, sorted list.
    let mut q = sorted(SortKey::CreatedAt, true);
    q.page = PageRequest::new(2, 3);
    let page = s.list_records(&home, &q).await.unwrap();
    assert_eq!(
        (page.items.iter().map(|r| r.id).collect::<Vec<_>>(), page.total),
        (vec![a], 4)
    );
}

async fn deleted_records_and_counters(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let home = rfis(&w);
    let a = create(&s, &home, json!({"n": 1})).await;
    let b = create(&s, &home, json!({"n": 2})).await;
    let gone = s.delete_record(&home, a.id, &at(ctx().at + 10)).await.unwrap();
    assert_eq!(gone, a, "the record as it was");
    assert!(matches!(
        s.delete_record(&home, a.id, &ctx()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.update_record(&home, a.id, &obj(json!({"n": 3})), None, None, &ctx())
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.find_record(&home, a.id, false).await.unwrap(), None);
    let deleted = s.find_record(&home, a.id, true).await.unwrap().expect("kept");
    assert_eq!(deleted.deleted_at, Some(ctx().at + 10));
    let mode = |deleted| RecordFilter {
        deleted,
        ..Default::default()
    };
    for (m, want) in [
        (Deleted::Exclude, vec![b.id]),
        (Deleted::Only, vec![a.id]),
        (Deleted::With, vec![a.id, b.id]),
    ] {
        let page = s.list_records(&home, &query(mode(m))).await.unwrap();
        assert_eq!(page.items.iter().map(|r| r.id).collect::<Vec<_>>(), want, "{m:?}");
        assert_eq!(page.total, want.len() as i64, "{m:?}");
    }
    // Numbers are never reused.
    let c = create(&s, &home, json!({"n": 3})).await;
    assert_eq!(c.number, 3);
    assert_eq!(
        s.list_records(&home, &query(RecordFilter::default()))
            .await
            .unwrap()
            .total,
        2
    );
    // The counters agree with a count of the rows.
    let live = RecordFilter {
        created: Some(TimeRange { from: 0, to: i64::MAX }),
        ..Default::default()
    };
    assert_eq!(s.list_records(&home, &query(live)).await.unwrap().total, 2);
}

async fn origin_ids_and_sync(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let home = rfis(&w);
    let other_project = scope(w.company_a.id, Some(w.a2.id), "rfis", "");
    let with_origin = |origin: &str, body: Value| NewRecord {
        origin_id: Some(origin.into()),
        ..new(body)
    };
    let x = s
        .create_record(&home, &with_origin("x-1", json!({"n": 1})), None, &ctx())
        .await
        .unwrap();
    // Unique in the company's collection, whatever the project.
    for sc in [&home, &other_project] {
        assert!(matches!(
            s.create_record(sc, &with_origin("x-1", json!({})), None, &ctx()).await,
            Err(StoreError::Conflict(_))
        ));
    }
    // ... but free in another company or collection.
    let in_b = scope(w.company_b.id, Some(w.b1.id), "rfis", "");
    s.create_record(&in_b, &with_origin("x-1", json!({})), None, &ctx())
        .await
        .unwrap();
    let subs = scope(w.company_a.id, Some(w.a1.id), "submittals", "");
    s.create_record(&subs, &with_origin("x-1", json!({})), None, &ctx())
        .await
        .unwrap();
    let y = s
        .create_record(&other_project, &with_origin("y-1", json!({})), None, &ctx())
        .await
        .unwrap();
    assert!(matches!(
        s.update_record(&home, x.id, &Map::new(), Some("y-1"), None, &ctx())
            .await,
        Err(StoreError::Conflict(_))
    ));
    let moved = s
        .update_record(&home, x.id, &obj(json!({"m": 1})), Some("x-2"), None, &at(ctx().at + 5))
        .await
        .unwrap();
    assert_eq!(
        (moved.origin_id.as_deref(), moved.updated_at),
        (Some("x-2"), ctx().at + 5)
    );
    assert_eq!(moved.body, obj(json!({"n": 1, "m": 1})));
    // An update at an earlier clock keeps updated_at where it was.
    let kept = s
        .update_record(&home, x.id, &obj(json!({"n": 2})), None, None, &at(1))
        .await
        .unwrap();
    assert_eq!(kept.updated_at, ctx().at + 5);

    let item = |id: Option<RecordId>, origin: Option<&str>, body: Value| SyncItem {
        id,
        origin_id: origin.map(Into::into),
        body: obj(body),
    };
    let items = [
        item(Some(x.id), None, json!({"n": 10})),       // by id
        item(None, Some("x-2"), json!({"o": true})),    // by origin id
        item(None, Some("new-1"), json!({"n": 20})),    // a new origin id
        item(None, None, json!({"n": 30})),             // no id at all
        item(Some(RecordId(999_999)), None, json!({})), // unknown id
        item(None, Some("y-1"), json!({})),             // another project's record
        item(Some(x.id), Some("y-1"), json!({})),       // moving onto a taken origin id
        item(None, Some("new-1"), json!({"n": 21})),    // the same new one again
    ];
    let out = s.sync_records(&home, &items, &at(ctx().at + 20)).await.unwrap();
    assert_eq!(out.len(), items.len());
    let SyncOutcome::Updated(first) = &out[0] else {
        panic!("{:?}", out[0])
    };
    assert_eq!((first.id, first.body.get("n")), (x.id, Some(&json!(10))));
    let SyncOutcome::Updated(second) = &out[1] else {
        panic!("{:?}", out[1])
    };
    assert_eq!(
        (second.id, second.body.get("o"), second.body.get("n")),
        (x.id, Some(&json!(true)), Some(&json!(10)))
    );
    let SyncOutcome::Created(created) = &out[2] else {
        panic!("{:?}", out[2])
    };
    assert_eq!(
        (created.origin_id.as_deref(), created.number, created.created_at),
        (Some("new-1"), 2, ctx().at + 20)
    );
    let SyncOutcome::Created(plain) = &out[3] else {
        panic!("{:?}", out[3])
    };
    assert_eq!((plain.origin_id.as_deref(), plain.number), (None, 3));
    assert_eq!(out[4], SyncOutcome::NotFound);
    assert_eq!(out[5], SyncOutcome::OriginTaken);
    assert_eq!(out[6], SyncOutcome::OriginTaken);
    let SyncOutcome::Updated(again) = &out[7] else {
        panic!("{:?}", out[7])
    };
    assert_eq!((again.id, again.body.get("n")), (created.id, Some(&json!(21))));
    assert_eq!(
        s.find_record(&other_project, y.id, false).await.unwrap(),
        Some(y.clone()),
        "untouched"
    );
    assert_eq!(
        s.list_records(&home, &query(RecordFilter::default()))
            .await
            .unwrap()
            .total,
        3
    );

    // A deleted record's origin id stays taken.
    s.delete_record(&home, plain.id, &ctx()).await.unwrap();
    let gone = SyncItem {
        id: Some(plain.id),
        ..item(None, None, json!({}))
    };
    assert_eq!(
        s.sync_records(&home, &[gone], &ctx()).await.unwrap(),
        vec![SyncOutcome::NotFound]
    );
    // At most 1,000 items; more is refused before anything is written.
    let before = outbox_len(&s).await;
    let many: Vec<SyncItem> = (0..1001).map(|_| item(None, None, json!({}))).collect();
    assert!(matches!(
        s.sync_records(&home, &many, &ctx()).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.sync_records(&home, &[], &ctx()).await.unwrap(), vec![]);
    assert_eq!(outbox_len(&s).await, before);
    assert_eq!(
        s.list_records(&home, &query(RecordFilter::default()))
            .await
            .unwrap()
            .total,
        2
    );
}

async fn idempotent_writes_are_remembered_once(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let home = rfis(&w);
    let key = IdempotencyKey {
        company: w.company_a.id,
        principal: "app:1".into(),
        method: "POST".into(),
        path: "/rest/v1.0/projects/1/rfis".into(),
        token: "tok-1".into(),
    };
    let answer = |r: &Record| RememberedResponse {
        status: 201,
        body: format!("{{\"id\":{}}}", r.id),
    };
    assert_eq!(s.remembered(&key).await.unwrap(), None);
    let r = s
        .create_record(&home, &new(json!({"a": 1})), Some((&key, &answer)), &ctx())
        .await
        .unwrap();
    let first = RememberedResponse {
        status: 201,
        body: format!("{{\"id\":{}}}", r.id),
    };
    assert_eq!(s.remembered(&key).await.unwrap(), Some(first.clone()));
    let events = outbox_len(&s).await;
    let replay = s
        .create_record(&home, &new(json!({"a": 2})), Some((&key, &answer)), &ctx())
        .await;
    assert!(
        matches!(&replay, Err(StoreError::Conflict(m)) if m == "idempotency"),
        "{replay:?}"
    );
    let replay = s
        .update_record(&home, r.id, &obj(json!({"a": 3})), None, Some((&key, &answer)), &ctx())
        .await;
    assert!(
        matches!(&replay, Err(StoreError::Conflict(m)) if m == "idempotency"),
        "{replay:?}"
    );
    assert_eq!(outbox_len(&s).await, events, "a replay writes nothing");
    assert_eq!(ids(&s, &home, &query(RecordFilter::default())).await, vec![r.id]);
    assert_eq!(
        s.find_record(&home, r.id, false).await.unwrap().unwrap().body,
        obj(json!({"a": 1}))
    );
    // Another caller, method, path, token or company is another key.
    let others = [
        IdempotencyKey {
            principal: "app:2".into(),
            ..key.clone()
        },
        IdempotencyKey {
            method: "PATCH".into(),
            ..key.clone()
        },
        IdempotencyKey {
            path: "/x".into(),
            ..key.clone()
        },
        IdempotencyKey {
            token: "tok-2".into(),
            ..key.clone()
        },
        IdempotencyKey {
            company: w.company_b.id,
            ..key.clone()
        },
    ];
    for other in &others {
        assert_eq!(s.remembered(other).await.unwrap(), None, "{other:?}");
    }
    let patched = s
        .update_record(
            &home,
            r.id,
            &obj(json!({"a": 4})),
            None,
            Some((&others[1], &answer)),
            &ctx(),
        )
        .await
        .unwrap();
    assert_eq!(patched.body, obj(json!({"a": 4})));
    assert_eq!(s.remembered(&others[1]).await.unwrap().map(|a| a.status), Some(201));
    // A refused write remembers nothing.
    let taken = NewRecord {
        origin_id: Some("o".into()),
        ..new(json!({}))
    };
    s.create_record(&home, &taken, None, &ctx()).await.unwrap();
    assert!(s
        .create_record(&home, &taken, Some((&others[3], &answer)), &ctx())
        .await
        .is_err());
    assert_eq!(s.remembered(&others[3]).await.unwrap(), None);
    // The janitor forgets answers older than its cutoff.
    let cutoffs = |remembered| PurgeCutoffs {
        expired: 0,
        refresh_granted: 0,
        granted: 0,
        remembered,
    };
    assert_eq!(
        s.purge_expired(&cutoffs(ctx().at - 1), 100).await.unwrap().remembered,
        0
    );
    assert_eq!(s.purge_expired(&cutoffs(ctx().at), 1).await.unwrap().remembered, 1);
    assert_eq!(s.purge_expired(&cutoffs(ctx().at), 100).await.unwrap().remembered, 1);
    assert_eq!(s.remembered(&key).await.unwrap(), None);
}

async fn record_writes_reach_the_outbox_with_their_collection(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let home = rfis(&w);
    let last = s
        .list_outbox(EventId(0), 1000)
        .await
        .unwrap()
        .last()
        .map_or(EventId(0), |e| e.id);
    let who = EventContext {
        actor_user: Some(w.admin_a.id),
        actor_app: None,
        ..ctx()
    };
    let made = NewRecord {
        created_by: Some(w.admin_a.id),
        origin_id: Some("o-1".into()),
        ..new(json!({"subject": "Roof", "id": "spoof"}))
    };
    let r = s.create_record(&home, &made, None, &who).await.unwrap();
    assert_eq!(r.created_by, Some(w.admin_a.id));
    let u = s
        .update_record(&home, r.id, &obj(json!({"subject": "Roof 2"})), None, None, &who)
        .await
        .unwrap();
    s.delete_record(&home, r.id, &who).await.unwrap();
    let vendors = scope(w.company_a.id, None, "vendors", "");
    let v = s
        .sync_records(
            &vendors,
            &[SyncItem {
                id: None,
                origin_id: None,
                body: obj(json!({"name": "V"})),
            }],
            &who,
        )
        .await
        .unwrap();
    let SyncOutcome::Created(v) = &v[0] else {
        panic!("{v:?}")
    };

    let events = s.list_outbox(last, 1000).await.unwrap();
    let actions: Vec<Action> = events.iter().map(|e| e.event.action).collect();
    assert_eq!(
        actions,
        [
            Action::RecordCreate,
            Action::RecordUpdate,
            Action::RecordDelete,
            Action::RecordCreate
        ]
    );
    for e in &events {
        assert_eq!(e.event.target, TargetKind::Record);
        assert_eq!(e.event.company, Some(w.company_a.id));
        assert_eq!(e.context.actor_user, Some(w.admin_a.id));
    }
    let [create, update, delete, sync] = &events[..] else {
        unreachable!()
    };
    for e in [create, update, delete] {
        assert_eq!(
            (e.event.target_id.clone(), e.event.project, e.event.resource.as_deref()),
            (r.id.to_string(), Some(w.a1.id), Some("rfis"))
        );
    }
    assert_eq!(
        (
            sync.event.target_id.clone(),
            sync.event.project,
            sync.event.resource.as_deref()
        ),
        (v.id.to_string(), None, Some("vendors"))
    );
    // before / after: the body with the server fields over it.
    let after = create.event.after.as_ref().unwrap();
    assert_eq!(after["id"], json!(r.id.0), "the server's id wins over the body's");
    assert_eq!(
        (
            after["subject"].clone(),
            after["number"].clone(),
            after["origin_id"].clone()
        ),
        (json!("Roof"), json!(1), json!("o-1"))
    );
    assert_eq!(after["created_by"], json!(w.admin_a.id.0));
    assert!(create.event.before.is_none());
    assert_eq!(update.event.before.as_ref().unwrap()["subject"], json!("Roof"));
    assert_eq!(update.event.after.as_ref().unwrap()["subject"], json!("Roof 2"));
    assert_eq!(update.event.after.as_ref().unwrap()["updated_at"], json!(u.updated_at));
    assert_eq!(delete.event.before.as_ref().unwrap()["subject"], json!("Roof 2"));
    // The audit log carries the collection too.
    let audit = s
        .list_audit(AuditFilter::default(), PageRequest::new(1, 100))
        .await
        .unwrap();
    let mine: Vec<_> = audit.items.iter().filter(|a| a.id > last).collect();
    assert_eq!(mine.len(), 4);
    assert!(mine.iter().all(|a| a.target_type == "record" && a.resource.is_some()));
    assert_eq!(mine[0].action, "record.create");
    // Other events have no collection.
    assert!(audit
        .items
        .iter()
        .filter(|a| a.id <= last)
        .all(|a| a.resource.is_none()));
}

async fn a_failed_record_write_writes_nothing(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let home = rfis(&w);
    let taken = NewRecord {
        origin_id: Some("o".into()),
        ..new(json!({"n": 1}))
    };
    let r = s.create_record(&home, &taken, None, &ctx()).await.unwrap();
    let events = outbox_len(&s).await;
    // Refused inside the transaction: no record, no number, no event.
    assert!(matches!(
        s.create_record(&home, &taken, None, &ctx()).await,
        Err(StoreError::Conflict(_))
    ));
    let mixed = [
        SyncItem {
            id: None,
            origin_id: None,
            body: obj(json!({"n": 2})),
        },
        SyncItem {
            id: None,
            origin_id: Some("fresh".into()),
            body: obj(json!({})),
        },
    ];
    let too_many: Vec<SyncItem> = mixed.iter().cycle().take(1001).cloned().collect();
    assert!(s.sync_records(&home, &too_many, &ctx()).await.is_err());
    let foreign = scope(w.company_a.id, Some(w.b1.id), "rfis", "");
    assert!(s.sync_records(&foreign, &mixed, &ctx()).await.is_err());
    // A NUL character cannot be stored (PostgreSQL's JSONB refuses it): refused on both
    // backends, in a create, an update, and a sync after a first item was written.
    let nul = json!({"n": "a\u{0}b"});
    assert!(matches!(
        s.create_record(&home, &new(nul.clone()), None, &ctx()).await,
        Err(StoreError::Conflict(_))
    ));
    let patch = obj(json!({"deep": {"k\u{0}": 1}}));
    assert!(matches!(
        s.update_record(&home, r.id, &patch, None, None, &ctx()).await,
        Err(StoreError::Conflict(_))
    ));
    let half = [
        mixed[0].clone(),
        SyncItem {
            id: Some(r.id),
            origin_id: None,
            body: obj(nul),
        },
    ];
    assert!(matches!(
        s.sync_records(&home, &half, &ctx()).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.find_record(&home, r.id, false).await.unwrap(), Some(r.clone()));
    assert_eq!(outbox_len(&s).await, events);
    let page = s
        .list_records(
            &home,
            &query(RecordFilter {
                deleted: Deleted::With,
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    assert_eq!((page.items.len(), page.total), (1, 1));
    assert_eq!(
        s.list_records(&home, &query(RecordFilter::default()))
            .await
            .unwrap()
            .total,
        1
    );
    let next = create(&s, &home, json!({})).await;
    assert_eq!(next.number, r.number + 1, "no number was spent by the failed writes");
}

async fn live_records_keep_their_project(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let project = NewProject {
        name: "A3".into(),
        ..Default::default()
    };
    let a3 = s.create_project(w.company_a.id, &project, &ctx()).await.unwrap();
    let home = scope(w.company_a.id, Some(a3.id), "rfis", "");
    let live = create(&s, &home, json!({})).await;
    let gone = create(&s, &home, json!({})).await;
    s.delete_record(&home, gone.id, &ctx()).await.unwrap();
    match s.delete_project(w.company_a.id, a3.id, &ctx()).await {
        Err(StoreError::Conflict(m)) => assert!(m.contains("1 tool record(s)"), "{m}"),
        other => panic!("{other:?}"),
    }
    s.delete_record(&home, live.id, &ctx()).await.unwrap();
    // Deleted records go with the project.
    s.delete_project(w.company_a.id, a3.id, &ctx()).await.unwrap();
    assert!(s.find_project(w.company_a.id, a3.id).await.unwrap().is_none());
    assert_eq!(s.find_record(&home, gone.id, true).await.unwrap(), None);
}

/// A list filtered on `status` alone reads its total from the per-status counts; after every
/// kind of write they agree with a count of the rows (the same filter with a range that makes
/// the store count), for strings, numbers, booleans, absent and object statuses, in a project
/// and a company-level collection.
async fn status_totals_are_kept_per_value(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let home = rfis(&w);
    let vendors = scope(w.company_a.id, None, "vendors", "");
    let status = |values: Vec<Value>| RecordFilter {
        fields: vec![FieldFilter {
            field: "status".into(),
            any_of: values,
        }],
        ..Default::default()
    };
    let counted = |values: Vec<Value>| RecordFilter {
        created: Some(TimeRange { from: 0, to: i64::MAX }),
        ..status(values)
    };
    let check = |label: &'static str| {
        let s = s.clone();
        let (home, vendors) = (home.clone(), vendors.clone());
        async move {
            for sc in [&home, &vendors] {
                for values in [
                    vec![json!("open")],
                    vec![json!("closed")],
                    vec![json!("open"), json!("closed"), json!("open")],
                    vec![json!(3)],
                    vec![json!("3")],
                    vec![json!(true)],
                    vec![json!("nope")],
                ] {
                    let fast = s.list_records(sc, &query(status(values.clone()))).await.unwrap();
                    let slow = s.list_records(sc, &query(counted(values.clone()))).await.unwrap();
                    assert_eq!(fast.total, slow.total, "{label}: {values:?} in {}", sc.resource);
                    assert_eq!(fast.total, slow.items.len() as i64, "{label}: {values:?}");
                    assert_eq!(fast.items, slow.items, "{label}: {values:?}");
                }
            }
        }
    };
    let a = create(&s, &home, json!({"status": "open"})).await;
    let b = create(&s, &home, json!({"status": "open"})).await;
    let c = create(&s, &home, json!({"status": "closed"})).await;
    create(&s, &home, json!({"status": 3})).await;
    create(&s, &home, json!({"status": true})).await;
    create(&s, &home, json!({"status": {"id": 1, "name": "Draft"}})).await;
    create(&s, &home, json!({"subject": "no status"})).await;
    create(&s, &vendors, json!({"status": "open"})).await;
    check("after creates").await;
    let open = s
        .list_records(&home, &query(status(vec![json!("open")])))
        .await
        .unwrap();
    assert_eq!(open.total, 2);
    // A status changed, cleared, set; a record deleted.
    s.update_record(&home, a.id, &obj(json!({"status": "closed"})), None, None, &ctx())
        .await
        .unwrap();
    s.update_record(&home, b.id, &obj(json!({"status": null})), None, None, &ctx())
        .await
        .unwrap();
    s.update_record(
        &home,
        c.id,
        &obj(json!({"subject": "still closed"})),
        None,
        None,
        &ctx(),
    )
    .await
    .unwrap();
    check("after updates").await;
    s.delete_record(&home, a.id, &ctx()).await.unwrap();
    check("after a delete").await;
    // A sync that creates and updates.
    let items = vec![
        SyncItem {
            id: Some(c.id),
            origin_id: None,
            body: obj(json!({"status": "open"})),
        },
        SyncItem {
            id: None,
            origin_id: Some("x-1".into()),
            body: obj(json!({"status": "open"})),
        },
    ];
    s.sync_records(&home, &items, &ctx()).await.unwrap();
    check("after a sync").await;
    let open = s
        .list_records(&home, &query(status(vec![json!("open")])))
        .await
        .unwrap();
    assert_eq!(open.total, 2, "c reopened and one new");
}
