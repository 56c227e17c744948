//! Conformance: the directory and projects as Procore's REST endpoints write them — people
//! added by e-mail with the company's profile, profile changes merged, project details, each
//! with its `Idempotency-Token` answer in the same transaction; nothing of another company.

use super::{ctx, run, world};
use std::sync::Arc;
use trestle_domain::record::{IdempotencyKey, RememberedResponse};
use trestle_domain::*;
use trestle_store::*;

on_both_backends!(directory_people_by_email, project_details_merge);

fn person(email: &str, profile: &str) -> NewDirectoryPerson {
    NewDirectoryPerson {
        email: email.into(),
        name: "Pat Jones".into(),
        is_active: true,
        profile_json: profile.into(),
    }
}

fn key(company: CompanyId, token: &str) -> IdempotencyKey {
    IdempotencyKey {
        company,
        principal: "app:1".into(),
        method: "POST".into(),
        path: "/rest/v1.3/companies/1/users".into(),
        token: token.into(),
    }
}

async fn directory_people_by_email(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let (a, b) = (w.company_a.id, w.company_b.id);
    let remember = |e: &trestle_domain::entities::DirectoryEntry| RememberedResponse {
        status: 201,
        body: format!("{{\"id\":{}}}", e.user.id),
    };
    let k = key(a, "t-1");
    let pat = s
        .add_directory_person(
            a,
            &person("pat@example.com", r#"{"job_title":"Super"}"#),
            None,
            Some((&k, &remember)),
            &ctx(),
        )
        .await
        .unwrap();
    assert_eq!(
        (pat.user.email.as_str(), pat.is_active, pat.is_admin),
        ("pat@example.com", true, false)
    );
    assert_eq!(pat.profile_json, r#"{"job_title":"Super"}"#);
    let replay = s.remembered(&k).await.unwrap().expect("remembered with the write");
    assert_eq!(replay.body, format!("{{\"id\":{}}}", pat.user.id));
    // the same token again writes nothing
    let again = s
        .add_directory_person(
            a,
            &person("other@example.com", "{}"),
            None,
            Some((&k, &remember)),
            &ctx(),
        )
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict(ref m)) if m == "idempotency"),
        "{again:?}"
    );
    assert!(s
        .list_company_users(a, page())
        .await
        .unwrap()
        .items
        .iter()
        .all(|e| e.user.email != "other@example.com"));
    // twice in one company: refused; in another company: the same person, Beta's own profile
    let dup = s
        .add_directory_person(a, &person("pat@example.com", "{}"), None, None, &ctx())
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    let in_b = s
        .add_directory_person(
            b,
            &person("pat@example.com", r#"{"job_title":"Owner rep"}"#),
            None,
            None,
            &ctx(),
        )
        .await
        .unwrap();
    assert_eq!(in_b.user.id, pat.user.id);
    let in_a = s.find_company_user(a, pat.user.id).await.unwrap().unwrap();
    assert_eq!(
        in_a.profile_json, r#"{"job_title":"Super"}"#,
        "Beta's profile is not Acme's"
    );
    // a project of the company: joins it; of another company: not found, nothing written
    let sam = s
        .add_directory_person(a, &person("sam@example.com", "{}"), Some((w.a1.id, "{}")), None, &ctx())
        .await
        .unwrap();
    assert!(s.find_project_user(a, w.a1.id, sam.user.id).await.unwrap().is_some());
    let foreign = s
        .add_directory_person(a, &person("kim@example.com", "{}"), Some((w.b1.id, "{}")), None, &ctx())
        .await;
    assert!(matches!(foreign, Err(StoreError::NotFound)), "{foreign:?}");
    assert!(s
        .list_company_users(a, page())
        .await
        .unwrap()
        .items
        .iter()
        .all(|e| e.user.email != "kim@example.com"));
    // a change merges the profile and moves the membership
    let patch = DirectoryPersonPatch {
        is_active: Some(false),
        profile_json: r#"{"city":"Austin"}"#.into(),
    };
    let up = s
        .update_directory_person(a, pat.user.id, None, &patch, None, &ctx())
        .await
        .unwrap();
    assert!(!up.is_active);
    let profile: serde_json::Value = serde_json::from_str(&up.profile_json).unwrap();
    assert_eq!(profile, serde_json::json!({"job_title": "Super", "city": "Austin"}));
    // not a member of the company, or of the named project: not found; the admin's bot-free
    let outsider = s
        .update_directory_person(b, sam.user.id, None, &patch, None, &ctx())
        .await;
    assert!(matches!(outsider, Err(StoreError::NotFound)), "{outsider:?}");
    let not_in_project = s
        .update_directory_person(a, pat.user.id, Some(w.a1.id), &patch, None, &ctx())
        .await;
    assert!(
        matches!(not_in_project, Err(StoreError::NotFound)),
        "{not_in_project:?}"
    );
}

async fn project_details_merge(s: Arc<dyn Store>) {
    let w = world(&s).await;
    let a = w.company_a.id;
    let new = NewProject {
        name: "Tower".into(),
        details_json: Some(r#"{"description":"Forty floors","flag":"Red"}"#.into()),
        ..Default::default()
    };
    let p = s.create_project_remembered(a, &new, None, &ctx()).await.unwrap();
    let patch = ProjectPatch {
        details_json: Some(r#"{"flag":"Green"}"#.into()),
        ..Default::default()
    };
    let up = s
        .update_project_remembered(a, p.id, &patch, None, &ctx())
        .await
        .unwrap();
    let details: serde_json::Value = serde_json::from_str(&up.details_json).unwrap();
    assert_eq!(
        details,
        serde_json::json!({"description": "Forty floors", "flag": "Green"})
    );
    assert_eq!(up.name, "Tower");
    // another company's project: not found
    let foreign = s
        .update_project_remembered(w.company_b.id, p.id, &patch, None, &ctx())
        .await;
    assert!(matches!(foreign, Err(StoreError::NotFound)), "{foreign:?}");
}

fn page() -> trestle_domain::page::PageRequest {
    trestle_domain::page::PageRequest::new(1, 100)
}
