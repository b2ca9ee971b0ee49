//! Limits that async-graphql does not enforce itself: aliases and root fields. Checked on the
//! parsed document before anything runs, with a message naming the limit and the value.

use std::collections::HashSet;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

use crate::config::LimitsConfig;

/// Why `doc` is refused, if it is.
pub fn check(doc: &ExecutableDocument, limits: &LimitsConfig) -> Option<String> {
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
    fn root_fields_are_bounded() {
        let many: String = (0..31).map(|i| format!("f{i}: __typename ")).collect();
        assert!(refusal(&format!("{{ {many} }}")).is_some_and(|m| m.contains("root field limit is 30")));
    }
}
