//! Conformance: the request log. Appends land in order (ids increase), lists are per app and
//! newest first with their total, each filter narrows, and pruning removes what is too old and
//! each app's oldest beyond its cap, never another app's.

use super::run;
use std::sync::Arc;
use trestle_domain::page::PageRequest;
use trestle_domain::request_log::*;
use trestle_domain::*;
use trestle_store::*;

on_both_backends!(
    appended_requests_list_newest_first_and_filter,
    pruning_keeps_the_newest_within_age_and_cap
);

fn entry(app: i64, at: i64, method: &str, path: &str, status: u16, company: Option<i64>) -> NewRequestEntry {
    NewRequestEntry {
        app: AppId(app),
        at,
        method: method.into(),
        path: path.into(),
        template: path
            .starts_with("/rest/v1.0/projects/")
            .then(|| "/rest/v1.0/projects/{id}".to_string()),
        company: company.map(CompanyId),
        status,
        duration_us: 1234,
        request_id: Some(format!("req-{at}")),
    }
}

fn all() -> PageRequest {
    PageRequest::new(1, 100)
}

async fn paths(s: &Arc<dyn Store>, app: i64, f: RequestFilter) -> (Vec<String>, i64) {
    let page = s.list_requests(AppId(app), &f, all()).await.unwrap();
    (page.items.into_iter().map(|e| e.path).collect(), page.total)
}

async fn appended_requests_list_newest_first_and_filter(s: Arc<dyn Store>) {
    s.append_requests(&[
        entry(1, 100, "GET", "/rest/v1.0/me", 200, None),
        entry(1, 101, "GET", "/rest/v1.0/projects?company_id=7", 200, Some(7)),
        entry(1, 102, "POST", "/rest/v1.0/projects/5", 403, Some(7)),
        entry(2, 103, "GET", "/rest/v1.0/me", 401, None),
    ])
    .await
    .unwrap();
    // A batch larger than one statement carries.
    let many: Vec<_> = (0..(APPEND_BATCH as i64 + 3))
        .map(|i| entry(3, 200 + i, "GET", "/rest/v1.0/me", 200, None))
        .collect();
    s.append_requests(&many).await.unwrap();
    s.append_requests(&[]).await.unwrap();

    let page = s
        .list_requests(AppId(1), &RequestFilter::default(), all())
        .await
        .unwrap();
    assert_eq!(page.total, 3);
    let e = &page.items[0];
    assert_eq!(
        (e.method.as_str(), e.path.as_str(), e.status, e.company, e.at),
        ("POST", "/rest/v1.0/projects/5", 403, Some(CompanyId(7)), 102)
    );
    assert_eq!(e.template.as_deref(), Some("/rest/v1.0/projects/{id}"));
    assert_eq!((e.duration_us, e.request_id.as_deref()), (1234, Some("req-102")));
    assert!(page.items.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    assert_eq!(paths(&s, 2, RequestFilter::default()).await.1, 1, "per app");
    let (_, n) = paths(&s, 3, RequestFilter::default()).await;
    assert_eq!(n, APPEND_BATCH as i64 + 3);
    let second = s
        .list_requests(AppId(1), &RequestFilter::default(), PageRequest::new(2, 2))
        .await
        .unwrap();
    assert_eq!((second.total, second.items.len()), (3, 1));
    assert_eq!(second.items[0].path, "/rest/v1.0/me");

    let f = |f: RequestFilter| paths(&s, 1, f);
    assert_eq!(
        f(RequestFilter {
            method: Some("post".into()),
            ..Default::default()
        })
        .await,
        (vec!["/rest/v1.0/projects/5".to_string()], 1)
    );
    assert_eq!(
        f(RequestFilter {
            path_prefix: Some("/rest/v1.0/pro".into()),
            ..Default::default()
        })
        .await
        .1,
        2
    );
    // A prefix is literal: `%` and `_` match only themselves.
    assert_eq!(
        f(RequestFilter {
            path_prefix: Some("/rest/%".into()),
            ..Default::default()
        })
        .await
        .1,
        0
    );
    assert_eq!(
        f(RequestFilter {
            status: Some(StatusFilter::Class(4)),
            ..Default::default()
        })
        .await,
        (vec!["/rest/v1.0/projects/5".to_string()], 1)
    );
    assert_eq!(
        f(RequestFilter {
            status: Some(StatusFilter::Exact(200)),
            ..Default::default()
        })
        .await
        .1,
        2
    );
    assert_eq!(
        f(RequestFilter {
            company: Some(CompanyId(7)),
            ..Default::default()
        })
        .await
        .1,
        2
    );
    assert_eq!(
        f(RequestFilter {
            since: Some(101),
            until: Some(101),
            ..Default::default()
        })
        .await,
        (vec!["/rest/v1.0/projects?company_id=7".to_string()], 1)
    );
}

async fn pruning_keeps_the_newest_within_age_and_cap(s: Arc<dyn Store>) {
    let mut batch = Vec::new();
    for i in 0..10 {
        batch.push(entry(1, 100 + i, "GET", &format!("/rest/v1.0/me?n={i}"), 200, None));
    }
    for i in 0..3 {
        batch.push(entry(2, 100 + i, "GET", &format!("/rest/v1.0/me?m={i}"), 200, None));
    }
    s.append_requests(&batch).await.unwrap();
    // Older than 101 goes (at <= 101): two of each app; then app 1 keeps its newest 4 (batches
    // of 3 rows per statement).
    let pruned = s.prune_requests(101, 4, 3).await.unwrap();
    assert_eq!(
        pruned,
        PrunedRequests {
            expired: 4,
            over_cap: 4
        }
    );
    let (one, n) = paths(&s, 1, RequestFilter::default()).await;
    assert_eq!(n, 4);
    assert_eq!(
        one,
        (6..10)
            .rev()
            .map(|i| format!("/rest/v1.0/me?n={i}"))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        paths(&s, 2, RequestFilter::default()).await.0,
        vec!["/rest/v1.0/me?m=2".to_string()]
    );
    // Nothing left to prune.
    assert_eq!(s.prune_requests(101, 4, 3).await.unwrap(), PrunedRequests::default());
}
