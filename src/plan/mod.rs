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

use crate::analytics::types::{NetworkMember, OffenderCluster, OffenderNetwork, SellerLink};
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

mod arguments;
mod collect;
mod fetch;
pub mod gate;
mod load;
mod objects;
mod roots;
mod run;
mod schema;
mod store;
mod write;

pub use arguments::{ARGUMENTS, SchemaArguments, connection_arguments};

pub use schema::{declared_names, parts_objects};

pub use run::{Fallback, FastPath, Job};
pub use store::Stop;

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
        sel: ConnSelection<Parts<OffenderCluster>>,
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
        parts: Parts<OffenderNetwork>,
    },
}

/// The connection and edge types of `offenderClusters`.
const CLUSTERS: (&str, &str) = ("OffenderClusterConnection", "OffenderClusterEdge");

/// The fields asked of an object declared with `parts!` (`S`: a network, its members and links,
/// a cluster), each planned from that declaration.
type Parts<S> = Vec<(Key, PartPlan<S>)>;

/// A field of a `parts!` object, as its declaration (`crate::fields::Part`) says it is read.
enum PartPlan<S> {
    Typename(&'static str),
    Value(fn(&S, &mut Vec<u8>) -> Result<(), Fallback>),
    Seller(fn(&S) -> i64, Selection),
    Members(fn(&S) -> Vec<NetworkMember>, Parts<NetworkMember>),
    Links(fn(&S) -> Vec<SellerLink>, Parts<SellerLink>),
    /// A page of sellers under the object, the object's key as the page's parent.
    Sellers {
        parent: fn(&S) -> i64,
        page: usize,
        sel: ConnSelection,
    },
}

/// A field of `BrandStats`.
#[derive(Clone, Copy)]
enum StatsPart {
    Typename,
    /// A figure, as `BrandStats` declares it.
    Figure(crate::notices::stats::Figure),
}

#[derive(Clone, Copy)]
enum PricePart {
    Typename,
    /// A part of the price, read from the listing as `Money` declares it.
    Text(fn(&entity::listing::Model) -> &str),
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

/// `"key":`, escaped as JSON.
fn json_key(key: &str) -> Key {
    let mut out = serde_json::to_string(key).unwrap_or_else(|_| format!("\"{key}\""));
    out.push(':');
    out.into_boxed_str()
}
