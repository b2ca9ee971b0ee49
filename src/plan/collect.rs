//! Collecting a selection's fields as the GraphQL specification does (CollectFields): fragments,
//! `@skip` and `@include`, fields of one response key merged; anything outside what the planner
//! answers gives the document back.

use std::collections::HashMap;

use async_graphql_value::ConstValue;

use super::*;

impl<'d> Builder<'d> {
    /// CollectFields of the GraphQL specification over `sets` (selections merged under one key)
    /// for an object of type `ty`; `None` for anything outside what the planner answers.
    pub(super) fn collect(&self, sets: &[&'d SelectionSet], ty: &str, node: bool) -> Option<Vec<(&'d str, Group<'d>)>> {
        let mut out: Vec<(&'d str, Group<'d>)> = Vec::new();
        // Each key's place in `out`, and the fragments spread so far: a set of n keys costs n
        // look-ups, not n²/2 comparisons (issue 28).
        let mut index: HashMap<&'d str, usize> = HashMap::new();
        let mut visited = HashSet::new();
        for set in sets {
            self.collect_into(set, ty, node, &mut out, &mut index, &mut visited)?;
        }
        Some(out)
    }

    pub(super) fn collect_into(
        &self,
        set: &'d SelectionSet,
        ty: &str,
        node: bool,
        out: &mut Vec<(&'d str, Group<'d>)>,
        index: &mut HashMap<&'d str, usize>,
        visited: &mut HashSet<&'d str>,
    ) -> Option<()> {
        for item in &set.items {
            match &item.node {
                AstSelection::Field(field) => {
                    let field = &field.node;
                    if !self.included(&field.directives)? {
                        continue;
                    }
                    let key = field.alias.as_ref().map_or(field.name.node.as_str(), |a| a.node.as_str());
                    if key == KEEPER {
                        continue;
                    }
                    match index.entry(key) {
                        Entry::Occupied(at) => out[*at.get()].1.push(field),
                        Entry::Vacant(at) => {
                            at.insert(out.len());
                            out.push((key, vec![field]));
                        }
                    }
                }
                AstSelection::FragmentSpread(spread) => {
                    let spread = &spread.node;
                    if !self.included(&spread.directives)? {
                        continue;
                    }
                    let name = spread.fragment_name.node.as_str();
                    if !visited.insert(name) {
                        continue;
                    }
                    let fragment = &self.doc.fragments.get(&spread.fragment_name.node)?.node;
                    if !applies(fragment.type_condition.node.on.node.as_str(), ty, node)? {
                        continue;
                    }
                    self.collect_into(&fragment.selection_set.node, ty, node, out, index, visited)?;
                }
                AstSelection::InlineFragment(inline) => {
                    let inline = &inline.node;
                    if !self.included(&inline.directives)? {
                        continue;
                    }
                    if let Some(condition) = &inline.type_condition
                        && !applies(condition.node.on.node.as_str(), ty, node)?
                    {
                        continue;
                    }
                    self.collect_into(&inline.selection_set.node, ty, node, out, index, visited)?;
                }
            }
        }
        Some(())
    }

    /// Whether `@skip` and `@include` keep a selection; `None` for any other directive.
    pub(super) fn included(&self, directives: &[Positioned<async_graphql::parser::types::Directive>]) -> Option<bool> {
        let mut keep = true;
        for directive in directives {
            let directive = &directive.node;
            let condition = match directive.get_argument("if") {
                Some(value) => self.constant(&value.node)?,
                None => return None,
            };
            let ConstValue::Boolean(condition) = condition else { return None };
            match directive.name.node.as_str() {
                "skip" => keep &= !condition,
                "include" => keep &= condition,
                _ => return None,
            }
        }
        Some(keep)
    }
}

/// Whether a fragment on `condition` applies to an object of type `ty` (`node`: one that
/// implements `Node`); `None` for a condition the planner does not know.
fn applies(condition: &str, ty: &str, node: bool) -> Option<bool> {
    if condition == ty || (node && condition == "Node") {
        Some(true)
    } else if schema::is_object_type(condition) {
        // Validation refuses a fragment on an object type that can never apply here; this only
        // happens inside abstract selections, which the planner leaves alone anyway.
        Some(false)
    } else {
        None
    }
}
