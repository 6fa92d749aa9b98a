//! The walls between rooms, checked over the source: every `crate::<room>`
//! path in `src/` is an edge from the room of the file to that room. The
//! room graph must have no cycle, and every edge must go down the layer
//! table below (see `docs/architecture.md`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Rooms by layer, lowest first: a room may use only rooms of lower layers.
const LAYERS: &[&[&str]] = &[
    &["domain"],
    &["error", "store", "guard", "engine", "telemetry"],
    &["handoff", "privacy", "personalization", "metrics"],
    &["prompt"],
    &["knowledge"],
    &["answer"],
    &["conversation"],
    &["gateway"],
    &["config", "app_state"],
    &["routes"],
    &["startup"],
    &["audit", "bench", "eval", "redteam"],
];

/// This file names rooms in strings; it is not a room.
const SELF: &str = "module_graph_tests";

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).expect("read src/");
    for entry in entries {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level room of a file under `src/` (`None` for the crate roots).
fn room_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let room = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(room, "lib" | "main" | SELF)).then(|| room.to_owned())
}

fn ident_at(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The rooms a source text names with `crate::room` or `crate::{room, ..}`
/// (comments skipped).
fn rooms_named(source: &str) -> BTreeSet<String> {
    let code: String = source
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut named = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0usize;
            let mut start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && !c.is_whitespace() => {
                        named.insert(ident_at(&group[i..]).to_owned());
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            named.insert(ident_at(rest).to_owned());
        }
    }
    named.retain(|room| !room.is_empty());
    named
}

/// Room -> rooms it uses, and where each edge was seen.
fn room_graph() -> BTreeMap<String, BTreeMap<String, String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for file in files {
        let Some(room) = room_of(&src, &file) else {
            continue;
        };
        let source = std::fs::read_to_string(&file).expect("read source");
        let edges = graph.entry(room.clone()).or_default();
        for used in rooms_named(&source) {
            if used != room {
                let seen = file.strip_prefix(&src).unwrap_or(&file).display();
                edges.entry(used).or_insert_with(|| seen.to_string());
            }
        }
    }
    graph
}

fn layer_of(room: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&room))
}

/// A cycle through `start`, if any (depth-first search).
fn cycle_from(
    graph: &BTreeMap<String, BTreeMap<String, String>>,
    start: &str,
) -> Option<Vec<String>> {
    fn walk(
        graph: &BTreeMap<String, BTreeMap<String, String>>,
        start: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        let last = path.last().cloned().unwrap_or_default();
        for next in graph.get(&last).into_iter().flat_map(|e| e.keys()) {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, start, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_owned()];
    walk(graph, start, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn rooms_import_each_other_without_cycles() {
    let graph = room_graph();
    for room in graph.keys() {
        if let Some(cycle) = cycle_from(&graph, room) {
            panic!("module cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn every_room_uses_only_lower_layers() {
    let graph = room_graph();
    let mut wrong = Vec::new();
    for (room, edges) in &graph {
        let Some(layer) = layer_of(room) else {
            wrong.push(format!(
                "{room} is not in LAYERS (src/module_graph_tests.rs)"
            ));
            continue;
        };
        for (used, seen) in edges {
            match layer_of(used) {
                Some(lower) if lower < layer => {}
                Some(_) => wrong.push(format!("{room} -> {used} goes up or sideways ({seen})")),
                None => wrong.push(format!("{used} is not in LAYERS ({seen})")),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_scanner_reads_paths_and_groups() {
    let named = rooms_named(
        "use crate::store::Store;\n// crate::engine in a comment\nlet s = crate::config::Settings::default();\nuse crate::{domain::Locale, guard::{a, b}};",
    );
    let expected: BTreeSet<String> = ["store", "config", "domain", "guard"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(named, expected);
}
