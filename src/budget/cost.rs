//! What an answer cost (`extensions.cost.actual`): the complexity model that prices a request
//! before it runs (`requested`), counted on the answer instead of the document.
//!
//! The model (async-graphql's complexity, with the schema's own `complexity` attributes): a field
//! costs 1 plus its selection, `__typename` nothing, a connection its page size times its
//! selection (`pagination::cost`), `Seller.network` `NETWORK_COST` plus `MAX_MEMBERS` times its
//! selection, and a list its selection once. Counted on the answer:
//!
//! - a connection costs, for each row it returned (at least one), its selection with its lists
//!   (`edges`, `nodes`) holding that row alone: asked with `first: 100`, three rows cost as
//!   `first: 3`, and a connection asked only for `totalCount` or `pageInfo` costs as one row;
//! - a list costs its costliest element's selection once, as in the model;
//! - a field the answer does not hold (its type condition did not apply, `@skip`, a failure)
//!   costs nothing, and one answered `null` costs what the model gives it with nothing selected
//!   (1 for a field, nothing for a connection, the walk for `Seller.network`);
//! - the fields of one response key count once, merged as the answer merges them.
//!
//! So an answer whose every page is full costs what was requested, and any other costs less.
//! Which fields are which is read from the schema: a connection is a field with a `complexity`
//! of its own whose type is an `XConnection` (`pagination`), `Seller.network` the one of type
//! `OffenderNetwork`; another field priced its own way would make an answer cost what was
//! requested, until this model learns it.
//! The general executor's answer is counted here from its `Value` tree; the planned executor
//! counts as it writes (`plan::run`), with `connection` and `network` below.

use std::cell::RefCell;
use std::rc::Rc;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{
    ExecutableDocument, Field, OperationDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::registry::{MetaTypeName, Registry};
use async_graphql::{Name, Value};
use rustc_hash::FxHashMap;

use crate::analytics::service::{MAX_MEMBERS, NETWORK_COST};

/// What a field costs before its selection (a scalar, an object, a list).
pub const FIELD: u64 = 1;

/// The object type of `Seller.network`, whose cost is `network`.
const NETWORK: &str = "OffenderNetwork";

/// Most fields of a selection whose answer is matched to it by scanning rather than hashing.
const SCANNED: usize = 8;

/// A connection that returned `rows` rows: `per_row` is what each row repeats (1 per list field,
/// and the fields beside the lists: `pageInfo`, `totalCount`), `of_rows` the lists' elements,
/// summed over the rows.
pub fn connection(rows: usize, per_row: u64, of_rows: u64) -> u64 {
    (rows.max(1) as u64).saturating_mul(per_row).saturating_add(of_rows)
}

/// `Seller.network` whose answer's fields cost `selection`: its walk runs whatever it finds.
pub fn network(selection: u64) -> u64 {
    (NETWORK_COST as u64).saturating_add((MAX_MEMBERS as u64).saturating_mul(selection))
}

/// The cost of `data`, the answer of `op` (an operation of `doc`), whose objects name their
/// type under the key `type_key` where the document asks it (`http::nulls::keep_objects`; an
/// object without it is taken to be of its field's type, and every fragment applies to an
/// abstract one). `None` when the answer holds a field whose cost this model does not know.
pub fn of_answer(
    registry: &Registry,
    doc: &ExecutableDocument,
    op: &OperationDefinition,
    data: &Value,
    type_key: &str,
) -> Option<u64> {
    let Value::Object(root) = data else { return Some(0) };
    let answer = Answer { registry, doc, type_key, selected: RefCell::default() };
    let root_type = match op.ty {
        OperationType::Query => Some(registry.query_type.as_str()),
        OperationType::Mutation => registry.mutation_type.as_deref(),
        OperationType::Subscription => registry.subscription_type.as_deref(),
    };
    let ty = answer.known(root_type);
    let fields = answer.resolve(answer.collect(std::iter::once(&op.selection_set.node), ty), ty);
    answer.fields(&fields, root)
}

/// An answer's document and schema, and the selections resolved so far.
struct Answer<'a> {
    registry: &'a Registry,
    doc: &'a ExecutableDocument,
    type_key: &'a str,
    /// The fields each merged field selects, per type of its object: the rows of a page share
    /// them, so they are collected and looked up in the schema once, not once per row.
    selected: RefCell<FxHashMap<AskedOf, Rc<Vec<Asked<'a>>>>>,
}

/// A merged field (where its fields are, and how many) and a type of the schema (where its
/// name is in the registry).
type AskedOf = (usize, usize, usize);

/// The fields of one response key, as merged.
type Group<'d> = (&'d str, Vec<&'d Field>);

/// How the model prices a field.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// `__typename`: nothing.
    Typename,
    /// 1 plus its selection.
    Plain,
    /// By the rows it returned (`connection`).
    Connection,
    /// `Seller.network` (`network`).
    Network,
    /// A field the schema prices in a way this model does not know.
    Unknown,
}

/// One response key of an object's selection: its merged fields, their type and rule.
struct Asked<'a> {
    key: &'a str,
    fields: Vec<&'a Field>,
    ty: Option<&'a str>,
    rule: Rule,
}

impl<'a> Answer<'a> {
    /// `name` as the registry spells it, if it is a type of the schema.
    fn known(&self, name: Option<&str>) -> Option<&'a str> {
        self.registry.types.get_key_value(name?).map(|(name, _)| name.as_str())
    }

    /// The type an object names, else `declared`.
    fn type_of(&self, value: &IndexMap<Name, Value>, declared: Option<&'a str>) -> Option<&'a str> {
        match value.get(self.type_key) {
            Some(Value::String(name)) if Some(name.as_str()) != declared => {
                self.known(Some(name.as_str())).or(declared)
            }
            _ => declared,
        }
    }

    /// Each merged field of `groups` (of an object of type `parent`) with its type and rule.
    fn resolve(&self, groups: Vec<Group<'a>>, parent: Option<&'a str>) -> Vec<Asked<'a>> {
        let object = parent.and_then(|p| self.registry.types.get(p));
        groups
            .into_iter()
            .map(|(key, fields)| {
                let name = fields.first().map_or("", |f| f.name.node.as_str());
                let meta = object.and_then(|t| t.field_by_name(name));
                let ty = meta.and_then(|f| self.known(Some(MetaTypeName::concrete_typename(&f.ty))));
                let rule = match (name, meta.is_some_and(|f| f.compute_complexity.is_some()), ty) {
                    ("__typename", ..) => Rule::Typename,
                    (_, false, _) => Rule::Plain,
                    (_, true, Some(t)) if t.ends_with("Connection") => Rule::Connection,
                    (_, true, Some(NETWORK)) => Rule::Network,
                    (_, true, _) => Rule::Unknown,
                };
                Asked { key, fields, ty, rule }
            })
            .collect()
    }

    /// What `fields` select of an object of type `ty`.
    fn selected(&self, fields: &[&'a Field], ty: Option<&'a str>) -> Rc<Vec<Asked<'a>>> {
        let key = (fields.as_ptr() as usize, fields.len(), ty.map_or(0, |t| t.as_ptr() as usize));
        if let Some(selection) = self.selected.borrow().get(&key) {
            return selection.clone();
        }
        let groups = self.collect(fields.iter().map(|f| &f.selection_set.node), ty);
        let selection = Rc::new(self.resolve(groups, ty));
        self.selected.borrow_mut().insert(key, selection.clone());
        selection
    }

    /// An object's fields: those `fields` select.
    fn object(&self, declared: Option<&'a str>, fields: &[&'a Field], value: &IndexMap<Name, Value>) -> Option<u64> {
        let ty = self.type_of(value, declared);
        self.fields(&self.selected(fields, ty), value)
    }

    /// The fields `selection` of an object, answered `value` (whose keys are the selection's
    /// own, each once: a field the answer left out costs nothing).
    fn fields(&self, selection: &[Asked<'a>], value: &IndexMap<Name, Value>) -> Option<u64> {
        let mut total = 0u64;
        for (field, v) in Self::answered(selection, value) {
            total = total.saturating_add(self.field(field, v)?);
        }
        Some(total)
    }

    /// Each field of `selection` that `value` holds, with its value: found by a scan of the few
    /// keys of a usual selection, by hashing for a long one (aliases).
    fn answered<'s, 'v>(
        selection: &'s [Asked<'a>],
        value: &'v IndexMap<Name, Value>,
    ) -> impl Iterator<Item = (&'s Asked<'a>, &'v Value)> {
        let short = selection.len() <= SCANNED;
        let scanned = value
            .iter()
            .filter(move |_| short)
            .filter_map(move |(key, v)| Some((selection.iter().find(|f| f.key == key.as_str())?, v)));
        let hashed = selection.iter().filter(move |_| !short).filter_map(move |f| Some((f, value.get(f.key)?)));
        scanned.chain(hashed)
    }

    /// One response key, answered `value`.
    fn field(&self, field: &Asked<'a>, value: &Value) -> Option<u64> {
        match (field.rule, value) {
            (Rule::Typename, _) => Some(0),
            (Rule::Plain, _) => Some(FIELD.saturating_add(self.element(field.ty, &field.fields, value)?)),
            (Rule::Connection, Value::Object(object)) => self.connection(field.ty, &field.fields, object),
            (Rule::Connection, _) => Some(0),
            (Rule::Network, Value::Object(object)) => Some(network(self.object(field.ty, &field.fields, object)?)),
            (Rule::Network, _) => Some(network(0)),
            // The caller falls back to the requested cost.
            (Rule::Unknown, _) => None,
        }
    }

    /// One element of a field's value: an object its fields, a list its costliest element, a
    /// scalar or null nothing more.
    fn element(&self, ty: Option<&'a str>, fields: &[&'a Field], value: &Value) -> Option<u64> {
        match value {
            Value::Object(object) => self.object(ty, fields, object),
            Value::List(items) => {
                items.iter().try_fold(0u64, |most, item| Some(most.max(self.element(ty, fields, item)?)))
            }
            _ => Some(0),
        }
    }

    /// A connection's object: its rows' lists and what each row repeats.
    fn connection(
        &self,
        declared: Option<&'a str>,
        fields: &[&'a Field],
        value: &IndexMap<Name, Value>,
    ) -> Option<u64> {
        let ty = self.type_of(value, declared);
        let (mut rows, mut per_row, mut of_rows) = (0usize, 0u64, 0u64);
        let selection = self.selected(fields, ty);
        for (field, v) in Self::answered(&selection, value) {
            match v {
                Value::List(items) => {
                    rows = rows.max(items.len());
                    per_row = per_row.saturating_add(FIELD);
                    for item in items {
                        of_rows = of_rows.saturating_add(self.element(field.ty, &field.fields, item)?);
                    }
                }
                _ => per_row = per_row.saturating_add(self.field(field, v)?),
            }
        }
        Some(connection(rows, per_row, of_rows))
    }

    /// The fields of `sets` for an object of type `ty` (every fragment applies when it is not
    /// known), merged by response key in order (CollectFields, without the directives: a
    /// skipped field is simply not in the answer).
    fn collect(&self, sets: impl Iterator<Item = &'a SelectionSet>, ty: Option<&str>) -> Vec<Group<'a>> {
        let mut out: Vec<Group<'a>> = Vec::new();
        let mut spread: Vec<&'a str> = Vec::new();
        for set in sets {
            self.collect_into(set, ty, &mut out, &mut spread);
        }
        out
    }

    fn collect_into(
        &self,
        set: &'a SelectionSet,
        ty: Option<&str>,
        out: &mut Vec<Group<'a>>,
        spread: &mut Vec<&'a str>,
    ) {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let key = field.alias.as_ref().map_or(field.name.node.as_str(), |a| a.node.as_str());
                    match out.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, fields)) => fields.push(field),
                        None => out.push((key, vec![field])),
                    }
                }
                Selection::FragmentSpread(fragment) => {
                    let name = fragment.node.fragment_name.node.as_str();
                    if spread.contains(&name) {
                        continue;
                    }
                    spread.push(name);
                    if let Some(fragment) = self.doc.fragments.get(name)
                        && self.applies(fragment.node.type_condition.node.on.node.as_str(), ty)
                    {
                        self.collect_into(&fragment.node.selection_set.node, ty, out, spread);
                    }
                }
                Selection::InlineFragment(inline) => {
                    let inline = &inline.node;
                    if inline.type_condition.as_ref().is_none_or(|c| self.applies(c.node.on.node.as_str(), ty)) {
                        self.collect_into(&inline.selection_set.node, ty, out, spread);
                    }
                }
            }
        }
    }

    /// Whether a fragment on `condition` applies to an object of type `ty`.
    fn applies(&self, condition: &str, ty: Option<&str>) -> bool {
        match ty {
            None => true,
            Some(ty) => condition == ty || self.registry.types.get(condition).is_some_and(|c| c.is_possible_type(ty)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_costs_its_rows_and_what_each_repeats() {
        // `{ nodes { id } pageInfo { hasNextPage } }` with 3 rows: each repeats `nodes` (1) and
        // `pageInfo { hasNextPage }` (2), and each row's `id` costs 1.
        assert_eq!(connection(3, 3, 3), 12);
        // No rows costs as one, without its rows' fields.
        assert_eq!(connection(0, 3, 0), 3);
        assert_eq!(connection(usize::MAX, u64::MAX, 1), u64::MAX);
    }

    #[test]
    fn a_network_costs_its_walk_whatever_it_found() {
        assert_eq!(network(0), NETWORK_COST as u64);
        assert_eq!(network(2), NETWORK_COST as u64 + 2 * MAX_MEMBERS as u64);
    }
}
