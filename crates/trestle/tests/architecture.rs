//! The workspace's dependency rules, checked over `cargo metadata` (ARCHITECTURE.md,
//! "Invariants"). Each rule names the crates it allows; a new crate must be added to `LAYERS`
//! before it may depend on anything of the workspace.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Which workspace crates each workspace crate may depend on (any kind: normal, build, dev).
/// Dependencies point inward: domain ← store ← core ← http/web ← binary. `trestle-api` holds
/// the management API's types and sits on the domain alone; `trestle-http` and `trestle-web`
/// stand beside each other and neither depends on the other. The benchmark's ceiling is outside
/// the product and depends on none of it.
const LAYERS: &[(&str, &[&str])] = &[
    ("trestle-domain", &[]),
    ("trestle-api", &["trestle-domain"]),
    ("trestle-store", &["trestle-domain"]),
    ("trestle-core", &["trestle-domain", "trestle-store"]),
    (
        "trestle-http",
        &["trestle-domain", "trestle-api", "trestle-store", "trestle-core"],
    ),
    (
        "trestle-web",
        &["trestle-domain", "trestle-api", "trestle-store", "trestle-core"],
    ),
    (
        "trestle",
        &[
            "trestle-domain",
            "trestle-api",
            "trestle-store",
            "trestle-core",
            "trestle-http",
            "trestle-web",
        ],
    ),
    ("trestle-bench-ceiling", &[]),
];

/// Crates that may name `sqlx` in `[dependencies]` / `[build-dependencies]`: the store only.
const SQLX_NORMAL: &[&str] = &["trestle-store"];
/// ... and in `[dev-dependencies]`: the store's own tests and the binary's integration tests,
/// which open the databases they run against directly.
const SQLX_DEV: &[&str] = &["trestle-store", "trestle"];
/// Crates that may name `axum` (any kind): the two HTTP surfaces, and the benchmark's ceiling
/// (a bare axum handler, outside the product).
const AXUM: &[&str] = &["trestle-http", "trestle-web", "trestle-bench-ceiling"];

/// A declared dependency: (from, to, kind) with kind "normal", "build" or "dev".
type Edge = (String, String, String);

fn workspace_edges() -> (BTreeSet<String>, Vec<Edge>) {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml");
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
            "--manifest-path",
            manifest,
        ])
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON");
    let packages = meta["packages"].as_array().expect("packages");
    let names: BTreeSet<String> = packages
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_string())
        .collect();
    let mut edges = Vec::new();
    for p in packages {
        let from = p["name"].as_str().expect("name");
        for d in p["dependencies"].as_array().expect("dependencies") {
            let to = d["name"].as_str().expect("dependency name");
            let kind = d["kind"].as_str().unwrap_or("normal");
            edges.push((from.to_string(), to.to_string(), kind.to_string()));
        }
    }
    (names, edges)
}

/// Every broken rule, as a sentence; empty when the workspace keeps them all.
fn violations(names: &BTreeSet<String>, edges: &[Edge]) -> Vec<String> {
    let layers: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    let mut out = Vec::new();
    for name in names {
        if !layers.contains_key(name.as_str()) {
            out.push(format!("{name} is a workspace crate without a place in LAYERS"));
        }
    }
    for (from, to, kind) in edges {
        if from == to {
            continue; // a crate's dev-dependency on itself (with test features)
        }
        if names.contains(to) {
            let allowed = layers.get(from.as_str()).copied().unwrap_or_default();
            if !allowed.contains(&to.as_str()) {
                out.push(format!(
                    "{from} depends on {to} ({kind}): dependencies point inward (domain ← store ← core ← http/web ← binary)"
                ));
            }
        }
        if to == "sqlx" {
            let allowed = if kind == "dev" { SQLX_DEV } else { SQLX_NORMAL };
            if !allowed.contains(&from.as_str()) {
                out.push(format!(
                    "{from} depends on sqlx ({kind}): only trestle-store names sqlx"
                ));
            }
        }
        if to == "axum" && !AXUM.contains(&from.as_str()) {
            out.push(format!(
                "{from} depends on axum ({kind}): only trestle-http and trestle-web name axum"
            ));
        }
    }
    out
}

#[test]
fn dependencies_point_inward_and_sqlx_and_axum_stay_in_their_crates() {
    let (names, edges) = workspace_edges();
    for must in [
        "trestle-domain",
        "trestle-store",
        "trestle-core",
        "trestle-http",
        "trestle",
    ] {
        assert!(names.contains(must), "cargo metadata lists {must}: {names:?}");
    }
    assert!(
        edges.iter().any(|(f, t, _)| f == "trestle-store" && t == "sqlx"),
        "the edges are read (the store's sqlx dependency is seen)"
    );
    let broken = violations(&names, &edges);
    assert!(broken.is_empty(), "dependency rules broken:\n{}", broken.join("\n"));
}

/// The rules themselves refuse what they should, on made-up workspaces.
#[test]
fn the_rules_refuse_outward_dependencies_and_stray_sqlx_or_axum() {
    let names: BTreeSet<String> = LAYERS.iter().map(|(n, _)| n.to_string()).collect();
    let edge = |f: &str, t: &str, k: &str| (f.to_string(), t.to_string(), k.to_string());
    let cases: Vec<(Edge, bool)> = vec![
        (edge("trestle-core", "trestle-store", "normal"), true),
        (edge("trestle-store", "trestle-core", "normal"), false),
        (edge("trestle-domain", "trestle-store", "dev"), false),
        (edge("trestle-core", "trestle-http", "normal"), false),
        (edge("trestle-http", "trestle-web", "normal"), false),
        (edge("trestle-web", "trestle-http", "normal"), false),
        (edge("trestle-api", "trestle-core", "normal"), false),
        (edge("trestle-api", "trestle-domain", "normal"), true),
        (edge("trestle-store", "trestle-store", "dev"), true),
        (edge("trestle-store", "sqlx", "normal"), true),
        (edge("trestle-core", "sqlx", "normal"), false),
        (edge("trestle", "sqlx", "normal"), false),
        (edge("trestle", "sqlx", "dev"), true),
        (edge("trestle-http", "sqlx", "dev"), false),
        (edge("trestle-http", "axum", "normal"), true),
        (edge("trestle-web", "axum", "normal"), true),
        (edge("trestle-core", "axum", "normal"), false),
        (edge("trestle", "axum", "normal"), false),
        (edge("trestle-bench-ceiling", "axum", "normal"), true),
        (edge("trestle-bench-ceiling", "trestle-core", "normal"), false),
    ];
    for (e, ok) in cases {
        let v = violations(&names, std::slice::from_ref(&e));
        assert_eq!(v.is_empty(), ok, "{e:?}: {v:?}");
    }
    let mut more = names.clone();
    more.insert("trestle-webhooks".into());
    assert_eq!(violations(&more, &[]).len(), 1, "a new crate must be placed in LAYERS");
}
