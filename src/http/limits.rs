//! Limits that async-graphql does not enforce itself: aliases and root fields. Checked on the
//! parsed document before anything runs, with a message naming the limit and the value.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

use crate::config::LimitsConfig;

/// Most fields a document may expand to once its fragments are spread.
pub const MAX_EXPANDED_FIELDS: usize = 20_000;

/// Why `doc` is refused, if it is.
pub fn check(doc: &ExecutableDocument, limits: &LimitsConfig) -> Option<String> {
    // Fragments that spread each other twice per level double the work with every level: a
    // kilobyte of them expands to billions of fields. Each fragment's size is counted once.
    let mut sizes = HashMap::new();
    let expanded = doc
        .operations
        .iter()
        .map(|(_, op)| expanded_size(&op.node.selection_set.node, doc, &mut sizes, &mut HashSet::new()))
        .fold(0usize, usize::saturating_add);
    if expanded > MAX_EXPANDED_FIELDS {
        return Some(format!(
            "the query expands to {expanded} fields once its fragments are spread; the limit is {MAX_EXPANDED_FIELDS}"
        ));
    }
    let mut aliases = 0;
    let mut seen = HashSet::new();
    for (_, op) in doc.operations.iter() {
        let roots = root_fields(&op.node.selection_set.node, doc, &mut HashSet::new());
        if roots > limits.max_root_fields {
            return Some(format!(
                "the query asks {roots} root fields; the root field limit is {}",
                limits.max_root_fields
            ));
        }
        aliases += count_aliases(&op.node.selection_set.node, doc, &mut seen);
    }
    for (name, fragment) in &doc.fragments {
        if seen.insert(name.to_string()) {
            aliases += count_aliases(&fragment.node.selection_set.node, doc, &mut seen);
        }
    }
    (aliases > limits.max_aliases)
        .then(|| format!("the query uses {aliases} aliases; the alias limit is {}", limits.max_aliases))
}

/// Fields in `set` with every fragment spread where it stands; `sizes` remembers each fragment's,
/// `open` the fragments being counted (a cycle counts nothing; validation refuses it).
fn expanded_size(
    set: &SelectionSet,
    doc: &ExecutableDocument,
    sizes: &mut HashMap<String, usize>,
    open: &mut HashSet<String>,
) -> usize {
    let mut total = 0usize;
    for item in &set.items {
        let n = match &item.node {
            Selection::Field(field) => {
                1usize.saturating_add(expanded_size(&field.node.selection_set.node, doc, sizes, open))
            }
            Selection::InlineFragment(inline) => expanded_size(&inline.node.selection_set.node, doc, sizes, open),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.to_string();
                if let Some(&known) = sizes.get(&name) {
                    known
                } else if let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node)
                    && open.insert(name.clone())
                {
                    let size = expanded_size(&fragment.node.selection_set.node, doc, sizes, open);
                    open.remove(&name);
                    sizes.insert(name, size);
                    size
                } else {
                    0
                }
            }
        };
        total = total.saturating_add(n);
    }
    total
}

/// Aliased fields in `set`, following each fragment once (cycles are refused by validation).
fn count_aliases(set: &SelectionSet, doc: &ExecutableDocument, seen: &mut HashSet<String>) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some()) + count_aliases(&field.node.selection_set.node, doc, seen)
            }
            Selection::InlineFragment(inline) => count_aliases(&inline.node.selection_set.node, doc, seen),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.to_string();
                match doc.fragments.get(&spread.node.fragment_name.node) {
                    Some(fragment) if seen.insert(name) => count_aliases(&fragment.node.selection_set.node, doc, seen),
                    _ => 0,
                }
            }
        })
        .sum()
}

/// Fields at the root of an operation, through fragments.
fn root_fields(set: &SelectionSet, doc: &ExecutableDocument, seen: &mut HashSet<String>) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(inline) => root_fields(&inline.node.selection_set.node, doc, seen),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.to_string();
                match doc.fragments.get(&spread.node.fragment_name.node) {
                    Some(fragment) if seen.insert(name) => root_fields(&fragment.node.selection_set.node, doc, seen),
                    _ => 0,
                }
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(query: &str) -> Option<String> {
        let doc = async_graphql::parser::parse_query(query).expect("valid");
        check(&doc, &LimitsConfig::default())
    }

    #[test]
    fn aliases_are_counted_through_fragments() {
        let many: String = (0..101).map(|i| format!("a{i}: __typename ")).collect();
        assert!(
            refusal(&format!("{{ brands {{ nodes {{ {many} }} }} }}"))
                .is_some_and(|m| m.contains("alias limit is 100"))
        );
        let via_fragment = format!("{{ ...F }} fragment F on Query {{ {many} }}");
        assert!(refusal(&via_fragment).is_some());
        assert_eq!(refusal("{ a: brands { totalCount } b: sellers { totalCount } }"), None);
    }

    #[test]
    fn fragment_bombs_are_refused_without_expanding_them() {
        let mut query = String::from("{ ...F30 } fragment F0 on Query { __typename }");
        for level in 1..=30 {
            query.push_str(&format!(" fragment F{level} on Query {{ ...F{prev} ...F{prev} }}", prev = level - 1));
        }
        let started = std::time::Instant::now();
        assert!(refusal(&query).is_some_and(|m| m.contains("expands to")));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn root_fields_are_bounded() {
        let many: String = (0..31).map(|i| format!("f{i}: __typename ")).collect();
        assert!(refusal(&format!("{{ {many} }}")).is_some_and(|m| m.contains("root field limit is 30")));
    }
}
