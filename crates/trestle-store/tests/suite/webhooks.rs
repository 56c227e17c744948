//! Conformance: webhook hooks and triggers (tenant-scoped, their changes are events) and the
//! delivery queue (cursor compare-and-set, claims of each hook's head only, retries, discards).

use super::{ctx, run, world};
use std::collections::BTreeMap;
use std::sync::Arc;
use trestle_domain::event::Action;
use trestle_domain::webhook::*;
use trestle_domain::*;
use trestle_store::*;

on_both_backends!(
    hooks_and_triggers_are_scoped_events,
    the_queue_delivers_each_hook_in_order,
    a_claim_takes_the_queue_behind_the_head
);

fn new_hook(company: CompanyId, project: Option<ProjectId>) -> NewHook {
    NewHook {
        company,
        project,
        namespace: "sync".into(),
        api_version: "v2.0".into(),
        destination_url: "https://example.com/hook".into(),
        destination_headers: BTreeMap::from([("Authorization".to_string(), "Bearer secret-value".to_string())]),
        owned_by: None,
        secret_salt: "salt-1".into(),
    }
}

async fn hooks_and_triggers_are_scoped_events(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let (a, b) = (w.company_a.id, w.company_b.id);
    let before = s.list_outbox(EventId(0), 1000).await.unwrap().last().unwrap().id;
    let company_hook = s.create_hook(&new_hook(a, None), &ctx()).await.unwrap();
    let project_hook = s.create_hook(&new_hook(a, Some(w.a1.id)), &ctx()).await.unwrap();
    assert_eq!(company_hook.destination_headers["Authorization"], "Bearer secret-value");
    assert!(company_hook.active);
    // A project of another company is not found.
    assert!(matches!(
        s.create_hook(&new_hook(a, Some(w.b1.id)), &ctx()).await,
        Err(StoreError::NotFound)
    ));
    // Lists show exactly one scope; another company sees nothing.
    let ids = |v: Vec<Hook>| v.into_iter().map(|h| h.id).collect::<Vec<_>>();
    assert_eq!(ids(s.list_hooks(a, None, None, None).await.unwrap()), [company_hook.id]);
    assert_eq!(
        ids(s.list_hooks(a, Some(w.a1.id), None, None).await.unwrap()),
        [project_hook.id]
    );
    assert!(s.list_hooks(a, None, Some("other"), None).await.unwrap().is_empty());
    assert!(s.list_hooks(b, None, None, None).await.unwrap().is_empty());
    assert_eq!(s.find_hook(b, company_hook.id).await.unwrap(), None);
    assert!(matches!(
        s.delete_hook(b, company_hook.id, &ctx()).await,
        Err(StoreError::NotFound)
    ));
    // Triggers: once per resource and event type, scoped like their hook.
    let t = s
        .create_trigger(a, company_hook.id, "RFIs", EventType::Create, &ctx())
        .await
        .unwrap();
    assert!(matches!(
        s.create_trigger(a, company_hook.id, "RFIs", EventType::Create, &ctx())
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.create_trigger(b, company_hook.id, "RFIs", EventType::Update, &ctx())
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(s.list_triggers(b, company_hook.id).await.unwrap().is_empty());
    assert_eq!(
        s.list_triggers(a, company_hook.id).await.unwrap(),
        std::slice::from_ref(&t)
    );
    let subs = s.webhook_subscriptions().await.unwrap();
    assert_eq!(subs.len(), 1);
    assert_eq!(
        (subs[0].hook, subs[0].resource_name.as_str()),
        (company_hook.id, "RFIs")
    );
    // A disabled hook subscribes to nothing.
    let off = HookPatch {
        active: Some(false),
        ..HookPatch::default()
    };
    let updated = s.update_hook(a, company_hook.id, &off, &ctx()).await.unwrap();
    assert!(!updated.active);
    assert!(s.webhook_subscriptions().await.unwrap().is_empty());
    let rotated = s.rotate_hook_salt(a, company_hook.id, "salt-2", &ctx()).await.unwrap();
    assert_eq!(rotated.secret_salt, "salt-2");
    assert!(matches!(
        s.delete_trigger(b, company_hook.id, t.id, &ctx()).await,
        Err(StoreError::NotFound)
    ));
    s.delete_trigger(a, company_hook.id, t.id, &ctx()).await.unwrap();
    s.delete_hook(a, project_hook.id, &ctx()).await.unwrap();
    assert_eq!(s.find_hook(a, project_hook.id).await.unwrap(), None);
    // Every change was an event, in order, and the webhook outbox reads them.
    let events = s.webhook_outbox(before, 100).await.unwrap();
    let actions: Vec<Action> = events.iter().map(|e| e.event.action).collect();
    assert_eq!(
        actions,
        [
            Action::WebhookHookCreate,
            Action::WebhookHookCreate,
            Action::WebhookTriggerCreate,
            Action::WebhookHookUpdate,
            Action::WebhookHookRotateSecret,
            Action::WebhookTriggerDelete,
            Action::WebhookHookDelete,
        ]
    );
    assert!(events.iter().all(|e| e.event.company == Some(a)));
    assert!(
        events.iter().all(|e| !format!("{:?}", e.event).contains("salt")),
        "the salt never reaches an event"
    );
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

/// A delivery of `event` (by its id) to `hook`, queued in `company`.
fn queued(company: CompanyId, hook: HookId, event: i64) -> NewDelivery {
    NewDelivery {
        hook,
        company,
        event_id: EventId(event),
        payload: format!("{{\"id\":{event}}}"),
    }
}

async fn the_queue_delivers_each_hook_in_order(s: Arc<dyn Store>) {
    const NOW: i64 = 1_800_000_000;
    let w = world(&s).await;
    let a = w.company_a.id;
    let one = s.create_hook(&new_hook(a, None), &ctx()).await.unwrap();
    let two = s.create_hook(&new_hook(a, None), &ctx()).await.unwrap();
    let from = s.webhook_cursor().await.unwrap();
    let to = EventId(from.0 + 3);
    let queue = |hook: HookId, event: i64| queued(a, hook, event);
    let batch = [queue(one.id, 1), queue(one.id, 2), queue(two.id, 1), queue(one.id, 1)];
    s.enqueue_deliveries(to, &batch, NOW).await.unwrap();
    // A second node matching the same events queues nothing twice; the cursor never goes back.
    s.enqueue_deliveries(to, &batch, NOW).await.unwrap();
    s.enqueue_deliveries(from, &[], NOW).await.unwrap();
    assert_eq!(s.webhook_cursor().await.unwrap(), to);
    let all = DeliveryQuery {
        status: None,
        after: None,
        limit: 100,
    };
    let listed = s.list_deliveries(a, one.id, &all).await.unwrap();
    assert_eq!(
        listed.iter().map(|d| d.event_id.0).collect::<Vec<_>>(),
        [1, 2],
        "one delivery per hook and event, in order"
    );
    assert!(s
        .list_deliveries(w.company_b.id, one.id, &all)
        .await
        .unwrap()
        .is_empty());
    // Only each hook's head is claimed, and a claimed one is not claimed again.
    let claimed = s.claim_deliveries(NOW, NOW + 30, 10, 1).await.unwrap();
    let heads: Vec<(HookId, i64)> = claimed.iter().map(|c| (c.hook.id, c.delivery.event_id.0)).collect();
    assert_eq!(heads, [(one.id, 1), (two.id, 1)]);
    assert!(s.claim_deliveries(NOW, NOW + 30, 10, 1).await.unwrap().is_empty());
    // A claim is a lease: once it lapses (its node died holding it) the heads are due again.
    let ids = |c: &[Claimed]| c.iter().map(|c| c.delivery.id).collect::<Vec<_>>();
    let lapsed = s.claim_deliveries(NOW + 30, NOW + 60, 10, 1).await.unwrap();
    assert_eq!(ids(&lapsed), ids(&claimed));
    // The head of `one` fails: its queue waits for the retry, `two`'s succeeds (one pass's
    // attempts, recorded together).
    let head = claimed[0].delivery.id;
    s.finish_attempts(
        &[
            (head, attempt(NOW, 500), AfterAttempt::RetryAt(NOW + 1)),
            (claimed[1].delivery.id, attempt(NOW, 200), AfterAttempt::Delivered),
        ],
        &[],
    )
    .await
    .unwrap();
    s.finish_attempts(&[], &[]).await.unwrap();
    assert!(s.claim_deliveries(NOW, NOW + 30, 10, 1).await.unwrap().is_empty());
    let failing = DeliveryQuery {
        status: Some(DeliveryStatus::Failing),
        ..all
    };
    let f = s.list_deliveries(a, one.id, &failing).await.unwrap();
    assert_eq!((f.len(), f[0].attempts, f[0].next_attempt_at), (1, 1, NOW + 1));
    assert_eq!((f[0].response_status, f[0].first_failed_at), (Some(500), Some(NOW)));
    // Due again: the same head, then it succeeds and the next one follows.
    let again = s.claim_deliveries(NOW + 1, NOW + 31, 10, 1).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].delivery.id, head);
    s.finish_attempt(head, &attempt(NOW + 1, 204), AfterAttempt::Delivered)
        .await
        .unwrap();
    let next = s.claim_deliveries(NOW + 1, NOW + 31, 10, 1).await.unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].delivery.event_id, EventId(2));
    // Discarding the queue takes every pending delivery of the hook.
    s.finish_attempt(next[0].delivery.id, &attempt(NOW + 2, 500), AfterAttempt::DiscardQueue)
        .await
        .unwrap();
    let discarded = DeliveryQuery {
        status: Some(DeliveryStatus::Discarded),
        ..all
    };
    assert_eq!(s.list_deliveries(a, one.id, &discarded).await.unwrap().len(), 1);
    let ok = DeliveryQuery {
        status: Some(DeliveryStatus::Successful),
        ..all
    };
    assert_eq!(s.list_deliveries(a, one.id, &ok).await.unwrap().len(), 1);
    // Keyset paging.
    let page = DeliveryQuery {
        after: Some(listed[0].id),
        ..all
    };
    assert_eq!(s.list_deliveries(a, one.id, &page).await.unwrap()[0].id, listed[1].id);
    assert!(s
        .claim_deliveries(NOW + 10_000, NOW + 10_030, 10, 1)
        .await
        .unwrap()
        .is_empty());
}

/// A claim takes each hook's head and the deliveries queued behind it, in order; what the pass
/// did not attempt (behind a failure) is released and claimed again with its head.
async fn a_claim_takes_the_queue_behind_the_head(s: Arc<dyn Store>) {
    const NOW: i64 = 1_800_000_000;
    let w = world(&s).await;
    let a = w.company_a.id;
    let one = s.create_hook(&new_hook(a, None), &ctx()).await.unwrap();
    let two = s.create_hook(&new_hook(a, None), &ctx()).await.unwrap();
    let to = s.webhook_cursor().await.unwrap();
    let queue = |hook: HookId, event: i64| queued(a, hook, event);
    let batch: Vec<NewDelivery> = (1..=5)
        .map(|e| queue(one.id, e))
        .chain((1..=2).map(|e| queue(two.id, e)))
        .collect();
    s.enqueue_deliveries(to, &batch, NOW).await.unwrap();
    let events = |c: &[Claimed]| c.iter().map(|c| (c.hook.id, c.delivery.event_id.0)).collect::<Vec<_>>();
    // Up to three per hook, each hook's consecutive and oldest first.
    let claimed = s.claim_deliveries(NOW, NOW + 30, 10, 3).await.unwrap();
    assert_eq!(
        events(&claimed),
        [(one.id, 1), (one.id, 2), (one.id, 3), (two.id, 1), (two.id, 2)]
    );
    // Held: nothing of either queue is claimed again, not even what waits behind the claim.
    assert!(s.claim_deliveries(NOW, NOW + 30, 10, 3).await.unwrap().is_empty());
    // `one`: 1 delivered, 2 failed, 3 not attempted (released); `two`: both delivered.
    let id = |i: usize| claimed[i].delivery.id;
    s.finish_attempts(
        &[
            (id(0), attempt(NOW, 200), AfterAttempt::Delivered),
            (id(1), attempt(NOW, 503), AfterAttempt::RetryAt(NOW + 1)),
            (id(3), attempt(NOW, 200), AfterAttempt::Delivered),
            (id(4), attempt(NOW, 204), AfterAttempt::Delivered),
        ],
        &[id(2)],
    )
    .await
    .unwrap();
    // The failed head waits for its retry; nothing behind it overtakes it.
    assert!(s.claim_deliveries(NOW, NOW + 30, 10, 3).await.unwrap().is_empty());
    let again = s.claim_deliveries(NOW + 1, NOW + 31, 10, 10).await.unwrap();
    assert_eq!(events(&again), [(one.id, 2), (one.id, 3), (one.id, 4), (one.id, 5)]);
    assert_eq!((again[0].delivery.attempts, again[1].delivery.attempts), (1, 0));
    // A lapsed claim frees the whole queue again (its node died holding it).
    let lapsed = s.claim_deliveries(NOW + 31, NOW + 61, 10, 10).await.unwrap();
    assert_eq!(events(&lapsed), events(&again));
    // Releasing alone (nothing attempted) works too.
    let ids: Vec<DeliveryId> = lapsed.iter().map(|c| c.delivery.id).collect();
    s.finish_attempts(&[], &ids).await.unwrap();
    assert_eq!(s.claim_deliveries(NOW + 31, NOW + 61, 10, 1).await.unwrap().len(), 1);
}
