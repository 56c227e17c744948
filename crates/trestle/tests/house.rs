//! The shape of the code (ARCHITECTURE.md, "Invariants"): no production source file over
//! 800 lines, and no two modules of a crate that import each other in a circle.
//!
//! A module's imports are the `crate::…` and `super::…` paths its file names. A module naming
//! its own ancestor or descendant is how Rust's module tree works (a parent declares its
//! children, a child uses its parent's items) and is not counted; a circle among the others is.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 800;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The `src/` folder of every crate of the product.
fn crate_sources() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(workspace().join("crates"))
        .expect("crates/")
        .flatten()
        .map(|e| e.path().join("src"))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// A file's module path inside its crate: `src/sql/tx.rs` → `["sql", "tx"]`, `mod.rs`,
/// `lib.rs` and `main.rs` name their folder.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("inside src");
    let mut parts: Vec<String> = rel.iter().map(|c| c.to_string_lossy().into_owned()).collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs");
    let names_folder = stem == "mod" || parts.is_empty() && matches!(stem, "lib" | "main");
    if !names_folder {
        parts.push(stem.to_string());
    }
    parts
}

/// A file's production code: its comments and its `#[cfg(test)]` tail left out.
fn production_code(text: &str) -> String {
    let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    code.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module paths `text` names through `crate::` and `super::` (as far as they go).
fn named_paths(text: &str, here: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    // `super` is the parent module (of `sql/tx.rs`: `sql`; of `sql/mod.rs`: the crate root).
    let parent = here[..here.len().saturating_sub(1)].to_vec();
    for (prefix, base) in [("crate::", Vec::new()), ("super::", parent)] {
        let mut rest = text;
        while let Some(i) = rest.find(prefix) {
            let before = rest[..i].chars().last();
            rest = &rest[i + prefix.len()..];
            if before.is_some_and(|c| ident(c) || c == ':') {
                continue;
            }
            let mut path = base.clone();
            let mut tail = rest;
            loop {
                let n = tail.find(|c: char| !ident(c)).unwrap_or(tail.len());
                if n == 0 {
                    break;
                }
                path.push(tail[..n].to_string());
                if tail[n..].starts_with("::") {
                    tail = &tail[n + 2..];
                } else {
                    break;
                }
            }
            out.push(path);
        }
    }
    out
}

fn is_prefix(a: &[String], b: &[String]) -> bool {
    a.len() <= b.len() && a == &b[..a.len()]
}

#[test]
fn no_production_file_is_over_800_lines() {
    let mut too_long = Vec::new();
    for src in crate_sources() {
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        for f in files {
            let lines = std::fs::read_to_string(&f).expect("readable").lines().count();
            if lines > MAX_LINES {
                too_long.push(format!("{} has {lines} lines", f.display()));
            }
        }
    }
    assert!(
        too_long.is_empty(),
        "files over {MAX_LINES} lines:\n{}",
        too_long.join("\n")
    );
}

/// The circles among `edges` (module → modules it imports), each as a list of modules.
fn circles(edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<Vec<String>>> {
    // Tarjan's strongly connected components; a component of two or more is a circle.
    struct State<'a> {
        edges: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on_stack: BTreeSet<&'a Vec<String>>,
        found: Vec<Vec<Vec<String>>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Vec<String>) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        if let Some(next) = s.edges.get(v) {
            for w in next {
                let Some((w, _)) = s.edges.get_key_value(w) else {
                    continue;
                };
                if !s.index.contains_key(w) {
                    visit(s, w);
                    let lw = s.low[w];
                    let lv = s.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(lw);
                } else if s.on_stack.contains(w) {
                    let iw = s.index[w];
                    let lv = s.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(iw);
                }
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.clone());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.found.push(component);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.found
}

/// Module → the modules (files) it imports, ancestors and descendants left out.
fn import_graph(src: &Path) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeMap<Vec<String>, PathBuf> = files.iter().map(|f| (module_of(src, f), f.clone())).collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (here, file) in &modules {
        let text = production_code(&std::fs::read_to_string(file).expect("readable"));
        let targets = edges.entry(here.clone()).or_default();
        for mut path in named_paths(&text, here) {
            // The longest prefix of the path that is a module file.
            while !path.is_empty() && !modules.contains_key(&path) {
                path.pop();
            }
            if !is_prefix(&path, here) && !is_prefix(here, &path) {
                targets.insert(path);
            }
        }
    }
    edges
}

#[test]
fn no_modules_import_each_other_in_a_circle() {
    let mut found = Vec::new();
    for src in crate_sources() {
        for circle in circles(&import_graph(&src)) {
            let names: Vec<String> = circle.iter().map(|m| m.join("::")).collect();
            found.push(format!("{}: {}", src.display(), names.join(" ↔ ")));
        }
    }
    assert!(
        found.is_empty(),
        "modules importing each other in a circle:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_circle_check_finds_a_circle_and_ignores_parent_and_child() {
    let m = |s: &str| s.split("::").map(str::to_string).collect::<Vec<_>>();
    let mut edges = BTreeMap::new();
    edges.insert(m("a"), BTreeSet::from([m("b")]));
    edges.insert(m("b"), BTreeSet::from([m("c")]));
    edges.insert(m("c"), BTreeSet::from([m("a")]));
    edges.insert(m("d"), BTreeSet::from([m("a")]));
    let found = circles(&edges);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].iter().collect::<BTreeSet<_>>(),
        [m("a"), m("b"), m("c")].iter().collect()
    );
    edges.get_mut(&m("c")).expect("c").clear();
    assert!(circles(&edges).is_empty());

    // Paths: `super::` from a file module is its parent's; `crate::` from the root.
    let here = m("sql::tx");
    let named = named_paths("use super::rows::X; let y = crate::error::E; not_crate::x;", &here);
    assert!(named.contains(&m("sql::rows::X")));
    assert!(named.contains(&m("error::E")));
    assert_eq!(named.len(), 2);
    assert_eq!(module_of(Path::new("/s"), Path::new("/s/sql/mod.rs")), m("sql"));
    assert_eq!(module_of(Path::new("/s"), Path::new("/s/sql/tx.rs")), m("sql::tx"));
    assert!(module_of(Path::new("/s"), Path::new("/s/lib.rs")).is_empty());
    let code = production_code(
        "use crate::a::X;\n/// see [`crate::b`]\nfn f() {}\n#[cfg(test)]\nmod tests {\n    use crate::c;\n}\n",
    );
    assert_eq!(named_paths(&code, &[]), vec![m("a::X")]);
}
