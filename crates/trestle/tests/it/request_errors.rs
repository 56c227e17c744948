//! One error shape: every refusal of the management API — a body that is not JSON or not the
//! right shape, a path id that is not a number, no route, a wrong method, a body too large or
//! of the wrong type — is `{"code","message","errors":[{"path","reason"}]}` in the caller's
//! words; a body over the size limit leaves the keep-alive connection usable.

use crate::support::{expect, on_both_backends, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

on_both_backends!(
    malformed_bodies_on_every_management_route_get_the_one_error_shape,
    path_ids_routes_methods_and_media_types_get_the_one_error_shape,
    an_oversized_body_is_413_and_the_connection_stays_usable,
    rest_and_oauth_refusals_carry_no_framework_wording,
);

/// Words of parsers and frameworks that must never reach a caller.
pub(crate) const FRAMEWORK_WORDING: &[&str] = &[
    "Failed to",
    "deserialize",
    "Deserialize",
    "expected struct",
    "struct ",
    "line 1",
    "column",
    "invalid type",
    "i64",
    "u32",
    "u64",
    "String",
    "serde",
    "axum",
    "`",
    "Option<",
    "Vec<",
];

/// Asserts the one error shape and the absence of framework wording; returns the body.
pub(crate) async fn error_shape(res: reqwest::Response, want: StatusCode) -> Value {
    let status = res.status();
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = res.text().await.unwrap();
    assert_eq!(status, want, "{text}");
    assert!(content_type.starts_with("application/json"), "{content_type}: {text}");
    for bad in FRAMEWORK_WORDING {
        assert!(!text.contains(bad), "{bad:?} in {text}");
    }
    let v: Value = serde_json::from_str(&text).unwrap();
    assert!(v["code"].as_str().is_some_and(|c| !c.is_empty()), "{v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    if let Some(errors) = v.get("errors") {
        for e in errors.as_array().expect("errors is an array") {
            assert!(e["path"].as_str().is_some(), "{v}");
            assert!(e["reason"].as_str().is_some_and(|r| !r.is_empty()), "{v}");
        }
    }
    v
}

fn first_path(v: &Value) -> &str {
    v["errors"][0]["path"]
        .as_str()
        .unwrap_or_else(|| panic!("no errors[0].path in {v}"))
}

async fn malformed_bodies_on_every_management_route_get_the_one_error_shape(app: TestApp) {
    let (user, dev) = app.person("dev@example.com", "Dev").await;
    let (company, admin) = app.company("Acme").await;
    let created = app
        .api_post(&dev, "/api/v1/apps", json!({"name": "A"}), StatusCode::CREATED)
        .await;
    let a = created["app"]["id"].as_i64().unwrap();
    let op = app.operator.clone();
    // (token, method, path, a field the body must have as a string)
    let routes: Vec<(&str, &str, String, &str)> = vec![
        (&op, "POST", "/api/v1/people".into(), "email"),
        (&op, "POST", format!("/api/v1/people/{user}/api_tokens"), "label"),
        (&op, "POST", "/api/v1/companies".into(), "name"),
        (&admin, "POST", format!("/api/v1/companies/{company}/projects"), "name"),
        (&dev, "POST", "/api/v1/apps".into(), "name"),
        (&dev, "PATCH", format!("/api/v1/apps/{a}"), "name"),
        (&dev, "POST", format!("/api/v1/apps/{a}/versions"), "version"),
        (&dev, "POST", format!("/api/v1/apps/{a}/redirect_uris"), "uri"),
        (&op, "PUT", format!("/api/v1/people/{user}/password"), "password"),
        (&op, "POST", format!("/api/v1/apps/{a}/suspend"), "reason"),
        (
            &admin,
            "POST",
            format!("/api/v1/companies/{company}/service_accounts"),
            "name",
        ),
    ];
    let before = crate::support::snapshot(&app.db_url).await;
    for (token, method, path, field) in &routes {
        let send = |body: String, content_type: Option<&str>| {
            let mut req = app
                .http
                .request(method.parse().unwrap(), format!("{}{path}", app.url))
                .bearer_auth(token);
            if let Some(ct) = content_type {
                req = req.header("content-type", ct);
            }
            req.body(body).send()
        };
        let json = Some("application/json");
        // (body, status, path of the first problem)
        let cases: Vec<(String, StatusCode, String)> = vec![
            ("{oops".into(), StatusCode::BAD_REQUEST, "$".into()),
            ("".into(), StatusCode::BAD_REQUEST, "$".into()),
            ("{".into(), StatusCode::BAD_REQUEST, "$".into()),
            ("[1, 2]".into(), StatusCode::BAD_REQUEST, "$".into()),
            ("\"text\"".into(), StatusCode::BAD_REQUEST, "$".into()),
            (
                json!({ (*field): 5 }).to_string(),
                StatusCode::BAD_REQUEST,
                format!("$.{field}"),
            ),
            (
                json!({ (*field): {"deep": [1]} }).to_string(),
                StatusCode::BAD_REQUEST,
                format!("$.{field}"),
            ),
            (
                json!({ (*field): "x", "colour": "red" }).to_string(),
                StatusCode::BAD_REQUEST,
                "$.colour".into(),
            ),
        ];
        for (body, status, at) in cases {
            let v = error_shape(send(body.clone(), json).await.unwrap(), status).await;
            assert_eq!(first_path(&v), at, "{method} {path} {body}: {v}");
        }
        // A missing required field is named.
        let v = error_shape(send("{}".into(), json).await.unwrap(), StatusCode::BAD_REQUEST).await;
        assert!(
            v["errors"][0]["reason"].as_str().unwrap().contains("required"),
            "{method} {path}: {v}"
        );
        // Not JSON at all: 415, with or without a content type.
        let body = json!({ (*field): "x" }).to_string();
        for ct in [None, Some("text/plain"), Some("application/x-www-form-urlencoded")] {
            let v = error_shape(
                send(body.clone(), ct).await.unwrap(),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            )
            .await;
            assert_eq!(v["code"], "unsupported_media_type");
        }
    }
    // Fields of other types: a value of the wrong type is named, in JSON words.
    for (method, path, body, at, words) in [
        (
            "POST",
            format!("/api/v1/companies/{company}/invitations"),
            json!({"email": 7}),
            "$.email",
            "must be a string",
        ),
        (
            "POST",
            format!("/api/v1/companies/{company}/invitations"),
            json!({"email": "pat@example.com", "is_admin": "yes"}),
            "$.is_admin",
            "true or false",
        ),
        (
            "PUT",
            format!("/api/v1/companies/{company}/users/{user}"),
            json!({"is_admin": 1}),
            "$.is_admin",
            "true or false",
        ),
        (
            "PATCH",
            format!("/api/v1/companies/{company}/installs/1"),
            json!({"add_to_new_projects": null}),
            "$.add_to_new_projects",
            "true or false",
        ),
        (
            "POST",
            format!("/api/v1/companies/{company}/installs/1/permitted_projects"),
            json!({"project_ids": 3}),
            "$.project_ids",
            "an array",
        ),
        (
            "POST",
            format!("/api/v1/companies/{company}/installs/1/permitted_projects"),
            json!({"project_ids": [1.5]}),
            "$.project_ids[0]",
            "whole number",
        ),
        (
            "POST",
            format!("/api/v1/companies/{company}/installs"),
            json!({"app_id": "seven"}),
            "$.app_id",
            "whole number",
        ),
        (
            "POST",
            "/api/v1/companies".to_string(),
            json!({"name": "C", "admin_user_id": -1.0}),
            "$.admin_user_id",
            "whole number",
        ),
    ] {
        let token = if path.starts_with("/api/v1/companies/") {
            &admin
        } else {
            &op
        };
        let v = error_shape(
            app.http
                .request(method.parse().unwrap(), format!("{}{path}", app.url))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap(),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(first_path(&v), at, "{method} {path} {body}: {v}");
        assert!(
            v["errors"][0]["reason"].as_str().unwrap().contains(words),
            "{method} {path} {body}: {v}"
        );
    }
    // Wrong types deeper down are named by their JSONPath.
    let v = error_shape(
        app.post(&format!("/api/v1/companies/{company}/installs"))
            .bearer_auth(&admin)
            .json(&json!({"app_version_id": "x", "permitted_project_ids": [1, "two"]}))
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(first_path(&v), "$.permitted_project_ids[1]");
    assert!(
        v["errors"][0]["reason"].as_str().unwrap().contains("whole number"),
        "{v}"
    );
    assert!(v["message"].as_str().unwrap().contains("permitted_project_ids"), "{v}");
    // None of it wrote anything.
    assert_eq!(crate::support::snapshot(&app.db_url).await, before);
}

async fn path_ids_routes_methods_and_media_types_get_the_one_error_shape(app: TestApp) {
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    for (path, param) in [
        ("/api/v1/apps/not-a-number", "{app_id}"),
        ("/api/v1/apps/1.5/versions", "{app_id}"),
        ("/api/v1/apps/99999999999999999999999", "{app_id}"),
        ("/api/v1/companies/acme", "{company_id}"),
        ("/api/v1/companies/1/installs/x", "{install_id}"),
        ("/api/v1/apps/1/versions/%00", "{version_id}"),
    ] {
        let v = error_shape(
            app.get(path).bearer_auth(&dev).send().await.unwrap(),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(first_path(&v), param, "{path}: {v}");
        assert!(v["errors"][0]["reason"].as_str().unwrap().contains("number"), "{v}");
    }
    // Query parameters that do not fit.
    for q in [
        "per_page=abc",
        "page=0",
        "page=1&page=2",
        &format!("page={}", "9".repeat(5000)),
    ] {
        let v = error_shape(
            app.get(&format!("/api/v1/apps?{q}"))
                .bearer_auth(&dev)
                .send()
                .await
                .unwrap(),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(v["message"].as_str().unwrap().len() < 300, "{v}");
    }
    // No route: 404, whatever the method.
    for method in ["GET", "POST", "DELETE"] {
        let v = error_shape(
            app.http
                .request(method.parse().unwrap(), format!("{}/api/v1/nothing-here", app.url))
                .bearer_auth(&dev)
                .send()
                .await
                .unwrap(),
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(v["code"], "not_found");
    }
    // A known path with a method it does not take: 405 with Allow.
    for (method, path, allowed) in [
        ("DELETE", "/api/v1/apps", "GET"),
        ("PUT", "/api/v1/me", "GET"),
        ("DELETE", "/api/v1/people", "POST"),
        ("POST", "/api/v1/apps/1", "PATCH"),
    ] {
        let res = app
            .http
            .request(method.parse().unwrap(), format!("{}{path}", app.url))
            .bearer_auth(&dev)
            .send()
            .await
            .unwrap();
        let allow = res
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let v = error_shape(res, StatusCode::METHOD_NOT_ALLOWED).await;
        assert_eq!(v["code"], "method_not_allowed");
        assert!(allow.contains(allowed), "{method} {path}: Allow {allow:?}");
    }
    // A body over the limit: 413 in the same shape.
    let big = json!({"name": "x".repeat(3 * 1024 * 1024)});
    let v = error_shape(
        app.post("/api/v1/apps")
            .bearer_auth(&dev)
            .json(&big)
            .send()
            .await
            .unwrap(),
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    assert_eq!(v["code"], "payload_too_large");
    // The JSON media type with parameters, or a +json type, is JSON.
    for ct in ["application/json; charset=utf-8", "application/merge-patch+json"] {
        let res = app
            .post("/api/v1/apps")
            .bearer_auth(&dev)
            .header("content-type", ct)
            .body(json!({"name": "Typed"}).to_string())
            .send()
            .await
            .unwrap();
        expect(res, StatusCode::CREATED).await;
    }
}

/// One HTTP/1.1 response read from a raw connection: status, lower-cased head, body.
async fn read_response(conn: &mut tokio::net::tcp::OwnedReadHalf) -> (u16, String, Vec<u8>) {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let mut chunk = [0u8; 4096];
        let n = conn.read(&mut chunk).await.unwrap();
        assert!(
            n > 0,
            "connection closed before a response: {:?}",
            String::from_utf8_lossy(&buf)
        );
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().unwrap())
        .expect("a content-length");
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        let n = conn.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed inside a response body");
        body.extend_from_slice(&chunk[..n]);
    }
    (status, head, body)
}

async fn an_oversized_body_is_413_and_the_connection_stays_usable(app: TestApp) {
    let (_, dev) = app.person("dev@example.com", "Dev").await;
    let addr = app.url.trim_start_matches("http://").to_string();
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();

    // 3 MiB: over the 2 MiB limit. The body is written while the answer is read.
    let body = format!("{{\"name\":\"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let head = format!(
        "POST /api/v1/apps HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {dev}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let writer = tokio::spawn(async move {
        wr.write_all(head.as_bytes()).await.unwrap();
        wr.write_all(body.as_bytes()).await.unwrap();
        wr
    });
    let (status, head, body) = read_response(&mut rd).await;
    assert_eq!(status, 413, "{head}");
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["code"], "payload_too_large", "{v}");
    assert!(v["message"].as_str().unwrap().contains("2097152 bytes"), "{v}");
    let mut wr = writer.await.unwrap();
    assert!(!head.contains("connection: close"), "{head}");

    // The same connection answers the next request.
    let next = format!("GET /api/v1/me HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {dev}\r\n\r\n");
    wr.write_all(next.as_bytes()).await.unwrap();
    let (status, head, body) = read_response(&mut rd).await;
    assert_eq!(status, 200, "{head} {}", String::from_utf8_lossy(&body));
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["kind"], "person");
    // Nothing was created by the refused request.
    let apps = app.api_get(&dev, "/api/v1/apps", StatusCode::OK).await;
    assert_eq!(apps.as_array().unwrap().len(), 0, "{apps}");

    // A body declared far too large to read is refused at once, and the answer says the
    // connection closes — then it does.
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let head = format!(
        "POST /api/v1/apps HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {dev}\r\nContent-Type: application/json\r\nContent-Length: 500000000\r\n\r\n{{\"name\":"
    );
    wr.write_all(head.as_bytes()).await.unwrap();
    let (status, head, body) = read_response(&mut rd).await;
    assert_eq!(status, 413, "{head}");
    assert!(head.contains("connection: close"), "{head}");
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["code"], "payload_too_large");
    let mut rest = Vec::new();
    let n = rd.read_to_end(&mut rest).await.unwrap_or(0);
    assert_eq!(n, 0, "the server closed the connection after answering");
}

async fn rest_and_oauth_refusals_carry_no_framework_wording(app: TestApp) {
    let w = app.world().await;
    let token = app.token(&w.app).await;
    // REST: malformed bodies, non-numeric ids, wrong media types, no route, wrong method.
    let folders = format!("/rest/v1.0/folders?project_id={}", w.a1);
    let cases: Vec<(&str, String, Option<&str>, &str, StatusCode)> = vec![
        (
            "POST",
            folders.clone(),
            Some("application/json"),
            "{oops",
            StatusCode::BAD_REQUEST,
        ),
        (
            "POST",
            folders.clone(),
            Some("application/json"),
            "{\"folder\":{\"name\":5}}",
            StatusCode::BAD_REQUEST,
        ),
        (
            "POST",
            folders.clone(),
            Some("application/json"),
            "{\"folder\":{\"name\":\"x\",\"size\":1}}",
            StatusCode::BAD_REQUEST,
        ),
        (
            "POST",
            folders.clone(),
            Some("text/plain"),
            "{\"folder\":{\"name\":\"x\"}}",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "GET",
            format!("/rest/v1.0/folders/abc?project_id={}", w.a1),
            None,
            "",
            StatusCode::BAD_REQUEST,
        ),
        (
            "GET",
            "/rest/v1.0/companies/abc/projects".into(),
            None,
            "",
            StatusCode::NOT_FOUND,
        ),
        (
            "DELETE",
            "/rest/v1.0/me".into(),
            None,
            "",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
    ];
    for (method, path, ct, body, want) in cases {
        let mut req = app
            .http
            .request(method.parse().unwrap(), format!("{}{path}", app.url))
            .bearer_auth(&token)
            .header("Procore-Company-Id", w.a.to_string());
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        let res = req.body(body.to_string()).send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        if status == StatusCode::NOT_FOUND && want != StatusCode::NOT_FOUND {
            panic!("{method} {path}: {text}");
        }
        assert!(status.is_client_error(), "{method} {path}: {status} {text}");
        if want != StatusCode::NOT_FOUND {
            assert_eq!(status, want, "{method} {path}: {text}");
        }
        for bad in FRAMEWORK_WORDING {
            assert!(!text.contains(bad), "{method} {path}: {bad:?} in {text}");
        }
    }
    // OAuth: RFC 6749 errors, without framework wording, for bodies of the wrong kind.
    for (ct, body) in [
        (None, "grant_type=client_credentials"),
        (Some("application/json"), "{oops"),
        (Some("text/plain"), "grant_type=client_credentials"),
        (Some("application/x-www-form-urlencoded"), "%%%"),
    ] {
        let mut req = app.post("/oauth/token");
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        let res = req.body(body).send().await.unwrap();
        assert!(res.status().is_client_error(), "{ct:?}");
        let text = res.text().await.unwrap();
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{ct:?}: {text}"));
        assert!(v["error"].as_str().is_some(), "{text}");
        for bad in FRAMEWORK_WORDING {
            assert!(!text.contains(bad), "{ct:?}: {bad:?} in {text}");
        }
    }
    // A NUL in what the token endpoint or the authorize page looks up is refused, not a failure.
    let res = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "a\u{0}b"),
            ("client_secret", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
    let res = app
        .get("/oauth/authorize?response_type=code&client_id=a%00b&redirect_uri=https%3A%2F%2Fexample.com%2Fcb")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
    // The sign-in and consent forms of the authorize flow: a body that is not a form is a page
    // in words.
    for path in ["/oauth/authorize/login", "/oauth/authorize/decision"] {
        let res = app
            .post(path)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert!(res.status().is_client_error(), "{path}");
        let text = res.text().await.unwrap();
        assert!(text.contains("as an HTML form"), "{path}: {text}");
        for bad in FRAMEWORK_WORDING {
            assert!(!text.contains(bad), "{path}: {bad:?} in {text}");
        }
    }
    // A too-large token request is an RFC 6749 error too.
    let res = app
        .post("/oauth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &"x".repeat(3 * 1024 * 1024)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"], "invalid_request", "{v}");
}
