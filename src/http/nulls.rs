//! GraphQL's error handling on top of async-graphql's executor: every requested key present, and
//! an error on a non-null position nulls its nearest nullable parent (the specification's
//! "Handling Execution Errors" and "Errors and Non-Null Types").
//!
//! async-graphql 7.2.1 records a failed field's error and leaves its key out of the object (an
//! object whose every field failed becomes `null` whatever its type). The response is repaired
//! here from the error paths, the operation's selections and the schema's types: the failed
//! field's key is set to `null`, and where its type is non-null the `null` moves up, through
//! non-null list items and fields, to the nearest nullable position (or to `data` itself).

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, Field, OperationType, Selection, SelectionSet, Type, TypeKind,
    TypeSystemDefinition,
};
use async_graphql::{Name, PathSegment, Pos, Positioned, Value};

/// The response key of the `__typename` that `keep_objects` adds to every object's selection.
pub use crate::plan::KEEPER;

/// Adds `__rightsgraph_object: __typename` to the selection of every field that selects
/// subfields. async-graphql 7.2.1 answers an object none of whose fields produced a value as
/// `null` (every field failed, or none applied: `... on Seller` on a brand, `@skip`), and when a
/// field is asked twice a `null` first answer swallows the second's keys. With one field that
/// always answers, an object stays an object; `strip_keepers` removes the key afterwards.
/// `__typename` costs nothing in the depth and complexity limits.
pub fn keep_objects(doc: &mut ExecutableDocument) {
    match &mut doc.operations {
        DocumentOperations::Single(op) => keep_in(&mut op.node.selection_set.node, false),
        DocumentOperations::Multiple(ops) => {
            for op in ops.values_mut() {
                keep_in(&mut op.node.selection_set.node, false);
            }
        }
    }
    for fragment in doc.fragments.values_mut() {
        keep_in(&mut fragment.node.selection_set.node, false);
    }
}

fn keep_in(set: &mut SelectionSet, is_object: bool) {
    for item in &mut set.items {
        match &mut item.node {
            Selection::Field(field) => {
                if !field.node.selection_set.node.items.is_empty() {
                    keep_in(&mut field.node.selection_set.node, true);
                }
            }
            Selection::InlineFragment(inline) => keep_in(&mut inline.node.selection_set.node, false),
            Selection::FragmentSpread(_) => {}
        }
    }
    if is_object {
        let keeper = Field {
            alias: Some(Positioned::new(Name::new(KEEPER), Pos::default())),
            name: Positioned::new(Name::new("__typename"), Pos::default()),
            arguments: Vec::new(),
            directives: Vec::new(),
            selection_set: Positioned::new(SelectionSet::default(), Pos::default()),
        };
        set.items.push(Positioned::new(Selection::Field(Positioned::new(keeper, Pos::default())), Pos::default()));
    }
}

/// Removes the keys `keep_objects` added, everywhere in `data`.
pub fn strip_keepers(data: &mut Value) {
    match data {
        Value::Object(map) => {
            map.shift_remove(KEEPER);
            map.values_mut().for_each(strip_keepers);
        }
        Value::List(items) => items.iter_mut().for_each(strip_keepers),
        _ => {}
    }
}

/// The output types of a schema: for each object and interface, its fields' types.
#[derive(Debug, Default)]
pub struct SchemaTypes {
    fields: HashMap<String, HashMap<String, Type>>,
    roots: [String; 3],
}

impl SchemaTypes {
    /// Reads the types from the schema's SDL.
    pub fn from_sdl(sdl: &str) -> Result<Self, String> {
        let doc = async_graphql::parser::parse_schema(sdl).map_err(|e| format!("cannot read the schema's SDL: {e}"))?;
        let mut types =
            Self { fields: HashMap::new(), roots: ["Query".into(), "Mutation".into(), "Subscription".into()] };
        for definition in doc.definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    let s = schema.node;
                    for (slot, name) in [s.query, s.mutation, s.subscription].into_iter().enumerate() {
                        if let Some(name) = name {
                            types.roots[slot] = name.node.to_string();
                        }
                    }
                }
                TypeSystemDefinition::Type(ty) => {
                    let fields = match ty.node.kind {
                        TypeKind::Object(object) => object.fields,
                        TypeKind::Interface(interface) => interface.fields,
                        _ => continue,
                    };
                    let fields = fields.into_iter().map(|f| (f.node.name.node.to_string(), f.node.ty.node)).collect();
                    types.fields.insert(ty.node.name.node.to_string(), fields);
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        Ok(types)
    }

    fn root(&self, ty: OperationType) -> &str {
        match ty {
            OperationType::Query => &self.roots[0],
            OperationType::Mutation => &self.roots[1],
            OperationType::Subscription => &self.roots[2],
        }
    }

    fn field(&self, parent: &str, name: &str) -> Option<&Type> {
        self.fields.get(parent)?.get(name)
    }
}

/// Repairs `response` (the answer to `doc`, operation `operation_name`) so that every failed
/// field reads `null` and nulls propagate as the specification says.
pub fn repair(
    types: &SchemaTypes,
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    response: &mut async_graphql::Response,
) {
    if response.errors.iter().all(|e| e.path.is_empty()) {
        return;
    }
    let operation = match operation_name {
        Some(name) => doc.operations.iter().find(|(n, _)| n.is_some_and(|n| n.as_str() == name)),
        None => doc.operations.iter().next(),
    };
    let Some((_, operation)) = operation else { return };
    let root = types.root(operation.node.ty);
    let mut nulled: HashSet<String> = HashSet::new();
    for error in &response.errors {
        if error.path.is_empty() {
            continue;
        }
        let nullable = nullability_along(types, doc, root, &operation.node.selection_set.node, &error.path);
        // The nearest nullable position at or above the failed field; none: `data` itself.
        let target = (1..=error.path.len()).rev().find(|&k| nullable[k - 1]).unwrap_or(0);
        null_at(&mut response.data, &error.path[..target], &mut nulled);
    }
}

/// For each prefix `path[..=k]`, whether the value there may be null (unknown counts as
/// nullable, so that nothing is nulled beyond what the types prove).
fn nullability_along(
    types: &SchemaTypes,
    doc: &ExecutableDocument,
    root: &str,
    operation: &SelectionSet,
    path: &[PathSegment],
) -> Vec<bool> {
    let mut out = Vec::with_capacity(path.len());
    let mut parent: Option<String> = Some(root.to_owned());
    let mut selections: Vec<&SelectionSet> = vec![operation];
    // The type of the value at the current position, while inside a list.
    let mut current: Option<Type> = None;
    for segment in path {
        match segment {
            PathSegment::Field(key) => {
                let found = parent.as_deref().and_then(|p| field_of(types, doc, p, &selections, key));
                match found {
                    Some((ty, subsets)) => {
                        out.push(ty.nullable);
                        selections = subsets;
                        parent = named(&ty).map(str::to_owned);
                        current = Some(ty);
                    }
                    None => {
                        out.push(true);
                        (parent, current, selections) = (None, None, Vec::new());
                    }
                }
            }
            PathSegment::Index(_) => match current.take().map(|t| t.base) {
                Some(BaseType::List(item)) => {
                    out.push(item.nullable);
                    current = Some(*item);
                }
                _ => {
                    out.push(true);
                    (parent, current, selections) = (None, None, Vec::new());
                }
            },
        }
    }
    out
}

/// The named type at the bottom of `ty`'s lists.
fn named(ty: &Type) -> Option<&str> {
    match &ty.base {
        BaseType::Named(name) => Some(name.as_str()),
        BaseType::List(item) => named(item),
    }
}

/// The type of the field answered under response `key` in `sets` (on an object of type
/// `parent`), and the selection sets under it, through fragments.
fn field_of<'d>(
    types: &SchemaTypes,
    doc: &'d ExecutableDocument,
    parent: &str,
    sets: &[&'d SelectionSet],
    key: &str,
) -> Option<(Type, Vec<&'d SelectionSet>)> {
    let mut found: Option<Type> = None;
    let mut subsets = Vec::new();
    let mut stack: Vec<(&SelectionSet, Option<&str>)> = sets.iter().map(|s| (*s, None)).collect();
    let mut spread: Vec<&Name> = Vec::new();
    while let Some((set, condition)) = stack.pop() {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) if field.node.response_key().node.as_str() == key => {
                    if found.is_none() {
                        let on = condition.unwrap_or(parent);
                        found = types
                            .field(on, field.node.name.node.as_str())
                            .or_else(|| types.field(parent, field.node.name.node.as_str()))
                            .cloned();
                    }
                    subsets.push(&field.node.selection_set.node);
                }
                Selection::Field(_) => {}
                Selection::InlineFragment(inline) => {
                    let on = inline.node.type_condition.as_ref().map(|c| c.node.on.node.as_str()).or(condition);
                    stack.push((&inline.node.selection_set.node, on));
                }
                Selection::FragmentSpread(s) => {
                    // Each fragment once per lookup: a document that spreads one many times
                    // adds nothing new after the first.
                    let name = &s.node.fragment_name.node;
                    if !spread.contains(&name)
                        && let Some(fragment) = doc.fragments.get(name)
                    {
                        spread.push(name);
                        stack.push((
                            &fragment.node.selection_set.node,
                            Some(fragment.node.type_condition.node.on.node.as_str()),
                        ));
                    }
                }
            }
        }
    }
    found.map(|ty| (ty, subsets))
}

/// Appends one segment of a path to `key`: a NUL, `kind`, then the segment.
fn write_key(key: &mut String, kind: char, segment: impl std::fmt::Display) {
    use std::fmt::Write as _;
    let _ = write!(key, "\u{0}{kind}{segment}");
}

/// Sets the value at `path` of `data` to `null`. A position already nulled by an earlier error
/// stays as it is; an object that async-graphql turned into `null` because each of its fields
/// failed is an object again, whose failed fields are then set one by one.
fn null_at(data: &mut Value, path: &[PathSegment], nulled: &mut HashSet<String>) {
    // Each prefix of `path` looked up once, so that n errors cost n look-ups, not n²/2 paths
    // compared.
    let mut prefix = String::new();
    if nulled.contains(&prefix) {
        return;
    }
    for segment in path {
        match segment {
            PathSegment::Field(key) => write_key(&mut prefix, '.', key),
            PathSegment::Index(i) => write_key(&mut prefix, '#', i),
        }
        if nulled.contains(&prefix) {
            return;
        }
    }
    nulled.insert(prefix);
    let Some((last, ancestors)) = path.split_last() else {
        *data = Value::Null;
        return;
    };
    let mut at = data;
    for segment in ancestors {
        at = match (segment, at) {
            (PathSegment::Field(key), at) => {
                if !matches!(at, Value::Object(_)) {
                    *at = Value::Object(Default::default());
                }
                let Value::Object(map) = at else { return };
                map.entry(Name::new(key)).or_insert(Value::Null)
            }
            (PathSegment::Index(i), Value::List(items)) => match items.get_mut(*i) {
                Some(item) => item,
                None => return,
            },
            (PathSegment::Index(_), _) => return,
        };
    }
    match (last, at) {
        (PathSegment::Field(key), at) => {
            if !matches!(at, Value::Object(_)) {
                *at = Value::Object(Default::default());
            }
            if let Value::Object(map) = at {
                map.insert(Name::new(key), Value::Null);
            }
        }
        (PathSegment::Index(i), Value::List(items)) => {
            if let Some(item) = items.get_mut(*i) {
                *item = Value::Null;
            }
        }
        (PathSegment::Index(_), _) => {}
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{ServerError, value};

    use super::*;

    const SDL: &str = "
        type Query { brand: Brand  brands: [Brand!]!  viewer: Viewer! }
        type Viewer { subject: String! }
        type Brand { id: ID!  name: String!  stats: BrandStats  items: ItemConnection! }
        type BrandStats { rate: Float }
        type ItemConnection { nodes: [Item!]! }
        type Item { id: ID!  listing: Listing! }
        type Listing { title: String! }
    ";

    fn repaired(query: &str, data: Value, paths: &[&[PathSegment]]) -> Value {
        let types = SchemaTypes::from_sdl(SDL).expect("sdl");
        let doc = async_graphql::parser::parse_query(query).expect("query");
        let mut response = async_graphql::Response::new(data);
        for path in paths {
            let mut error = ServerError::new("failed", None);
            error.path = path.to_vec();
            response.errors.push(error);
        }
        repair(&types, &doc, None, &mut response);
        response.data
    }

    fn f(key: &str) -> PathSegment {
        PathSegment::Field(key.into())
    }

    #[test]
    fn a_failed_nullable_field_reads_null() {
        let data =
            repaired("{ brand { id stats { rate } } }", value!({"brand": {"id": "b1"}}), &[&[f("brand"), f("stats")]]);
        assert_eq!(data, value!({"brand": {"id": "b1", "stats": null}}));
    }

    #[test]
    fn a_failed_non_null_field_nulls_the_nearest_nullable_parent() {
        let query = "{ brand { id items { nodes { id listing { title } } } } }";
        let data = value!({"brand": {"id": "b1", "items": {"nodes": [{"id": "i1", "listing": {"title": "t"}}, {"id": "i2"}]}}});
        let path = [f("brand"), f("items"), f("nodes"), PathSegment::Index(1), f("listing")];
        assert_eq!(repaired(query, data, &[&path]), value!({"brand": null}));
    }

    #[test]
    fn a_failed_non_null_root_field_nulls_data() {
        assert_eq!(repaired("{ viewer { subject } }", value!(null), &[&[f("viewer")]]), value!(null));
    }

    #[test]
    fn an_object_whose_every_field_failed_is_an_object_of_nulls() {
        let data = repaired(
            "{ brands { stats { rate } } }",
            value!({"brands": [null, {"stats": {"rate": 1.0}}]}),
            &[&[f("brands"), PathSegment::Index(0), f("stats")]],
        );
        assert_eq!(data, value!({"brands": [{"stats": null}, {"stats": {"rate": 1.0}}]}));
    }

    #[test]
    fn aliases_and_fragments_find_their_field() {
        let query = "{ b: brand { ...F } } fragment F on Brand { s: stats { rate } n: name }";
        let data = repaired(query, value!({"b": {"n": "x"}}), &[&[f("b"), f("s")]]);
        assert_eq!(data, value!({"b": {"n": "x", "s": null}}));
        let data = repaired(query, value!({"b": {"s": null}}), &[&[f("b"), f("n")]]);
        assert_eq!(data, value!({"b": null}), "name is non-null, brand is nullable");
    }

    #[test]
    fn a_later_error_under_a_nulled_parent_changes_nothing() {
        let query = "{ brand { name stats { rate } } }";
        let data = repaired(query, value!({"brand": {}}), &[&[f("brand"), f("name")], &[f("brand"), f("stats")]]);
        assert_eq!(data, value!({"brand": null}));
    }
}
