//! The modules form layers: no module reaches, directly or through others, back into one
//! that uses it. Read from the source, so a new `use` that closes a cycle fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each top-level module of `src/` and the top-level modules its code names
/// (`crate::name`), comments left out.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = path.strip_prefix(&src).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        let module = first.to_string_lossy().trim_end_matches(".rs").to_string();
        if module == "main" || module == "lib" {
            continue;
        }
        let uses = graph.entry(module.clone()).or_default();
        let text = std::fs::read_to_string(path).unwrap();
        for line in text.lines() {
            let code = line.split("//").next().unwrap_or("");
            for (at, _) in code.match_indices("crate::") {
                let name: String = code[at + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module {
                    uses.insert(name);
                }
            }
        }
    }
    graph
}

/// A cycle through `start`, if there is one.
fn cycle_from(
    graph: &BTreeMap<String, BTreeSet<String>>,
    start: &str,
    path: &mut Vec<String>,
    seen: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    for next in graph.get(path.last().unwrap()).into_iter().flatten() {
        if next == start {
            let mut found = path.clone();
            found.push(next.clone());
            return Some(found);
        }
        // Reachability is enough: a module explored once from `start` needs no second visit.
        if path.contains(next) || !seen.insert(next.clone()) {
            continue;
        }
        path.push(next.clone());
        if let Some(found) = cycle_from(graph, start, path, seen) {
            return Some(found);
        }
        path.pop();
    }
    None
}

#[test]
fn modules_have_no_import_cycles() {
    let graph = module_graph();
    assert!(graph.contains_key("templates") && graph.contains_key("site"));
    let cycles: Vec<String> = graph
        .keys()
        .filter_map(|start| {
            cycle_from(
                &graph,
                start,
                &mut vec![start.clone()],
                &mut BTreeSet::new(),
            )
        })
        .map(|cycle| cycle.join(" -> "))
        .collect();
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_layering_test_finds_a_cycle() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("c".into());
    graph.entry("c".into()).or_default().insert("a".into());
    assert_eq!(
        cycle_from(&graph, "a", &mut vec!["a".into()], &mut BTreeSet::new()),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    graph.get_mut("c").unwrap().clear();
    assert_eq!(
        cycle_from(&graph, "a", &mut vec!["a".into()], &mut BTreeSet::new()),
        None
    );
}
