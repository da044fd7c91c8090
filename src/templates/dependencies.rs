//! Which templates each template depends on (`extends`, `include`, `import`), so that
//! `vellum serve` re-renders only the pages a template edit can affect.

use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};

use super::TemplateFile;

/// For every template, a hash of its source and of all templates it reaches.
pub(super) fn hashes(files: &HashMap<String, TemplateFile>) -> HashMap<String, u64> {
    let direct: HashMap<&str, Option<Vec<String>>> = files
        .iter()
        .map(|(name, file)| (name.as_str(), referenced(&file.source)))
        .collect();
    files
        .keys()
        .map(|name| {
            let reached = reach(name, &direct, files);
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            for dep in &reached {
                dep.hash(&mut hasher);
                files
                    .get(dep.as_str())
                    .map(|f| &*f.source)
                    .hash(&mut hasher);
            }
            (name.clone(), hasher.finish())
        })
        .collect()
}

/// Every template reachable from `name`, itself included. A template that names another
/// through a variable could reach any of them, so it depends on all.
fn reach(
    name: &str,
    direct: &HashMap<&str, Option<Vec<String>>>,
    files: &HashMap<String, TemplateFile>,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![name.to_string()];
    while let Some(next) = stack.pop() {
        if !seen.insert(next.clone()) {
            continue;
        }
        match direct.get(next.as_str()) {
            Some(Some(deps)) => stack.extend(deps.iter().cloned()),
            Some(None) => return files.keys().cloned().collect(),
            None => {}
        }
    }
    seen
}

/// Template names a template's tags reference; `None` if one is not a literal.
fn referenced(source: &str) -> Option<Vec<String>> {
    let mut names = Vec::new();
    for tag in source.split("{%").skip(1) {
        let tag = tag.split("%}").next().unwrap_or("");
        let tag = tag.trim_start_matches('-').trim_start();
        let Some(rest) = ["extends", "include", "import"]
            .iter()
            .find_map(|k| tag.strip_prefix(k))
        else {
            continue;
        };
        let rest = rest.trim_start();
        let list = rest
            .strip_prefix('[')
            .map(|r| r.split(']').next().unwrap_or(""));
        let literals = list.unwrap_or(rest);
        let quoted: Vec<String> = literals
            .split(['"', '\''])
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        if quoted.is_empty() {
            return None;
        }
        // `include "a"` names one template; the list form may name several.
        if list.is_some() {
            names.extend(quoted);
        } else {
            names.push(quoted[0].clone());
        }
    }
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extends_include_and_import_are_found() {
        let source = r#"{% extends "base.html" %}{% import "macros.html" as m %}{%- include ["a.html", "b.html"] ignore missing -%}"#;
        assert_eq!(
            referenced(source).unwrap(),
            ["base.html", "macros.html", "a.html", "b.html"]
        );
    }

    #[test]
    fn a_computed_include_depends_on_everything() {
        assert_eq!(referenced("{% include name %}"), None);
    }
}
