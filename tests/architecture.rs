//! The architecture as a test: the arrows DESIGN.md and STYLE.md draw between the
//! top-level modules, read from the source. The wire codecs (`protocol`) import no service
//! and no state, and no two top-level modules import each other, directly or through
//! others. Test code (`tests.rs`, `tests/` folders, a trailing `mod tests`) is left out:
//! a test may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What `protocol/` must never import.
const NOT_FROM_PROTOCOL: &[&str] = &[
    "access", "eks", "eks_auth", "iam", "k8s", "router", "s3", "state", "store", "sts",
];

#[test]
fn protocol_imports_no_service() {
    let graph = module_graph();
    let imports = &graph["protocol"];
    let wrong: Vec<&String> = imports
        .iter()
        .filter(|name| NOT_FROM_PROTOCOL.contains(&name.as_str()))
        .collect();
    assert!(wrong.is_empty(), "protocol/ imports {wrong:?}");
}

#[test]
fn top_level_modules_import_each_other_in_no_circle() {
    let graph = module_graph();
    for start in graph.keys() {
        if let Some(path) = path_back(&graph, start) {
            panic!("circular imports: {}", path.join(" -> "));
        }
    }
}

/// The first import path from `start` that leads back to it, if any.
fn path_back(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![vec![start.to_owned()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        let last = path.last().expect("paths are never empty");
        for next in graph.get(last).into_iter().flatten() {
            let mut longer = path.clone();
            longer.push(next.clone());
            if next == start {
                return Some(longer);
            }
            if seen.insert(next.clone()) {
                stack.push(longer);
            }
        }
    }
    None
}

/// Top-level module → the other top-level modules its non-test code names as `crate::…`.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules: BTreeSet<String> = std::fs::read_dir(&src)
        .expect("src/ is readable")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            let name = name.strip_suffix(".rs").unwrap_or(&name).to_owned();
            (name != "lib" && name != "main").then_some(name)
        })
        .collect();
    assert!(
        modules.len() > 20,
        "found only {modules:?} under {}",
        src.display()
    );
    modules
        .iter()
        .map(|module| {
            let mut imports = BTreeSet::new();
            for file in source_files(&src, module) {
                let text = std::fs::read_to_string(&file).expect("source is readable");
                for name in crate_paths(without_tests(&text)) {
                    if modules.contains(&name) && &name != module {
                        imports.insert(name);
                    }
                }
            }
            (module.clone(), imports)
        })
        .collect()
}

/// The non-test `.rs` files of top-level module `module`.
fn source_files(src: &Path, module: &str) -> Vec<PathBuf> {
    let file = src.join(format!("{module}.rs"));
    if file.is_file() {
        return vec![file];
    }
    let mut files = Vec::new();
    let mut folders = vec![src.join(module)];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("module folder is readable") {
            let path = entry.expect("folder entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if path.is_dir() {
                if name != "tests" {
                    folders.push(path);
                }
            } else if name.ends_with(".rs") && name != "tests.rs" {
                files.push(path);
            }
        }
    }
    files
}

/// The file before a trailing `#[cfg(test)] mod tests {…}` block.
fn without_tests(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod tests {")
        .map_or(text, |end| &text[..end])
}

/// Each top-level name after `crate::`, including those in `crate::{a, b::c}`.
fn crate_paths(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (index, _) in text.match_indices("crate::") {
        let rest = &text[index + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = group.split('}').next().unwrap_or_default();
            names.extend(group.split(',').filter_map(|item| first_name(item.trim())));
        } else if let Some(name) = first_name(rest) {
            names.push(name);
        }
    }
    names
}

fn first_name(text: &str) -> Option<String> {
    let name: String = text
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}
