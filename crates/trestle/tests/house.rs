//! The shape of the code (ARCHITECTURE.md, "Invariants"): no production source file over
//! 800 lines, and no two modules of a crate that import each other in a circle.
//!
//! A module's imports are the `crate::…` and `super::…` paths its file names (a module naming
//! its own items is no import). Its parent and its children count like any other module: a
//! child using its parent's items (`super::X`) is an edge to the parent, so a circle that goes
//! through a parent's own code (`sql::tx` → `sql` → `b` → `sql::tx`) is found, as is a parent
//! and a child naming each other. A parent declaring its children (`mod x;`) and naming them by
//! a relative path is not an import here, so the module tree itself is never a circle.

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

/// Module → the modules (files) it imports, parents and children included.
fn import_graph(src: &Path) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeMap<Vec<String>, String> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).expect("readable");
            (module_of(src, f), production_code(&text))
        })
        .collect();
    graph_of(&modules)
}

/// [`import_graph`] of modules given by their production code.
fn graph_of(modules: &BTreeMap<Vec<String>, String>) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (here, text) in modules {
        let targets = edges.entry(here.clone()).or_default();
        for mut path in named_paths(text, here) {
            // The longest prefix of the path that is a module file.
            while !path.is_empty() && !modules.contains_key(&path) {
                path.pop();
            }
            if &path != here {
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
fn the_circle_check_goes_through_parents_and_children() {
    let m = |s: &str| s.split("::").map(str::to_string).collect::<Vec<_>>();
    let code = |modules: &[(&str, &str)]| -> BTreeMap<Vec<String>, String> {
        modules.iter().map(|(name, text)| (m(name), text.to_string())).collect()
    };
    let names = |found: &[Vec<Vec<String>>]| -> Vec<BTreeSet<String>> {
        found.iter().map(|c| c.iter().map(|m| m.join("::")).collect()).collect()
    };
    let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    // A child using its parent's items, and neither naming the other back: no circle.
    let tree = code(&[
        ("sql", "pub struct Pool;"),
        ("sql::tx", "use super::Pool; use super::rows::Row;"),
        ("sql::rows", "use super::Pool; pub struct Row;"),
    ]);
    assert_eq!(
        graph_of(&tree)[&m("sql::tx")],
        [m("sql"), m("sql::rows")].into_iter().collect()
    );
    assert!(circles(&graph_of(&tree)).is_empty());
    // A circle through the parent's own code: sql::tx → sql → b → sql::tx.
    let through = code(&[
        ("sql", "use crate::b::B; pub struct Pool;"),
        ("sql::tx", "use super::Pool; pub struct Tx;"),
        ("b", "use crate::sql::tx::Tx; pub struct B;"),
    ]);
    assert_eq!(
        names(&circles(&graph_of(&through))),
        vec![set(&["sql", "sql::tx", "b"])]
    );
    // A parent and its child naming each other.
    let pair = code(&[
        ("sql", "fn f(_: crate::sql::tx::Tx) {} pub struct Pool;"),
        ("sql::tx", "use super::Pool; pub struct Tx;"),
    ]);
    assert_eq!(names(&circles(&graph_of(&pair))), vec![set(&["sql", "sql::tx"])]);
    // A module naming its own items (`crate::sql::Pool` inside `sql`) is not an edge.
    let own = code(&[("sql", "fn f(_: crate::sql::Pool) {} pub struct Pool;")]);
    assert!(graph_of(&own)[&m("sql")].is_empty());
}

#[test]
fn the_circle_check_finds_a_circle() {
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
