//! The planned executor: a query over the registry's plain objects, compiled once into a plan,
//! answered by loading each level of the plan in batched statements and writing the JSON straight
//! from the rows, with no future, no `Value` tree and no extension hook per field.
//!
//! It answers only what it can answer exactly as the general executor (async-graphql's) would:
//! the objects `Brand`, `Trademark`, `Seller`, `Listing`, `Notice`, `NoticeItem`,
//! `CounterNotice`, `Strike` and `NoticeEvent` (`schema::planned`), their plain fields, the
//! references between them and their connections, `Brand.stats`, a listing's price, a seller's
//! network (its members and links, written straight from the walk) and the offender clusters
//! with their members, reached from the root fields that take an id, `node` and the root lists.
//! The arguments it reads are `ARGUMENTS`, their defaults the schema's (`SchemaArguments`).
//! Anything else in a document (another field, an abstract type condition, a directive other
//! than `@skip` and `@include`) leaves the document to the general executor, and
//! so does anything that would answer an error at run time (a row missing, a malformed id): the
//! general executor then answers it, error model and all. The planner is a fast path, never a
//! second set of rules: visibility, paging and counting are the loaders' own (`loaders`).
//!
//! A plan runs only after async-graphql has validated the document (types, limits, complexity
//! and depth): `gate::PlannedReads` is the extension that runs it in place of the execution.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field as AstField, OperationDefinition, OperationType,
    Selection as AstSelection, SelectionSet,
};
use async_graphql::{ID, InputType, Name, Positioned, Variables};
use async_graphql_value::{ConstValue, Value};

use crate::auth::Identity;
use crate::columns::Mask;
use crate::error::AppResult;
use crate::ids::Kind;
use crate::listings::types::ListingFilter;
use crate::loaders::Rel;
use crate::loaders::lists::NoticeCriteria;
use crate::notices::types::{NoticeFilter, notice_criteria};
use crate::pagination::PageArgs;
use crate::sql::ListSpec;
use crate::states::SellerStatus;

pub mod gate;
mod run;
mod schema;

pub use schema::declared_names;

pub use run::{Fallback, FastPath, Job, Stop};

use schema::{RefFn, ScalarFn};

/// The alias `http::nulls` gives the `__typename` it adds to every object selection (declared
/// here, the lower layer, for both); the planner writes no such field, since it never has a null
/// to propagate.
pub const KEEPER: &str = "__rightsgraph_object";

/// A query compiled for the planned executor.
pub struct Plan {
    root: Vec<(Key, RootField)>,
    /// Every distinct page asked (relation and arguments); connections refer to it by index, so
    /// that siblings asking the same page share one statement.
    pages: Vec<(Kind, Rel, PageArgs)>,
    /// Every distinct relation whose `totalCount` is asked.
    counts: Vec<Rel>,
    /// Per object, the fields its rows are read with: those the plan writes or follows. (An
    /// item's strike or counter-notice, which the loaders read by their parent, is read whole.)
    masks: HashMap<Kind, Mask>,
    /// Whether some listing's `seller` is asked: listings read by id (a reference's) are then
    /// read with their sellers, in one statement (`run::fetch`).
    listing_sellers: bool,
    /// Whether the plan asks what only staff may see (a network, the clusters): any other
    /// viewer is given back to the general executor before a statement runs.
    staff_only: bool,
}

impl Plan {
    /// The fields rows of `obj` are read with.
    fn mask(&self, obj: Kind) -> Mask {
        self.masks.get(&obj).copied().unwrap_or(Mask::ID)
    }
}

/// A root field: `__typename`, one object by id, a root list, or the offender clusters.
enum RootField {
    Typename,
    Object {
        obj: Kind,
        id: i64,
        sel: Selection,
    },
    /// A root connection, whose list depends on the viewer (`RootList::spec`).
    List {
        obj: Kind,
        list: RootList,
        args: PageArgs,
        sel: ConnSelection,
    },
    /// `offenderClusters` (staff only), with its arguments as the resolver takes them.
    Clusters {
        min_members: i32,
        min_strikes: i32,
        args: PageArgs,
        sel: ConnSelection<ClusterSelection>,
    },
}

/// Which root list, with its arguments as the resolver takes them.
enum RootList {
    Brands,
    Sellers(Option<SellerStatus>),
    Listings(ListSpec),
    Notices(NoticeCriteria),
    RepeatOffenders { min_active_strikes: i32, brand_id: Option<String> },
}

impl RootList {
    /// The list as the resolver makes it for `identity` at `now`, or the resolver's error.
    fn spec(&self, identity: &Identity, now: i64) -> AppResult<ListSpec> {
        Ok(match self {
            RootList::Brands => crate::brands::resolvers::brands(),
            RootList::Sellers(status) => crate::sellers::resolvers::sellers(*status),
            RootList::Listings(spec) => spec.clone(),
            RootList::Notices(criteria) => crate::notices::resolvers::notices(identity, criteria),
            RootList::RepeatOffenders { min_active_strikes, brand_id } => {
                crate::analytics::resolvers::repeat_offenders(identity, *min_active_strikes, brand_id.as_deref(), now)?
            }
        })
    }
}

/// The `totalCount` of a root list (counted with the list), not of a relation.
const ROOT_COUNT: usize = usize::MAX;

/// A response key, written as `"key":`.
type Key = Box<str>;

/// The fields of an object, in response order.
#[derive(Default)]
struct Selection {
    fields: Vec<(Key, FieldPlan)>,
}

/// How one field of an object is answered.
enum FieldPlan {
    Typename(&'static str),
    Scalar(ScalarFn),
    /// A reference to another object (null when `nullable` and absent).
    Ref {
        obj: Kind,
        target: RefFn,
        nullable: bool,
        sel: Selection,
    },
    /// The one row of `obj` that refers to this one, or null (`NoticeItem.strike`).
    OneOf {
        obj: Kind,
        sel: Selection,
    },
    /// A page of a relation.
    Conn {
        obj: Kind,
        page: usize,
        sel: ConnSelection,
    },
    /// `Seller.activeStrikeCount`.
    ActiveStrikes,
    /// `Brand.stats(since)`, batched per request as its resolver batches it.
    Stats {
        since: Option<i64>,
        parts: Vec<(Key, StatsPart)>,
    },
    /// `Listing.price`.
    Price(Vec<(Key, PricePart)>),
    /// `Seller.network(maxHops)`: the walk its resolver runs (`analytics::service::network`),
    /// once per seller, and the members' rows read together.
    Network {
        max_hops: i32,
        parts: Vec<(Key, NetworkPart)>,
    },
}

/// A field of `OffenderNetwork`.
enum NetworkPart {
    Typename,
    Root(Selection),
    Members(Vec<(Key, MemberPart)>),
    Links(Vec<(Key, LinkPart)>),
    TotalActiveStrikes,
    Truncated,
}

/// A field of `NetworkMember`.
enum MemberPart {
    Typename,
    Hops,
    Seller(Selection),
}

/// A field of `SellerLink`.
enum LinkPart {
    Typename,
    Kind,
    A(Selection),
    B(Selection),
}

/// A field of `BrandStats`.
#[derive(Clone, Copy)]
enum StatsPart {
    Typename,
    Int(fn(&crate::notices::stats::BrandStats) -> i32),
    Float(fn(&crate::notices::stats::BrandStats) -> Option<f64>),
}

#[derive(Clone, Copy)]
enum PricePart {
    Typename,
    Amount,
    Currency,
}

/// The fields of an `XConnection` whose nodes are selected by `N` (an object's fields, or an
/// offender cluster's).
struct ConnSelection<N = Selection> {
    fields: Vec<(Key, ConnPart<N>)>,
}

enum ConnPart<N = Selection> {
    Typename,
    Nodes(N),
    Edges(Vec<(Key, EdgePart<N>)>),
    PageInfo(Vec<(Key, InfoPart)>),
    TotalCount(usize),
}

enum EdgePart<N = Selection> {
    Typename,
    Cursor,
    Node(N),
}

/// The fields of an `OffenderCluster`.
struct ClusterSelection {
    fields: Vec<(Key, ClusterPart)>,
}

enum ClusterPart {
    Typename,
    Size,
    TotalActiveStrikes,
    /// A page of the cluster's sellers.
    Members {
        page: usize,
        sel: ConnSelection,
    },
}

#[derive(Clone, Copy)]
enum InfoPart {
    Typename,
    HasPreviousPage,
    HasNextPage,
    StartCursor,
    EndCursor,
}

impl Plan {
    /// The plan of the query `operation_name` (or the only operation) of `doc` with `variables`,
    /// or `None` when the document asks anything the planner does not answer.
    pub fn build(
        doc: &ExecutableDocument,
        operation_name: Option<&str>,
        variables: &Variables,
        schema: &SchemaArguments,
    ) -> Option<Plan> {
        let operation = operation(doc, operation_name)?;
        if operation.ty != OperationType::Query {
            return None;
        }
        let mut defaults = HashMap::new();
        for def in &operation.variable_definitions {
            if let Some(default) = &def.node.default_value {
                defaults.insert(def.node.name.node.clone(), default.node.clone());
            }
        }
        let mut builder = Builder {
            doc,
            variables,
            schema,
            defaults,
            pages: Vec::new(),
            counts: Vec::new(),
            masks: HashMap::new(),
            listing_sellers: false,
            staff_only: false,
        };
        let mut root = Vec::new();
        for (key, fields) in builder.collect(&[&operation.selection_set.node], "Query", false)? {
            root.push(builder.root_field(key, &fields)?);
        }
        Some(Plan {
            root,
            pages: builder.pages,
            counts: builder.counts,
            masks: builder.masks,
            listing_sellers: builder.listing_sellers,
            staff_only: builder.staff_only,
        })
    }
}

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
    ("OffenderCluster", "members", &["first", "after"]),
];

/// The arguments of every declared connection of the planned objects, by type and field.
pub fn connection_arguments() -> Vec<(&'static str, &'static str, &'static [&'static str])> {
    let mut out = Vec::new();
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

/// The operation a request runs: the one named `name`, or the only one of `doc` (the
/// specification's GetOperation). The pipeline and the planner select it alike through this.
pub fn operation<'d>(doc: &'d ExecutableDocument, name: Option<&str>) -> Option<&'d OperationDefinition> {
    let positioned = match (&doc.operations, name.filter(|n| !n.is_empty())) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name)?,
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next()?,
        _ => return None,
    };
    Some(&positioned.node)
}

/// What building a plan keeps track of.
struct Builder<'d> {
    doc: &'d ExecutableDocument,
    variables: &'d Variables,
    /// The arguments' defaults, as the schema declares them.
    schema: &'d SchemaArguments,
    /// The operation's variable defaults.
    defaults: HashMap<Name, ConstValue>,
    pages: Vec<(Kind, Rel, PageArgs)>,
    counts: Vec<Rel>,
    masks: HashMap<Kind, Mask>,
    listing_sellers: bool,
    staff_only: bool,
}

/// Fields of one response key, as collected (fields of one key merge into one).
type Group<'d> = Vec<&'d AstField>;

impl<'d> Builder<'d> {
    /// CollectFields of the GraphQL specification over `sets` (selections merged under one key)
    /// for an object of type `ty`; `None` for anything outside what the planner answers.
    fn collect(&self, sets: &[&'d SelectionSet], ty: &str, node: bool) -> Option<Vec<(&'d str, Group<'d>)>> {
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

    fn collect_into(
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
    fn included(&self, directives: &[Positioned<async_graphql::parser::types::Directive>]) -> Option<bool> {
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

    /// `value` with its variables replaced by theirs (an absent variable by its default, else
    /// null).
    fn constant(&self, value: &Value) -> Option<ConstValue> {
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
    fn arguments(&self, on: &str, group: &Group<'d>) -> Option<HashMap<&'d str, ConstValue>> {
        let field = group.first()?.name.node.as_str();
        self.arguments_among(on, arguments_of(on, field), group)
    }

    /// `arguments` of a field that takes `allowed` (a declared connection's).
    fn arguments_among(
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
    fn no_arguments(&self, group: &Group<'d>) -> Option<()> {
        group.iter().all(|f| f.arguments.is_empty()).then_some(())
    }

    /// One argument coerced as the resolver's parameter would be.
    fn arg<T: InputType>(args: &HashMap<&str, ConstValue>, name: &str) -> Option<T> {
        T::parse(args.get(name).cloned()).ok()
    }

    fn root_field(&mut self, key: &str, group: &Group<'d>) -> Option<(Key, RootField)> {
        let name = group[0].name.node.as_str();
        if group.iter().any(|f| f.name.node != name) {
            return None;
        }
        let key = json_key(key);
        if name == "__typename" {
            return Some((key, RootField::Typename));
        }
        let (obj, list, args) = match name {
            "brand" => return self.root_object(key, group, Some(Kind::Brand)),
            "trademark" => return self.root_object(key, group, Some(Kind::Trademark)),
            "seller" => return self.root_object(key, group, Some(Kind::Seller)),
            "listing" => return self.root_object(key, group, Some(Kind::Listing)),
            "notice" => return self.root_object(key, group, Some(Kind::Notice)),
            "node" => return self.root_object(key, group, None),
            "brands" => (Kind::Brand, RootList::Brands, self.arguments("Query", group)?),
            "sellers" => {
                let args = self.arguments("Query", group)?;
                (Kind::Seller, RootList::Sellers(Self::arg(&args, "status")?), args)
            }
            "listings" => {
                let args = self.arguments("Query", group)?;
                let filter: Option<ListingFilter> = Self::arg(&args, "filter")?;
                let spec = crate::listings::resolvers::listing_spec(filter.unwrap_or_default()).ok()?;
                (Kind::Listing, RootList::Listings(spec), args)
            }
            "notices" => {
                let args = self.arguments("Query", group)?;
                let filter: Option<NoticeFilter> = Self::arg(&args, "filter")?;
                (Kind::Notice, RootList::Notices(notice_criteria(filter).ok()?), args)
            }
            "offenderClusters" => return self.clusters(key, group),
            "repeatOffenders" => {
                let args = self.arguments("Query", group)?;
                let min: i32 = Self::arg(&args, "minActiveStrikes")?;
                let brand: Option<ID> = Self::arg(&args, "brandId")?;
                let list =
                    RootList::RepeatOffenders { min_active_strikes: min, brand_id: brand.map(|b| b.to_string()) };
                (Kind::Seller, list, args)
            }
            _ => return None,
        };
        let first: Option<i32> = Self::arg(&args, "first")?;
        let after: Option<String> = Self::arg(&args, "after")?;
        let args = PageArgs::parse(first, after).ok()?;
        // The root's count is the list's own, not a relation's: slot 0 of no relation.
        let sel = self.connection(group, obj, None)?;
        Some((key, RootField::List { obj, list, args, sel }))
    }

    /// A root object by id: of `kind`, or for `node` of the kind its id names.
    fn root_object(&mut self, key: Key, group: &Group<'d>, kind: Option<Kind>) -> Option<(Key, RootField)> {
        let args = self.arguments("Query", group)?;
        let id: ID = Self::arg(&args, "id")?;
        let (obj, id) = match kind {
            Some(kind) => (kind, crate::ids::decode(&id, kind, "id").ok()?),
            None => {
                let gid = crate::ids::GlobalId::parse(&id)?;
                (gid.kind, gid.key)
            }
        };
        if !schema::planned(obj) {
            return None;
        }
        let sel = self.object(group, obj)?;
        Some((key, RootField::Object { obj, id, sel }))
    }

    /// The fields of the merged fields `group`, of type `ty`, each planned by `plan` (given its
    /// name and its own merged fields, which must all have that name).
    fn fields<P>(
        &mut self,
        group: &Group<'d>,
        ty: &str,
        node: bool,
        mut plan: impl FnMut(&mut Self, &str, &Group<'d>) -> Option<P>,
    ) -> Option<Vec<(Key, P)>> {
        let sets: Vec<&SelectionSet> = group.iter().map(|f| &f.selection_set.node).collect();
        let mut out = Vec::new();
        for (key, fields) in self.collect(&sets, ty, node)? {
            let name = fields[0].name.node.as_str();
            if fields.iter().any(|f| f.name.node != name) {
                return None;
            }
            out.push((json_key(key), plan(self, name, &fields)?));
        }
        Some(out)
    }

    /// The selection of the merged fields `group`, whose type is `obj`.
    fn object(&mut self, group: &Group<'d>, obj: Kind) -> Option<Selection> {
        let fields = self.fields(group, obj.type_name(), true, |b, name, fields| b.field(obj, name, fields))?;
        Some(Selection { fields })
    }

    /// How field `name` of `obj` is answered.
    fn field(&mut self, obj: Kind, name: &str, group: &Group<'d>) -> Option<FieldPlan> {
        if name == "__typename" {
            return Some(FieldPlan::Typename(obj.type_name()));
        }
        if let Some((scalar, fields)) = schema::scalar(obj, name) {
            self.no_arguments(group)?;
            self.reads(obj, fields);
            return Some(FieldPlan::Scalar(scalar));
        }
        if let Some((target, (via, field), nullable)) = schema::reference(obj, name) {
            self.no_arguments(group)?;
            self.reads(obj, &[field]);
            self.listing_sellers |= obj == Kind::Listing && target == Kind::Seller;
            let sel = self.object(group, target)?;
            return Some(FieldPlan::Ref { obj: target, target: via, nullable, sel });
        }
        if let Some((target, allowed, rel_of)) = schema::connection(obj, name) {
            let args = self.arguments_among(obj.type_name(), allowed, group)?;
            let rel = rel_of(&crate::fields::Args(&args)).ok()?;
            return self.connection_field(target, rel, &args, group);
        }
        match (obj, name) {
            (Kind::Seller, "activeStrikeCount") => {
                self.no_arguments(group)?;
                // What `ActiveStrikes::kept` reads.
                self.reads(obj, &["active_strikes", "strikes_recount_at"]);
                Some(FieldPlan::ActiveStrikes)
            }
            (Kind::NoticeItem, "counterNotice" | "strike") => {
                self.no_arguments(group)?;
                let target = if name == "strike" { Kind::Strike } else { Kind::CounterNotice };
                Some(FieldPlan::OneOf { obj: target, sel: self.object(group, target)? })
            }
            (Kind::Brand, "stats") => self.stats(group),
            (Kind::Listing, "price") => {
                self.no_arguments(group)?;
                self.price(group)
            }
            (Kind::Seller, "network") => self.network(group),
            _ => None,
        }
    }

    /// `Brand.stats`: the figures asked, since the instant given.
    fn stats(&mut self, group: &Group<'d>) -> Option<FieldPlan> {
        let args = self.arguments(Kind::Brand.type_name(), group)?;
        let since: Option<chrono::DateTime<chrono::Utc>> = Self::arg(&args, "since")?;
        let parts = self.fields(group, "BrandStats", false, |b, name, fields| {
            b.no_arguments(fields)?;
            type S = crate::notices::stats::BrandStats;
            let part = match name {
                "__typename" => StatsPart::Typename,
                "noticesSubmitted" => StatsPart::Int(|s: &S| s.notices_submitted),
                "itemsSubmitted" => StatsPart::Int(|s: &S| s.items_submitted),
                "itemsPending" => StatsPart::Int(|s: &S| s.items_pending),
                "itemsRemoved" => StatsPart::Int(|s: &S| s.items_removed),
                "itemsRejected" => StatsPart::Int(|s: &S| s.items_rejected),
                "itemsReinstated" => StatsPart::Int(|s: &S| s.items_reinstated),
                "counterNoticesFiled" => StatsPart::Int(|s: &S| s.counter_notices_filed),
                "takedownRate" => StatsPart::Float(|s: &S| s.takedown_rate),
                "counterNoticeSuccessRate" => StatsPart::Float(|s: &S| s.counter_notice_success_rate),
                "medianHoursToDecision" => StatsPart::Float(|s: &S| s.median_hours_to_decision),
                "informationRequests" => StatsPart::Int(|s: &S| s.information_requests),
                "medianHoursToAnswer" => StatsPart::Float(|s: &S| s.median_hours_to_answer),
                _ => return None,
            };
            Some(part)
        })?;
        Some(FieldPlan::Stats { since: since.map(crate::time::micros), parts })
    }

    /// Connection `rel` of objects `target`, paged as `args` say.
    fn connection_field(
        &mut self,
        target: Kind,
        rel: Rel,
        args: &HashMap<&'d str, ConstValue>,
        group: &Group<'d>,
    ) -> Option<FieldPlan> {
        let first: Option<i32> = Self::arg(args, "first")?;
        let after: Option<String> = Self::arg(args, "after")?;
        let page_args = PageArgs::parse(first, after).ok()?;
        // A cursor of another list is the resolver's error to answer.
        page_args.check_arity(rel.arity()).ok()?;
        let sel = self.connection(group, target, Some(&rel))?;
        let page = self.page(target, rel, page_args);
        Some(FieldPlan::Conn { obj: target, page, sel })
    }

    /// Rows of `obj` are read with `fields`.
    fn reads(&mut self, obj: Kind, fields: &[&str]) {
        let mask = self.masks.entry(obj).or_insert(Mask::ID);
        *mask = schema::mask_with(obj, *mask, fields);
    }

    fn price(&mut self, group: &Group<'d>) -> Option<FieldPlan> {
        self.reads(Kind::Listing, &["price_amount", "price_currency"]);
        let parts = self.fields(group, "Money", false, |b, name, fields| {
            b.no_arguments(fields)?;
            match name {
                "__typename" => Some(PricePart::Typename),
                "amount" => Some(PricePart::Amount),
                "currency" => Some(PricePart::Currency),
                _ => None,
            }
        })?;
        Some(FieldPlan::Price(parts))
    }

    /// `Seller.network`; `None` for a `maxHops` its resolver refuses (or a null one), which the
    /// general executor answers.
    fn network(&mut self, group: &Group<'d>) -> Option<FieldPlan> {
        let args = self.arguments("Seller", group)?;
        let max_hops: i32 = Self::arg(&args, "maxHops")?;
        // Who may walk it, and how far, is checked when the plan runs (`may_walk`); a viewer who
        // is not staff is given back before any statement.
        self.staff_only = true;
        let parts = self.fields(group, "OffenderNetwork", false, |b, name, fields| {
            b.no_arguments(fields)?;
            Some(match name {
                "__typename" => NetworkPart::Typename,
                "root" => NetworkPart::Root(b.object(fields, Kind::Seller)?),
                "totalActiveStrikes" => NetworkPart::TotalActiveStrikes,
                "truncated" => NetworkPart::Truncated,
                "members" => NetworkPart::Members(b.fields(fields, "NetworkMember", false, |b, name, fields| {
                    b.no_arguments(fields)?;
                    Some(match name {
                        "__typename" => MemberPart::Typename,
                        "hops" => MemberPart::Hops,
                        "seller" => MemberPart::Seller(b.object(fields, Kind::Seller)?),
                        _ => return None,
                    })
                })?),
                "links" => NetworkPart::Links(b.fields(fields, "SellerLink", false, |b, name, fields| {
                    b.no_arguments(fields)?;
                    Some(match name {
                        "__typename" => LinkPart::Typename,
                        "kind" => LinkPart::Kind,
                        "a" => LinkPart::A(b.object(fields, Kind::Seller)?),
                        "b" => LinkPart::B(b.object(fields, Kind::Seller)?),
                        _ => return None,
                    })
                })?),
                _ => return None,
            })
        })?;
        Some(FieldPlan::Network { max_hops, parts })
    }

    /// `offenderClusters`; `None` for an argument its resolver refuses (or a null one), which
    /// the general executor answers.
    fn clusters(&mut self, key: Key, group: &Group<'d>) -> Option<(Key, RootField)> {
        let args = self.arguments("Query", group)?;
        let (min_members, min_strikes): (i32, i32) =
            (Self::arg(&args, "minMembers")?, Self::arg(&args, "minActiveStrikes")?);
        // Who may list them, and the arguments' ranges, are checked when the plan runs
        // (`analytics::resolvers::clusters`).
        self.staff_only = true;
        let first: Option<i32> = Self::arg(&args, "first")?;
        let after: Option<String> = Self::arg(&args, "after")?;
        let page_args = PageArgs::parse(first, after).ok()?;
        let names = ("OffenderClusterConnection", "OffenderClusterEdge");
        let sel = self.connection_of(
            group,
            names,
            |_| ROOT_COUNT,
            |b, fields| {
                let fields = b.fields(fields, "OffenderCluster", false, |b, name, fields| {
                    if name != "members" {
                        b.no_arguments(fields)?;
                    }
                    Some(match name {
                        "__typename" => ClusterPart::Typename,
                        "size" => ClusterPart::Size,
                        "totalActiveStrikes" => ClusterPart::TotalActiveStrikes,
                        "members" => {
                            let args = b.arguments("OffenderCluster", fields)?;
                            let first: Option<i32> = Self::arg(&args, "first")?;
                            let after: Option<String> = Self::arg(&args, "after")?;
                            let page_args = PageArgs::parse(first, after).ok()?;
                            let rel = Rel::MembersOfCluster;
                            page_args.check_arity(rel.arity()).ok()?;
                            let sel = b.connection(fields, Kind::Seller, Some(&rel))?;
                            ClusterPart::Members { page: b.page(Kind::Seller, rel, page_args), sel }
                        }
                        _ => return None,
                    })
                })?;
                Some(ClusterSelection { fields })
            },
        )?;
        Some((key, RootField::Clusters { min_members, min_strikes, args: page_args, sel }))
    }

    /// The selection of a connection of `obj` rows.
    fn connection(&mut self, group: &Group<'d>, obj: Kind, rel: Option<&Rel>) -> Option<ConnSelection> {
        let names = (schema::connection_name(obj), schema::edge_name(obj));
        let total = |b: &mut Self| rel.map_or(ROOT_COUNT, |rel| b.count(rel));
        self.connection_of(group, names, total, |b, fields| b.object(fields, obj))
    }

    /// The selection of a connection named `names` (connection, edge), its nodes' selection
    /// planned by `node`; `total` gives the count slot of its `totalCount`.
    fn connection_of<N>(
        &mut self,
        group: &Group<'d>,
        names: (&str, &str),
        mut total: impl FnMut(&mut Self) -> usize,
        mut node: impl FnMut(&mut Self, &Group<'d>) -> Option<N>,
    ) -> Option<ConnSelection<N>> {
        let fields = self.fields(group, names.0, false, |b, name, fields| {
            b.no_arguments(fields)?;
            match name {
                "__typename" => Some(ConnPart::Typename),
                "nodes" => Some(ConnPart::Nodes(node(b, fields)?)),
                "edges" => {
                    let edges = b.fields(fields, names.1, false, |b, name, fields| {
                        b.no_arguments(fields)?;
                        match name {
                            "__typename" => Some(EdgePart::Typename),
                            "cursor" => Some(EdgePart::Cursor),
                            "node" => Some(EdgePart::Node(node(b, fields)?)),
                            _ => None,
                        }
                    })?;
                    Some(ConnPart::Edges(edges))
                }
                "pageInfo" => Some(ConnPart::PageInfo(b.page_info(fields)?)),
                "totalCount" => Some(ConnPart::TotalCount(total(b))),
                _ => None,
            }
        })?;
        Some(ConnSelection { fields })
    }

    fn page_info(&mut self, group: &Group<'d>) -> Option<Vec<(Key, InfoPart)>> {
        self.fields(group, "PageInfo", false, |b, name, fields| {
            b.no_arguments(fields)?;
            match name {
                "__typename" => Some(InfoPart::Typename),
                "hasPreviousPage" => Some(InfoPart::HasPreviousPage),
                "hasNextPage" => Some(InfoPart::HasNextPage),
                "startCursor" => Some(InfoPart::StartCursor),
                "endCursor" => Some(InfoPart::EndCursor),
                _ => None,
            }
        })
    }

    fn page(&mut self, obj: Kind, rel: Rel, args: PageArgs) -> usize {
        match self.pages.iter().position(|(o, r, a)| *o == obj && *r == rel && *a == args) {
            Some(i) => i,
            None => {
                self.pages.push((obj, rel, args));
                self.pages.len() - 1
            }
        }
    }

    fn count(&mut self, rel: &Rel) -> usize {
        match self.counts.iter().position(|r| r == rel) {
            Some(i) => i,
            None => {
                self.counts.push(rel.clone());
                self.counts.len() - 1
            }
        }
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

/// `"key":`, escaped as JSON.
fn json_key(key: &str) -> Key {
    let mut out = serde_json::to_string(key).unwrap_or_else(|_| format!("\"{key}\""));
    out.push(':');
    out.into_boxed_str()
}
