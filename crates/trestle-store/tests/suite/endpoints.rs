//! Conformance: app lifecycle endpoints (app-scoped, their changes are events), their delivery
//! queue (one per endpoint and event, each endpoint's head only, retries, discards, redelivery),
//! a hook delivery's redelivery, and the expiring-secret announcements (once per secret).

use super::{ctx, run, sandbox, world};
use std::sync::Arc;
use trestle_domain::endpoint::*;
use trestle_domain::entities::Environment;
use trestle_domain::event::{Action, EventContext};
use trestle_domain::webhook::*;
use trestle_domain::*;
use trestle_store::*;

on_both_backends!(
    endpoints_are_app_scoped_events,
    the_endpoint_queue_delivers_in_order_and_redelivers,
    expiring_secrets_are_announced_once
);

const NOW: i64 = 1_800_000_000;

fn new_endpoint(app: AppId, url: &str) -> NewEndpoint {
    NewEndpoint {
        app,
        url: url.into(),
        description: Some("ops".into()),
        created_by: None,
        secret_salt: "salt-1".into(),
    }
}

fn attempt(at: i64, status: i64) -> Attempt {
    Attempt {
        started_at: at,
        completed_at: at,
        duration_ms: 1,
        response_status: Some(status),
        response_headers: Some("{}".into()),
        response_body: Some("ok".into()),
        error: None,
    }
}

async fn actions_since(s: &Arc<dyn Store>, after: EventId) -> Vec<(Action, Option<AppId>)> {
    let events = s.list_outbox(after, 1000).await.unwrap();
    events.into_iter().map(|e| (e.event.action, e.event.app)).collect()
}

async fn endpoints_are_app_scoped_events(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let app = w.app.id;
    let other = s
        .create_app(w.admin_a.id, "Other", &sandbox("Other"), &ctx())
        .await
        .unwrap()
        .id;
    let before = s.list_outbox(EventId(0), 1000).await.unwrap().last().unwrap().id;
    let e = s
        .create_endpoint(&new_endpoint(app, "https://example.com/a"), &ctx())
        .await
        .unwrap();
    assert!(e.active);
    assert_eq!((e.app, e.description.as_deref()), (app, Some("ops")));
    assert!(matches!(
        s.create_endpoint(&new_endpoint(AppId(999_999), "https://x.example/"), &ctx())
            .await,
        Err(StoreError::NotFound)
    ));
    // Another app sees nothing of it and cannot change it.
    assert_eq!(s.find_endpoint(other, e.id).await.unwrap(), None);
    assert!(s.list_endpoints(other).await.unwrap().is_empty());
    let patch = EndpointPatch {
        active: Some(false),
        ..Default::default()
    };
    assert!(matches!(
        s.update_endpoint(other, e.id, &patch, &ctx()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.rotate_endpoint_salt(other, e.id, "x", &ctx()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.delete_endpoint(other, e.id, &ctx()).await,
        Err(StoreError::NotFound)
    ));
    // Its own app changes it.
    let paused = s
        .update_endpoint(
            app,
            e.id,
            &EndpointPatch {
                active: Some(false),
                description: Some(String::new()),
                url: Some("https://example.com/b".into()),
            },
            &ctx(),
        )
        .await
        .unwrap();
    assert_eq!(
        (paused.active, paused.description.clone(), paused.url.as_str()),
        (false, None, "https://example.com/b")
    );
    let rotated = s.rotate_endpoint_salt(app, e.id, "salt-2", &ctx()).await.unwrap();
    assert_eq!(rotated.secret_salt, "salt-2");
    assert_eq!(s.list_endpoints(app).await.unwrap(), vec![rotated.clone()]);
    assert!(
        s.endpoint_subscriptions().await.unwrap().is_empty(),
        "a paused endpoint gets nothing"
    );
    s.delete_endpoint(app, e.id, &ctx()).await.unwrap();
    assert_eq!(s.find_endpoint(app, e.id).await.unwrap(), None);
    let want = [
        Action::AppEndpointCreate,
        Action::AppEndpointUpdate,
        Action::AppEndpointRotateSecret,
        Action::AppEndpointDelete,
    ];
    assert_eq!(actions_since(&s, before).await, want.map(|a| (a, Some(app))).to_vec());
    let text = format!("{:?}", s.list_outbox(before, 1000).await.unwrap());
    assert!(
        !text.contains("salt-1") && !text.contains("salt-2"),
        "no salt in events"
    );
}

async fn the_endpoint_queue_delivers_in_order_and_redelivers(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let app = w.app.id;
    let one = s
        .create_endpoint(&new_endpoint(app, "https://example.com/1"), &ctx())
        .await
        .unwrap();
    let two = s
        .create_endpoint(&new_endpoint(app, "https://example.com/2"), &ctx())
        .await
        .unwrap();
    let subs = s.endpoint_subscriptions().await.unwrap();
    assert_eq!(subs.iter().map(|s| s.endpoint).collect::<Vec<_>>(), [one.id, two.id]);
    assert!(subs[0].after.0 > 0, "an endpoint receives only later events");
    let queue = |endpoint: EndpointId, event: i64| NewEndpointDelivery {
        endpoint,
        app,
        event_id: EventId(event),
        event_type: "install.created".into(),
        payload: format!("{{\"id\":{event}}}"),
    };
    let batch = [queue(one.id, 1), queue(one.id, 2), queue(two.id, 1), queue(one.id, 1)];
    s.enqueue_endpoint_deliveries(&batch, NOW).await.unwrap();
    s.enqueue_endpoint_deliveries(&batch, NOW).await.unwrap();
    // Another app's endpoint id does not take this app's deliveries.
    let wrong = NewEndpointDelivery {
        app: AppId(999_999),
        ..queue(one.id, 3)
    };
    s.enqueue_endpoint_deliveries(&[wrong], NOW).await.unwrap();
    let all = EndpointDeliveryQuery {
        status: None,
        before: None,
        limit: 100,
    };
    let listed = s.list_endpoint_deliveries(app, one.id, &all).await.unwrap();
    assert_eq!(
        listed.iter().map(|d| d.event_id.0).collect::<Vec<_>>(),
        [2, 1],
        "once each, newest first"
    );
    let other = s
        .create_app(w.admin_a.id, "Other", &sandbox("Other"), &ctx())
        .await
        .unwrap()
        .id;
    assert!(s
        .list_endpoint_deliveries(other, one.id, &all)
        .await
        .unwrap()
        .is_empty());
    // Only each endpoint's head, once.
    let claimed = s.claim_endpoint_deliveries(NOW, NOW + 30, 10).await.unwrap();
    let heads: Vec<(EndpointId, i64)> = claimed.iter().map(|c| (c.endpoint.id, c.delivery.event_id.0)).collect();
    assert_eq!(heads, [(one.id, 1), (two.id, 1)]);
    assert!(s.claim_endpoint_deliveries(NOW, NOW + 30, 10).await.unwrap().is_empty());
    let head = claimed[0].delivery.id;
    s.finish_endpoint_attempt(head, &attempt(NOW, 500), AfterAttempt::RetryAt(NOW + 1))
        .await
        .unwrap();
    s.finish_endpoint_attempt(claimed[1].delivery.id, &attempt(NOW, 200), AfterAttempt::Delivered)
        .await
        .unwrap();
    assert!(
        s.claim_endpoint_deliveries(NOW, NOW + 30, 10).await.unwrap().is_empty(),
        "the queue waits"
    );
    let failing = EndpointDeliveryQuery {
        status: Some(DeliveryStatus::Failing),
        ..all
    };
    let f = s.list_endpoint_deliveries(app, one.id, &failing).await.unwrap();
    assert_eq!(
        (f.len(), f[0].attempts, f[0].next_attempt_at, f[0].first_failed_at),
        (1, 1, NOW + 1, Some(NOW))
    );
    let again = s.claim_endpoint_deliveries(NOW + 1, NOW + 31, 10).await.unwrap();
    assert_eq!(again.iter().map(|c| c.delivery.id).collect::<Vec<_>>(), [head]);
    s.finish_endpoint_attempt(head, &attempt(NOW + 1, 204), AfterAttempt::Delivered)
        .await
        .unwrap();
    let next = s.claim_endpoint_deliveries(NOW + 1, NOW + 31, 10).await.unwrap();
    assert_eq!(next[0].delivery.event_id, EventId(2));
    s.finish_endpoint_attempt(next[0].delivery.id, &attempt(NOW + 2, 500), AfterAttempt::DiscardQueue)
        .await
        .unwrap();
    let discarded = EndpointDeliveryQuery {
        status: Some(DeliveryStatus::Discarded),
        ..all
    };
    assert_eq!(
        s.list_endpoint_deliveries(app, one.id, &discarded).await.unwrap().len(),
        1
    );
    // Redelivery: the same row (body, id) queued again, due now, as an event of the app.
    let marker = s.list_outbox(EventId(0), 1000).await.unwrap().last().unwrap().id;
    let at = EventContext { at: NOW + 5, ..ctx() };
    assert!(matches!(
        s.redeliver_endpoint_delivery(other, one.id, head, &at).await,
        Err(StoreError::NotFound)
    ));
    let r = s.redeliver_endpoint_delivery(app, one.id, head, &at).await.unwrap();
    assert_eq!(
        (r.id, r.status, r.attempts, r.next_attempt_at),
        (head, DeliveryStatus::Queued, 0, NOW + 5)
    );
    assert_eq!(r.payload, "{\"id\":1}");
    let due = s.claim_endpoint_deliveries(NOW + 5, NOW + 35, 10).await.unwrap();
    assert_eq!(due.iter().map(|c| c.delivery.id).collect::<Vec<_>>(), [head]);
    // Keyset paging, newest first.
    let page = EndpointDeliveryQuery {
        before: Some(listed[0].id),
        ..all
    };
    assert_eq!(
        s.list_endpoint_deliveries(app, one.id, &page).await.unwrap()[0].id,
        listed[1].id
    );
    // A hook delivery's redelivery is an event of its company.
    let hook = s
        .create_hook(
            &NewHook {
                company: w.company_a.id,
                project: None,
                namespace: "sync".into(),
                api_version: "v2.0".into(),
                destination_url: "https://example.com/hook".into(),
                destination_headers: Default::default(),
                owned_by: None,
                secret_salt: "s".into(),
            },
            &ctx(),
        )
        .await
        .unwrap();
    let to = s.webhook_cursor().await.unwrap();
    let d = NewDelivery {
        hook: hook.id,
        company: w.company_a.id,
        event_id: EventId(1),
        payload: "{}".into(),
    };
    s.enqueue_deliveries(to, &[d], NOW).await.unwrap();
    let c = s.claim_deliveries(NOW, NOW + 30, 10, 1).await.unwrap();
    s.finish_attempt(c[0].delivery.id, &attempt(NOW, 200), AfterAttempt::Delivered)
        .await
        .unwrap();
    let back = s.redeliver(c[0].delivery.id, &at).await.unwrap();
    assert_eq!(
        (back.status, back.attempts, back.next_attempt_at),
        (DeliveryStatus::Queued, 0, NOW + 5)
    );
    assert!(matches!(
        s.redeliver(DeliveryId(999_999), &at).await,
        Err(StoreError::NotFound)
    ));
    let events = s.list_outbox(marker, 1000).await.unwrap();
    let seen: Vec<(Action, Option<CompanyId>, Option<AppId>)> = events
        .iter()
        .map(|e| (e.event.action, e.event.company, e.event.app))
        .collect();
    assert!(
        seen.contains(&(Action::AppEndpointDeliveryRedeliver, None, Some(app))),
        "{seen:?}"
    );
    assert!(
        seen.contains(&(Action::WebhookDeliveryRedeliver, Some(w.company_a.id), None)),
        "{seen:?}"
    );
}

async fn expiring_secrets_are_announced_once(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let client = s.find_client(Environment::Sandbox, w.app.id).await.unwrap().unwrap();
    let old = s.list_secrets(client.pk).await.unwrap()[0].id;
    let at = |t: i64| EventContext { at: t, ..ctx() };
    // A new secret; the old one expires in 10 days.
    s.add_secret(client.pk, "hash-new", Some(NOW + 10 * 86_400), &at(NOW))
        .await
        .unwrap();
    assert_eq!(
        s.announce_expiring_secrets(EXPIRING_WITHIN, 100, &at(NOW))
            .await
            .unwrap(),
        0
    );
    let marker = s.list_outbox(EventId(0), 1000).await.unwrap().last().unwrap().id;
    // Four days on it expires within 7: announced, with its id, expiry and environment, once.
    assert_eq!(
        s.announce_expiring_secrets(EXPIRING_WITHIN, 100, &at(NOW + 4 * 86_400))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        s.announce_expiring_secrets(EXPIRING_WITHIN, 100, &at(NOW + 5 * 86_400))
            .await
            .unwrap(),
        0
    );
    let events = s.list_outbox(marker, 1000).await.unwrap();
    assert_eq!(events.len(), 1);
    let e = &events[0].event;
    assert_eq!(
        (e.action, e.app, e.target_id.clone()),
        (Action::ClientSecretExpiring, Some(w.app.id), old.0.to_string())
    );
    let after = e.after.clone().unwrap();
    assert_eq!(after["expires_at"], NOW + 10 * 86_400);
    assert_eq!(after["environment"], "sandbox");
    // Expired secrets are not announced.
    assert_eq!(
        s.announce_expiring_secrets(EXPIRING_WITHIN, 100, &at(NOW + 11 * 86_400))
            .await
            .unwrap(),
        0
    );
}
