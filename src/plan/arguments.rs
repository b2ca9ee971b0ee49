//! The arguments the planner reads: which fields take which (`ARGUMENTS`, and the objects'
//! connections as they declare them), the schema's defaults for those absent, and the values
//! of a merged field's arguments as its resolver would coerce them.

use std::collections::HashMap;

use async_graphql_value::ConstValue;

use super::*;

/// The arguments the planner reads, by type and field, of the fields it answers by rules of its
/// own (the objects' connections declare theirs: `connection_arguments`): a field not listed
/// takes none. Any other argument leaves the document to the general executor; an absent one
/// takes the schema's own default (`SchemaArguments`), never a copy of it. `tests/api/planner.rs`
/// holds these against the SDL.
pub const ARGUMENTS: &[(&str, &str, &[&str])] = &[
    ("Query", "brand", &["id"]),
    ("Query", "trademark", &["id"]),
    ("Query", "seller", &["id"]),
    ("Query", "listing", &["id"]),
    ("Query", "notice", &["id"]),
    ("Query", "node", &["id"]),
    ("Query", "brands", &["first", "after"]),
    ("Query", "sellers", &["first", "after", "status"]),
    ("Query", "listings", &["first", "after", "filter"]),
    ("Query", "notices", &["first", "after", "filter"]),
    ("Query", "repeatOffenders", &["first", "after", "minActiveStrikes", "brandId"]),
    ("Query", "offenderClusters", &["minMembers", "minActiveStrikes", "first", "after"]),
    ("Brand", "stats", &["since"]),
    ("Seller", "network", &["maxHops"]),
];

/// The arguments of every declared connection of the planned objects (`object!` and `parts!`),
/// by type and field.
pub fn connection_arguments() -> Vec<(&'static str, &'static str, &'static [&'static str])> {
    let mut out = schema::parts_connections();
    for kind in Kind::ALL {
        for name in schema::declared_connections(kind) {
            if let Some((_, args, _)) = schema::connection(kind, name) {
                out.push((kind.type_name(), *name, args));
            }
        }
    }
    out
}

/// The arguments the planner reads of field `field` of type `on`.
fn arguments_of(on: &str, field: &str) -> &'static [&'static str] {
    ARGUMENTS.iter().find(|(t, f, _)| *t == on && *f == field).map_or(&[], |(_, _, args)| args)
}

/// The arguments' defaults as the schema declares them (`#[graphql(default = …)]` on the
/// resolvers), read once from its SDL: the one place a default is written.
#[derive(Debug, Default)]
pub struct SchemaArguments(HashMap<(String, String, String), ConstValue>);

impl SchemaArguments {
    /// The defaults of every argument of every object type of `sdl`.
    pub fn from_sdl(sdl: &str) -> Result<Self, String> {
        use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
        let doc = async_graphql::parser::parse_schema(sdl).map_err(|e| format!("the schema's SDL: {e}"))?;
        let mut defaults = HashMap::new();
        for definition in doc.definitions {
            let TypeSystemDefinition::Type(ty) = definition else { continue };
            let TypeKind::Object(object) = &ty.node.kind else { continue };
            for field in &object.fields {
                for arg in &field.node.arguments {
                    if let Some(default) = &arg.node.default_value {
                        let key = (
                            ty.node.name.node.to_string(),
                            field.node.name.node.to_string(),
                            arg.node.name.node.to_string(),
                        );
                        defaults.insert(key, default.node.clone());
                    }
                }
            }
        }
        Ok(Self(defaults))
    }

    /// The default of argument `arg` of `on.field`, if the schema declares one.
    pub fn default(&self, on: &str, field: &str, arg: &str) -> Option<&ConstValue> {
        self.0.get(&(on.to_owned(), field.to_owned(), arg.to_owned()))
    }
}

impl<'d> Builder<'d> {
    /// `value` with its variables replaced by theirs (an absent variable by its default, else
    /// null).
    pub(super) fn constant(&self, value: &Value) -> Option<ConstValue> {
        value
            .clone()
            .into_const_with(|name| {
                Ok::<_, ()>(
                    self.variables.get(&name).or_else(|| self.defaults.get(&name)).cloned().unwrap_or(ConstValue::Null),
                )
            })
            .ok()
    }

    /// The arguments of a merged field of type `on`, which every field of the group must share,
    /// with the schema's default for each one absent; `None` when they differ, or when one is not
    /// among those the planner reads (`ARGUMENTS`).
    pub(super) fn arguments(&self, on: &str, group: &Group<'d>) -> Option<HashMap<&'d str, ConstValue>> {
        let field = group.first()?.name.node.as_str();
        self.arguments_among(on, arguments_of(on, field), group)
    }

    /// `arguments` of a field that takes `allowed` (a declared connection's).
    pub(super) fn arguments_among(
        &self,
        on: &str,
        allowed: &[&'d str],
        group: &Group<'d>,
    ) -> Option<HashMap<&'d str, ConstValue>> {
        let field = group.first()?.name.node.as_str();
        let mut first: Option<HashMap<&'d str, ConstValue>> = None;
        for field in group {
            let mut args = HashMap::new();
            for (name, value) in &field.arguments {
                let name = name.node.as_str();
                if !allowed.contains(&name) {
                    return None;
                }
                args.insert(name, self.constant(&value.node)?);
            }
            match &first {
                None => first = Some(args),
                Some(seen) if *seen == args => {}
                Some(_) => return None,
            }
        }
        let mut args = first?;
        for name in allowed {
            if !args.contains_key(name)
                && let Some(default) = self.schema.default(on, field, name)
            {
                args.insert(name, default.clone());
            }
        }
        Some(args)
    }

    /// A merged field that takes no argument; `None` when one is given.
    pub(super) fn no_arguments(&self, group: &Group<'d>) -> Option<()> {
        group.iter().all(|f| f.arguments.is_empty()).then_some(())
    }

    /// One argument coerced as the resolver's parameter would be.
    pub(super) fn arg<T: InputType>(args: &HashMap<&str, ConstValue>, name: &str) -> Option<T> {
        T::parse(args.get(name).cloned()).ok()
    }
}
