//! Limits that async-graphql does not enforce itself, checked on the parsed document before
//! anything else walks it: unknown fragments, fragment cycles, the size of the document once its
//! fragments are spread, aliases and root fields. Messages name the limit and the value.
//!
//! async-graphql's own checks (recursion depth, complexity and depth visitors) follow every spread
//! path, and its validation visits every fragment definition with its spreads inlined: a kilobyte
//! of fragments that spread each other three times per level is billions of paths, and a spread
//! of an undefined fragment is only reported after all of them were walked. So this module
//! refuses such documents first, in time linear in the document: each fragment is measured once,
//! in dependency order, with no recursion along fragment chains.

use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

use crate::config::LimitsConfig;

/// Most fields a document may expand to once its fragments are spread, over all its operations
/// and fragment definitions (async-graphql's validation walks each of them with spreads inlined).
pub const MAX_EXPANDED_FIELDS: usize = 20_000;

/// Deepest nesting of `{`, `(` and `[` a document may have (async-graphql's parser stops at 64
/// nested selection sets; a query deeper than the depth limit is refused anyway).
pub const MAX_NESTING: usize = 64;

/// Most tokens that name something (fields, arguments, types, enum values …) plus fragment
/// spreads a document may hold: as many as the fields it may expand to. Parsing costs about
/// 3.5 µs per such token on this project's 2-core machine (release build), so this bounds a
/// parse to about 70 ms whatever the shape of the document.
pub const MAX_TOKENS: usize = MAX_EXPANDED_FIELDS;

/// Longest string literal in a document; larger values belong in `variables`.
pub const MAX_STRING: usize = 64 * 1024;

/// Why the text of a document is refused before it is parsed, if it is: one pass over its bytes
/// that bounds what the parser will have to build (spreads, names, nesting, string literals),
/// because parsing a megabyte of small tokens costs far more than refusing it.
pub fn prescan(query: &str) -> Option<String> {
    let bytes = query.as_bytes();
    let (mut at, mut depth, mut deepest, mut names, mut spreads) = (0usize, 0usize, 0usize, 0usize, 0usize);
    while at < bytes.len() {
        match bytes[at] {
            b'#' => {
                while at < bytes.len() && bytes[at] != b'\n' && bytes[at] != b'\r' {
                    at += 1;
                }
            }
            b'"' => {
                let start = at;
                at = if bytes[at..].starts_with(b"\"\"\"") {
                    block_string_end(bytes, at + 3)
                } else {
                    string_end(bytes, at + 1)
                };
                if at - start > MAX_STRING {
                    return Some(format!(
                        "a string literal of the query is {} bytes; the limit is {MAX_STRING}: pass large values as variables",
                        at - start
                    ));
                }
                continue;
            }
            b'{' | b'(' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
                if deepest > MAX_NESTING {
                    return Some(format!("the query nests deeper than the nesting limit of {MAX_NESTING}"));
                }
            }
            b'}' | b')' | b']' => depth = depth.saturating_sub(1),
            b'.' if bytes[at..].starts_with(b"...") => {
                spreads += 1;
                at += 3;
                continue;
            }
            b'_' | b'A'..=b'Z' | b'a'..=b'z' => {
                names += 1;
                while at < bytes.len() && matches!(bytes[at], b'_' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z') {
                    at += 1;
                }
                continue;
            }
            b'-' | b'0'..=b'9' => {
                // A number, exponent and all: its letters are not names.
                while at < bytes.len()
                    && matches!(bytes[at], b'-' | b'+' | b'.' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z')
                {
                    at += 1;
                }
                continue;
            }
            _ => {}
        }
        at += 1;
    }
    let tokens = names.saturating_add(spreads);
    (tokens > MAX_TOKENS).then(|| {
        format!("the query has {tokens} names and fragment spreads ({spreads} spreads); the limit is {MAX_TOKENS}")
    })
}

/// The index after the `"` that ends a string whose text starts at `at`.
fn string_end(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b'"' => return at + 1,
            _ => at += 1,
        }
    }
    bytes.len()
}

/// The index after the `"""` that ends a block string whose text starts at `at`.
fn block_string_end(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() {
        if bytes[at..].starts_with(b"\\\"\"\"") {
            at += 4;
        } else if bytes[at..].starts_with(b"\"\"\"") {
            return at + 3;
        } else {
            at += 1;
        }
    }
    bytes.len()
}

/// What a selection set costs once its spreads are inlined. Saturating: a bomb's counts are
/// astronomically large, and only "over the limit" matters.
#[derive(Debug, Clone, Copy, Default)]
struct Cost {
    /// Fields and spreads, each spread counted as one more than what it inlines.
    expanded: usize,
    /// Aliased fields, counted at every place a fragment is spread.
    aliases: usize,
    /// Fields at the top of the set, through spreads and inline fragments.
    top: usize,
}

impl Cost {
    fn add(&mut self, other: Cost) {
        self.expanded = self.expanded.saturating_add(other.expanded);
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.top = self.top.saturating_add(other.top);
    }
}

/// Why `doc` is refused, if it is.
pub fn check(doc: &ExecutableDocument, limits: &LimitsConfig) -> Option<String> {
    let order = match fragment_order(doc) {
        Ok(order) => order,
        Err(refusal) => return Some(refusal),
    };
    // Every spread target is defined and the spreads form no cycle: measure each fragment once,
    // those it spreads first.
    let mut costs: HashMap<&str, Cost> = HashMap::with_capacity(order.len());
    let mut expanded = 0usize;
    for name in order {
        let Some(fragment) = doc.fragments.get(name) else { continue };
        let cost = cost_of(&fragment.node.selection_set.node, &costs);
        expanded = expanded.saturating_add(cost.expanded);
        costs.insert(name, cost);
    }
    let mut aliases = 0usize;
    let mut operations = Vec::new();
    for (_, op) in doc.operations.iter() {
        let cost = cost_of(&op.node.selection_set.node, &costs);
        expanded = expanded.saturating_add(cost.expanded);
        aliases = aliases.saturating_add(cost.aliases);
        operations.push(cost);
    }
    if expanded > MAX_EXPANDED_FIELDS {
        return Some(format!(
            "the query expands to {expanded} fields once its fragments are spread; the limit is {MAX_EXPANDED_FIELDS}"
        ));
    }
    if let Some(roots) = operations.iter().map(|c| c.top).max()
        && roots > limits.max_root_fields
    {
        return Some(format!("the query asks {roots} root fields; the root field limit is {}", limits.max_root_fields));
    }
    (aliases > limits.max_aliases)
        .then(|| format!("the query uses {aliases} aliases; the alias limit is {}", limits.max_aliases))
}

/// The fragments in an order where each comes after every fragment it spreads; refuses a spread
/// of an undefined fragment and a cycle of spreads, with async-graphql's own messages.
fn fragment_order(doc: &ExecutableDocument) -> Result<Vec<&str>, String> {
    let mut spreads: HashMap<&str, Vec<&str>> = HashMap::with_capacity(doc.fragments.len());
    for (name, fragment) in &doc.fragments {
        let mut names = Vec::new();
        spreads_in(&fragment.node.selection_set.node, &mut names);
        spreads.insert(name.as_str(), names);
    }
    let mut in_operations = Vec::new();
    for (_, op) in doc.operations.iter() {
        spreads_in(&op.node.selection_set.node, &mut in_operations);
    }
    for name in spreads.values().flatten().chain(&in_operations) {
        if !spreads.contains_key(name) {
            return Err(format!(r#"Unknown fragment "{name}"."#));
        }
    }
    // Depth-first post-order with an explicit stack, so a long chain of fragments cannot
    // overflow the thread's stack.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    let mut marks: HashMap<&str, Mark> = HashMap::with_capacity(spreads.len());
    let mut order = Vec::with_capacity(spreads.len());
    let mut roots: Vec<&str> = spreads.keys().copied().collect();
    roots.sort_unstable(); // a stable message for a document with several cycles
    for root in roots {
        if marks.contains_key(root) {
            continue;
        }
        let mut stack: Vec<(&str, usize)> = vec![(root, 0)];
        marks.insert(root, Mark::Open);
        while let Some((name, next)) = stack.last_mut() {
            let children = &spreads[*name];
            if let Some(&child) = children.get(*next) {
                *next += 1;
                match marks.get(child) {
                    Some(Mark::Open) => return Err(format!(r#"Cannot spread fragment "{child}" within itself."#)),
                    Some(Mark::Done) => {}
                    None => {
                        marks.insert(child, Mark::Open);
                        stack.push((child, 0));
                    }
                }
            } else {
                marks.insert(name, Mark::Done);
                order.push(*name);
                stack.pop();
            }
        }
    }
    Ok(order)
}

/// The names of the fragments spread in `set`, once per spread, without following them.
fn spreads_in<'a>(set: &'a SelectionSet, out: &mut Vec<&'a str>) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => spreads_in(&field.node.selection_set.node, out),
            Selection::InlineFragment(inline) => spreads_in(&inline.node.selection_set.node, out),
            Selection::FragmentSpread(spread) => out.push(spread.node.fragment_name.node.as_str()),
        }
    }
}

/// The cost of `set`, with the fragments it spreads already measured in `fragments`.
fn cost_of(set: &SelectionSet, fragments: &HashMap<&str, Cost>) -> Cost {
    let mut total = Cost::default();
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                let inner = cost_of(&field.node.selection_set.node, fragments);
                total.add(Cost {
                    expanded: inner.expanded.saturating_add(1),
                    aliases: inner.aliases.saturating_add(usize::from(field.node.alias.is_some())),
                    top: 1,
                });
            }
            Selection::InlineFragment(inline) => {
                let inner = cost_of(&inline.node.selection_set.node, fragments);
                total.add(Cost { expanded: inner.expanded.saturating_add(1), ..inner });
            }
            Selection::FragmentSpread(spread) => {
                // Defined, and measured before anything that spreads it (see `fragment_order`).
                let inner = fragments.get(spread.node.fragment_name.node.as_str()).copied().unwrap_or_default();
                total.add(Cost { expanded: inner.expanded.saturating_add(1), ..inner });
            }
        }
    }
    total
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
    fn aliases_count_at_every_spread_of_a_fragment() {
        let forty: String = (0..40).map(|i| format!("a{i}: __typename ")).collect();
        let twice = format!("{{ brands {{ nodes {{ ...F ...F }} }} }} fragment F on Brand {{ {forty} }}");
        assert_eq!(refusal(&twice), None, "80 aliases");
        let thrice = format!("{{ brands {{ nodes {{ ...F ...F ...F }} }} }} fragment F on Brand {{ {forty} }}");
        assert!(refusal(&thrice).is_some_and(|m| m.contains("120 aliases")), "{:?}", refusal(&thrice));
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

    /// `{ ...F24 }` where F0 spreads an undefined fragment and each level spreads the one below
    /// three times.
    fn undefined_leaf_bomb() -> String {
        let mut query = String::from("{ ...F24 } fragment F0 on Query { ...Nope }");
        for level in 1..=24 {
            query.push_str(&format!(" fragment F{level} on Query {{ ...F{p} ...F{p} ...F{p} }}", p = level - 1));
        }
        query
    }

    #[test]
    fn a_spread_of_an_undefined_fragment_is_refused_first() {
        assert_eq!(refusal(&undefined_leaf_bomb()).as_deref(), Some(r#"Unknown fragment "Nope"."#));
        assert_eq!(refusal("{ ...Nope }").as_deref(), Some(r#"Unknown fragment "Nope"."#));
        assert!(refusal("{ brands { nodes { ...B } } }").is_some_and(|m| m.contains("Unknown fragment")));
    }

    #[test]
    fn fragment_cycles_are_refused() {
        assert!(refusal("{ ...A } fragment A on Query { ...A }").is_some_and(|m| m.contains("within itself")));
        let three = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...C } fragment C on Query { ...A }";
        assert!(refusal(three).is_some_and(|m| m.contains("within itself")));
    }

    #[test]
    fn an_unused_fragment_bomb_counts_too() {
        // async-graphql's validation walks every fragment definition with its spreads inlined.
        let mut query = String::from("{ __typename } fragment F0 on Query { __typename }");
        for level in 1..=30 {
            query.push_str(&format!(" fragment F{level} on Query {{ ...F{p} ...F{p} }}", p = level - 1));
        }
        assert!(refusal(&query).is_some_and(|m| m.contains("expands to")));
    }

    #[test]
    fn a_long_chain_of_fragments_neither_recurses_nor_passes() {
        let mut query = String::from("{ ...F5000 } fragment F0 on Query { __typename }");
        for level in 1..=5000 {
            query.push_str(&format!(" fragment F{level} on Query {{ ...F{p} }}", p = level - 1));
        }
        let refused = refusal(&query).expect("refused");
        assert!(refused.contains("expands to"), "{refused}");
    }

    #[test]
    fn prescan_bounds_spreads_names_nesting_and_strings() {
        let spreads = format!("{{ {}}} fragment F on Query {{ __typename }}", "...F ".repeat(20_001));
        assert!(prescan(&spreads).is_some_and(|m| m.contains("20001 spreads")), "{:?}", prescan(&spreads));
        let deep = format!("{}{}", "{a".repeat(65), "}".repeat(65));
        assert!(prescan(&deep).is_some_and(|m| m.contains("nesting limit of 64")));
        let list = format!("{{ a(x: {}1{}) }}", "[".repeat(100), "]".repeat(100));
        assert!(prescan(&list).is_some());
        let names = format!("{{ {} }}", "a ".repeat(MAX_TOKENS + 1));
        assert!(prescan(&names).is_some_and(|m| m.contains("20001 names")), "{:?}", prescan(&names));
        let mixed = format!("{{ {} {} }} fragment F on Query {{ a }}", "a ".repeat(10_000), "...F ".repeat(10_000));
        assert!(prescan(&mixed).is_some(), "names and spreads count together");
        let long = format!("{{ a(x: \"{}\") }}", "x".repeat(MAX_STRING));
        assert!(prescan(&long).is_some_and(|m| m.contains("string literal")));
        // Names, braces and dots inside strings and comments do not count; numbers are no names.
        let hidden = format!(
            "{{ a(x: \"{{{{{{ ... \\\" abc\", y: \"\"\"{} \\\"\"\" ...\"\"\", z: 1.5e10) }} # {}\n",
            "{[(".repeat(100),
            "{ ... a".repeat(100)
        );
        assert_eq!(prescan(&hidden), None, "{hidden}");
        let dashboard = include_str!("../../bench/queries/dashboard.graphql");
        assert_eq!(prescan(dashboard), None);
    }

    #[test]
    fn root_fields_are_bounded() {
        let many: String = (0..31).map(|i| format!("f{i}: __typename ")).collect();
        assert!(refusal(&format!("{{ {many} }}")).is_some_and(|m| m.contains("root field limit is 30")));
        let twenty: String = (0..20).map(|i| format!("f{i}: __typename ")).collect();
        let spread_twice = format!("{{ ...R ...R }} fragment R on Query {{ {twenty} }}");
        assert!(refusal(&spread_twice).is_some_and(|m| m.contains("40 root fields")), "{:?}", refusal(&spread_twice));
    }
}
