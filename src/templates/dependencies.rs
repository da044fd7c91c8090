//! Which templates each template depends on (`extends`, `include`, and every template
//! that defines a component, since Tera 2 components are called by name from anywhere),
//! so that `vellum serve` re-renders only the pages a template edit can affect.

use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};

use super::TemplateFile;

/// For every template, a hash of its source and of all templates it reaches, and which
/// of the shared variables they name.
pub(super) fn hashes(files: &HashMap<String, TemplateFile>) -> HashMap<String, (u64, Names)> {
    let mut definers: Vec<String> = files
        .iter()
        .filter(|(_, file)| defines_components(&file.source))
        .map(|(name, _)| name.clone())
        .collect();
    definers.sort_unstable();
    let direct: HashMap<&str, Option<Vec<String>>> = files
        .iter()
        .map(|(name, file)| {
            let deps = referenced(&file.source).map(|mut deps| {
                deps.extend(definers.iter().cloned());
                deps
            });
            (name.as_str(), deps)
        })
        .collect();
    files
        .keys()
        .map(|name| {
            let reached = reach(name, &direct, files);
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            let mut names = Names::default();
            for dep in &reached {
                dep.hash(&mut hasher);
                let source = files.get(dep.as_str()).map(|f| &*f.source);
                source.hash(&mut hasher);
                names.policies |= source.is_some_and(|s| names_variable(s, "policies"));
            }
            (name.clone(), (hasher.finish(), names))
        })
        .collect()
}

/// Which of the variables every template is given a template (with all it reaches)
/// names, and so may read.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Names {
    /// `policies`, which changes whenever a version is added: a page whose templates
    /// never name it does not depend on it.
    pub policies: bool,
}

/// Whether `source` names the variable `name` (as a whole word), or dumps every
/// variable (`__tera_context`). Tera reaches a variable of the context only by its name,
/// so a template that never writes it cannot read it.
fn names_variable(source: &str, name: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    source.contains("__tera_context")
        || source.match_indices(name).any(|(at, _)| {
            let before = source[..at].chars().next_back();
            let after = source[at + name.len()..].chars().next();
            !before.is_some_and(is_word) && !after.is_some_and(is_word)
        })
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

/// A chain of `include`s that leads back to where it started (`a.html`, `b.html`,
/// `a.html`), with the byte offset of the first template's include tag. Tera would
/// recurse through it until the stack overflowed and the process aborted. One
/// depth-first search over all templates: linear in templates and includes.
pub(super) fn include_cycle(files: &HashMap<String, TemplateFile>) -> Option<(Vec<String>, usize)> {
    let includes: HashMap<&str, Vec<(String, usize)>> = files
        .iter()
        .map(|(name, file)| (name.as_str(), tagged(&file.source, &["include"]).0))
        .collect();
    let mut names: Vec<&str> = includes.keys().copied().collect();
    names.sort_unstable();
    // 1: on the current path, 2: finished.
    let mut state: HashMap<&str, u8> = HashMap::new();
    for start in names {
        if state.contains_key(start) {
            continue;
        }
        // (template, index of its next include to follow); the path is the stack.
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        state.insert(start, 1);
        while let Some((name, next)) = stack.last_mut() {
            let edges = &includes[*name];
            let Some((target, _)) = edges.get(*next) else {
                state.insert(*name, 2);
                stack.pop();
                continue;
            };
            *next += 1;
            let Some((target, _)) = includes.get_key_value(target.as_str()) else {
                continue;
            };
            match state.get(target) {
                Some(1) => {
                    let from = stack.iter().position(|(n, _)| n == target).unwrap_or(0);
                    let mut path: Vec<String> =
                        stack[from..].iter().map(|(n, _)| n.to_string()).collect();
                    path.push(target.to_string());
                    let (first, taken) = stack[from];
                    let at = includes[first][taken - 1].1;
                    return Some((path, at));
                }
                Some(_) => {}
                None => {
                    state.insert(target, 1);
                    stack.push((target, 0));
                }
            }
        }
    }
    None
}

/// Whether a template defines a component (`{% component name(...) %}`).
fn defines_components(source: &str) -> bool {
    super::nesting::without_comments(source)
        .split("{%")
        .skip(1)
        .any(|tag| {
            tag.trim_start_matches('-')
                .trim_start()
                .strip_prefix("component")
                .is_some_and(|rest| rest.starts_with(char::is_whitespace))
        })
}

/// Template names a template's tags reference; `None` if one is not a literal.
fn referenced(source: &str) -> Option<Vec<String>> {
    let (found, computed) = tagged(source, &["extends", "include"]);
    (!computed).then(|| found.into_iter().map(|(name, _)| name).collect())
}

/// The literal template names that tags starting with one of `keywords` reference, with
/// each tag's byte offset, and whether any such tag names one through a variable.
fn tagged(source: &str, keywords: &[&str]) -> (Vec<(String, usize)>, bool) {
    let source = &super::nesting::without_comments(source);
    let mut names = Vec::new();
    let mut computed = false;
    let mut offset = 0;
    for tag in source.split("{%") {
        let at = offset;
        offset += tag.len() + 2;
        if at == 0 && !source.starts_with("{%") {
            continue;
        }
        let at = at.saturating_sub(2);
        let tag = tag.split("%}").next().unwrap_or("");
        let tag = tag.trim_start_matches('-').trim_start();
        let Some(rest) = keywords.iter().find_map(|k| tag.strip_prefix(k)) else {
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
            computed = true;
            continue;
        }
        // `include "a"` names one template; the list form may name several.
        if list.is_some() {
            names.extend(quoted.into_iter().map(|name| (name, at)));
        } else {
            names.push((quoted[0].clone(), at));
        }
    }
    (names, computed)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_variable_is_named_only_as_a_whole_word() {
        use super::names_variable;
        assert!(names_variable("{% for p in policies %}", "policies"));
        assert!(names_variable("{{ policies | length }}", "policies"));
        assert!(!names_variable("{% for p in get_policies() %}", "policies"));
        assert!(!names_variable("{{ my_policies }}", "policies"));
        assert!(names_variable("{{ __tera_context }}", "policies"));
    }

    use super::*;

    #[test]
    fn extends_and_include_are_found() {
        let source = r#"{% extends "base.html" %}{%- include "a.html" -%}{% include 'b.html' %}"#;
        assert_eq!(
            referenced(source).unwrap(),
            ["base.html", "a.html", "b.html"]
        );
    }

    #[test]
    fn component_definitions_are_found() {
        assert!(defines_components(
            "{% component date(value) %}{{ value }}{% endcomponent date %}"
        ));
        assert!(!defines_components(
            "{{ <date value=\"x\" /> }}{# {% component x() %} #}"
        ));
    }

    #[test]
    fn an_include_cycle_is_found_with_its_first_tag() {
        let file = |source: &str| TemplateFile {
            display_path: "x".into(),
            source: source.into(),
        };
        let mut files = HashMap::new();
        files.insert("a.html".to_string(), file("x {% include \"b.html\" %}"));
        files.insert("b.html".to_string(), file("{% include \"c.html\" %}"));
        files.insert("c.html".to_string(), file("{% include \"a.html\" %}"));
        let (path, at) = include_cycle(&files).unwrap();
        assert_eq!(path, ["a.html", "b.html", "c.html", "a.html"]);
        assert_eq!(at, 2);
        files.insert("c.html".to_string(), file("done"));
        assert_eq!(include_cycle(&files), None);
        files.insert(
            "c.html".to_string(),
            file("{# {% include \"a.html\" %} #}{% raw %}{% include \"a.html\" %}{% endraw %}"),
        );
        assert_eq!(include_cycle(&files), None);
        let chain: HashMap<String, TemplateFile> = (0..3000)
            .map(|i| {
                (
                    format!("t{i}.html"),
                    file(&format!("{{% include \"t{}.html\" %}}", i + 1)),
                )
            })
            .collect();
        assert_eq!(include_cycle(&chain), None);
    }

    #[test]
    fn a_computed_include_depends_on_everything() {
        assert_eq!(referenced("{% include name %}"), None);
    }
}
