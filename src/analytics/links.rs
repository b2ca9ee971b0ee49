//! `OffenderNetwork.links`, answered in one pass.
//!
//! A ring of 200 accounts has thousands of linked pairs, and resolving each pair as an object
//! costs async-graphql a boxed future per field and per nested seller: hundreds of milliseconds
//! and tens of megabytes for one answer. Links are plain data, so when the selection asks only
//! for plain fields (`kind`, and the sellers' `id`, `handle`, `displayName`, `country`, `status`,
//! `createdAt`, `__typename` of either), the list is written out directly. Anything else (a
//! directive, an argument, a field that loads more, a fragment on an interface, one response key
//! asked twice) takes the general path, which gives the same answer.

use std::borrow::Cow;
use std::collections::HashMap;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, FragmentDefinition, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::resolve_list;
use async_graphql::{ContextSelectionSet, Name, OutputType, Positioned, ScalarType, ServerResult, Value};
use entity::seller;

use crate::ids::{Kind, to_id};
use crate::objects::SellerLink;
use crate::states::IdentifierKind;
use crate::time::instant;

/// The links of a network, with the member rows their sellers are read from.
pub struct LinkList {
    pub links: Vec<(i64, i64, IdentifierKind)>,
    /// Member rows by id; empty when the selection needs nothing but ids.
    pub sellers: HashMap<i64, seller::Model>,
}

/// What the selection asks of a seller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SellerField {
    Typename,
    Id,
    Handle,
    DisplayName,
    Country,
    Status,
    CreatedAt,
}

/// What the selection asks of a link.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LinkField {
    Typename,
    Kind,
    A(Vec<(Name, SellerField)>),
    B(Vec<(Name, SellerField)>),
}

/// The plain fields a selection asks of each link, in order; `None` when it asks anything else.
#[derive(Debug)]
pub struct Plan(Vec<(Name, LinkField)>);

impl Plan {
    /// The plan of `ctx`'s selection (the items of a `[SellerLink!]!` field).
    pub fn of(ctx: &ContextSelectionSet<'_>) -> Option<Self> {
        let fragments = &ctx.query_env.fragments;
        let mut fields = Vec::new();
        for (key, field) in flatten(ctx.item, "SellerLink", fragments)? {
            let plan = match field.node.name.node.as_str() {
                "__typename" => LinkField::Typename,
                "kind" => LinkField::Kind,
                "a" => LinkField::A(seller_fields(&field.node, fragments)?),
                "b" => LinkField::B(seller_fields(&field.node, fragments)?),
                _ => return None,
            };
            fields.push((key, plan));
        }
        Some(Self(fields))
    }

    /// Whether the plan reads more of a seller than its id.
    pub fn needs_rows(&self) -> bool {
        self.0.iter().any(|(_, f)| match f {
            LinkField::A(s) | LinkField::B(s) => {
                s.iter().any(|(_, f)| !matches!(f, SellerField::Id | SellerField::Typename))
            }
            _ => false,
        })
    }

    /// The answer; `None` when a row it needs is missing or unreadable (the general path then
    /// reports it as it would).
    fn render(&self, list: &LinkList) -> Option<Value> {
        let mut out = Vec::with_capacity(list.links.len());
        for &(a, b, kind) in &list.links {
            let mut object = IndexMap::with_capacity(self.0.len());
            for (key, field) in &self.0 {
                let value = match field {
                    LinkField::Typename => Value::String("SellerLink".into()),
                    LinkField::Kind => Value::Enum(Name::new(kind.as_db())),
                    LinkField::A(fields) => seller_value(a, fields, &list.sellers)?,
                    LinkField::B(fields) => seller_value(b, fields, &list.sellers)?,
                };
                object.insert(key.clone(), value);
            }
            out.push(Value::Object(object));
        }
        Some(Value::List(out))
    }
}

fn seller_value(id: i64, fields: &[(Name, SellerField)], rows: &HashMap<i64, seller::Model>) -> Option<Value> {
    let mut object = IndexMap::with_capacity(fields.len());
    for (key, field) in fields {
        let value = match field {
            SellerField::Typename => Value::String("Seller".into()),
            SellerField::Id => Value::String(to_id(Kind::Seller, id).0),
            SellerField::Handle => Value::String(rows.get(&id)?.handle.clone()),
            SellerField::DisplayName => Value::String(rows.get(&id)?.display_name.clone()),
            SellerField::Country => Value::String(rows.get(&id)?.country.clone()),
            SellerField::Status => Value::Enum(Name::new(rows.get(&id)?.status.as_db())),
            SellerField::CreatedAt => instant(rows.get(&id)?.created_at).to_value(),
        };
        object.insert(key.clone(), value);
    }
    Some(Value::Object(object))
}

fn seller_fields(
    field: &Field,
    fragments: &HashMap<Name, Positioned<FragmentDefinition>>,
) -> Option<Vec<(Name, SellerField)>> {
    if !field.arguments.is_empty() || !field.directives.is_empty() {
        return None;
    }
    flatten(&field.selection_set, "Seller", fragments)?
        .into_iter()
        .map(|(key, f)| {
            let plan = match f.node.name.node.as_str() {
                "__typename" => SellerField::Typename,
                "id" => SellerField::Id,
                "handle" => SellerField::Handle,
                "displayName" => SellerField::DisplayName,
                "country" => SellerField::Country,
                "status" => SellerField::Status,
                "createdAt" => SellerField::CreatedAt,
                _ => return None,
            };
            (f.node.selection_set.node.items.is_empty() && f.node.arguments.is_empty()).then_some((key, plan))
        })
        .collect()
}

/// The fields of `set` on an object of type `on`, fragments spread in, by response key; `None`
/// for anything this fast path does not take: directives, fragments on other types (interfaces),
/// a response key asked twice.
fn flatten<'a>(
    set: &'a Positioned<SelectionSet>,
    on: &str,
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
) -> Option<Vec<(Name, &'a Positioned<Field>)>> {
    fn walk<'a>(
        set: &'a SelectionSet,
        on: &str,
        fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
        depth: usize,
        out: &mut Vec<(Name, &'a Positioned<Field>)>,
    ) -> Option<()> {
        // Fragment cycles are refused by validation; the bound only keeps this walk finite.
        if depth > 16 {
            return None;
        }
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    if !field.node.directives.is_empty() || !field.node.arguments.is_empty() {
                        return None;
                    }
                    let key = field.node.response_key().node.clone();
                    if out.iter().any(|(k, _)| *k == key) {
                        return None;
                    }
                    out.push((key, field));
                }
                Selection::FragmentSpread(spread) => {
                    let fragment = fragments.get(&spread.node.fragment_name.node)?;
                    if !spread.node.directives.is_empty()
                        || !fragment.node.directives.is_empty()
                        || fragment.node.type_condition.node.on.node.as_str() != on
                    {
                        return None;
                    }
                    walk(&fragment.node.selection_set.node, on, fragments, depth + 1, out)?;
                }
                Selection::InlineFragment(inline) => {
                    let matches = inline.node.type_condition.as_ref().is_none_or(|c| c.node.on.node.as_str() == on);
                    if !inline.node.directives.is_empty() || !matches {
                        return None;
                    }
                    walk(&inline.node.selection_set.node, on, fragments, depth + 1, out)?;
                }
            }
        }
        Some(())
    }
    let mut out = Vec::new();
    walk(&set.node, on, fragments, 0, &mut out)?;
    Some(out)
}

impl OutputType for LinkList {
    fn type_name() -> Cow<'static, str> {
        <Vec<SellerLink> as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<SellerLink> as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<SellerLink> as OutputType>::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> ServerResult<Value> {
        if let Some(value) = Plan::of(ctx).and_then(|plan| plan.render(self)) {
            return Ok(value);
        }
        let links: Vec<SellerLink> = self.links.iter().map(|&(a, b, kind)| SellerLink { a, b, kind }).collect();
        resolve_list(ctx, field, &links, Some(links.len())).await
    }
}
