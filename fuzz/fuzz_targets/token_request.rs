//! The token endpoint's request parsing: body (form, JSON, multipart) and client
//! authentication (HTTP Basic or the body).
//!
//! Input: the first line is the `Content-Type` header (empty: none), the second the
//! `Authorization` header (empty: none), the rest the body.
//! Invariants: no panic; parameters have non-empty values and no name twice; the fast form
//! split agrees with `form_urlencoded`; credentials taken from the body are the body's.
#![no_main]

use libfuzzer_sys::fuzz_target;

fn line(data: &[u8]) -> (Option<&[u8]>, &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => (Some(&data[..i]).filter(|l| !l.is_empty()), &data[i + 1..]),
        None => (Some(data).filter(|l| !l.is_empty()), &[]),
    }
}

fuzz_target!(|data: &[u8]| {
    let (content_type, rest) = line(data);
    let (authorization, body) = line(rest);

    let (fast, reference) = trestle_http::fuzzing::form_pairs_both(body);
    assert_eq!(fast, reference, "the fast form split agrees with form_urlencoded");

    let parsed = futures::executor::block_on(trestle_http::fuzzing::parse_token_request(
        content_type,
        authorization,
        body.to_vec(),
    ));
    let Ok(req) = parsed else {
        return;
    };
    for (i, (k, v)) in req.params.iter().enumerate() {
        assert!(!v.is_empty(), "empty value of {k:?} kept");
        assert!(!req.params[..i].iter().any(|(seen, _)| seen == k), "{k:?} kept twice");
    }
    if let (Ok(client), None) = (&req.client, authorization) {
        let get = |name: &str| req.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        assert_eq!(get("client_id"), Some(client.client_id.as_str()));
        assert_eq!(get("client_secret"), Some(client.client_secret.as_str()));
    }
});
