//! Every relation's pages, from both executors, equal a naive answer: all rows of the parent read
//! with the entities, sorted in the relation's order and sliced. Registries come from the seed
//! generator (notices citing several trademarks, listings with items of several brands, sellers
//! in clusters), page sizes and the parents asked together are drawn at random, and the second
//! page follows each first page's `endCursor`. Issue 32 found `Trademark.notices` answering an
//! empty page with a non-zero `totalCount` on SQLite, where a notice's rows repeat per trademark.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rightsgraph::auth::Role;
use rightsgraph::ids::Kind;
use rightsgraph::seed::{SeedPlan, seed};
use sea_orm::{DatabaseConnection, EntityTrait};
use serde_json::{Value, json};

use crate::harness::{TestApp, gid, spawn, token};

/// Child ids of each parent, in the relation's order.
type Lists = BTreeMap<i64, Vec<i64>>;

/// One relation as a client reaches it: from a parent of `parent` kind, GraphQL type `on`,
/// through `field` (with `args`), to children of `child` kind; and the naive answer.
struct Relation {
    name: &'static str,
    parent: Kind,
    on: &'static str,
    field: &'static str,
    args: &'static str,
    child: Kind,
    lists: Lists,
}

/// Groups `rows` by parent, each group sorted by `key`.
fn group<T, K: Ord>(
    rows: &[T],
    parent: impl Fn(&T) -> Option<i64>,
    key: impl Fn(&T) -> K,
    id: impl Fn(&T) -> i64,
) -> Lists {
    let mut by: BTreeMap<i64, Vec<&T>> = BTreeMap::new();
    for row in rows {
        if let Some(p) = parent(row) {
            by.entry(p).or_default().push(row);
        }
    }
    by.into_iter()
        .map(|(p, mut rows)| {
            rows.sort_by_key(|r| key(r));
            (p, rows.into_iter().map(&id).collect())
        })
        .collect()
}

/// Every relation of the registry in `db`, answered naively.
async fn relations(db: &DatabaseConnection) -> Vec<Relation> {
    use std::cmp::Reverse;
    let trademarks = entity::trademark::Entity::find().all(db).await.expect("trademarks");
    let notices = entity::notice::Entity::find().all(db).await.expect("notices");
    let items = entity::notice_item::Entity::find().all(db).await.expect("items");
    let listings = entity::listing::Entity::find().all(db).await.expect("listings");
    let strikes = entity::strike::Entity::find().all(db).await.expect("strikes");
    let events = entity::notice_event::Entity::find().all(db).await.expect("events");
    let statements = entity::statement_of_reasons::Entity::find().all(db).await.expect("statements");
    let submitted: BTreeMap<i64, i64> = notices.iter().map(|n| (n.id, n.submitted_at)).collect();
    // A notice once per trademark it cites: the relation whose rows repeat an id.
    let mut cited: Vec<(i64, i64)> = items.iter().map(|i| (i.trademark_id, i.notice_id)).collect();
    cited.sort_unstable();
    cited.dedup();
    let newest_notice = |&(_, n): &(i64, i64)| (Reverse(submitted[&n]), Reverse(n));
    vec![
        Relation {
            name: "Brand.trademarks",
            parent: Kind::Brand,
            on: "Brand",
            field: "trademarks",
            args: "",
            child: Kind::Trademark,
            lists: group(&trademarks, |t| Some(t.brand_id), |t| t.id, |t| t.id),
        },
        Relation {
            name: "Brand.notices",
            parent: Kind::Brand,
            on: "Brand",
            field: "notices",
            args: "",
            child: Kind::Notice,
            lists: group(&notices, |n| Some(n.brand_id), |n| (Reverse(n.submitted_at), Reverse(n.id)), |n| n.id),
        },
        Relation {
            name: "Trademark.notices",
            parent: Kind::Trademark,
            on: "Trademark",
            field: "notices",
            args: "",
            child: Kind::Notice,
            lists: group(&cited, |c| Some(c.0), newest_notice, |c| c.1),
        },
        Relation {
            name: "Seller.listings",
            parent: Kind::Seller,
            on: "Seller",
            field: "listings",
            args: "",
            child: Kind::Listing,
            lists: group(&listings, |l| Some(l.seller_id), |l| l.id, |l| l.id),
        },
        Relation {
            name: "Seller.listings(status: REMOVED)",
            parent: Kind::Seller,
            on: "Seller",
            field: "listings",
            args: ", status: REMOVED",
            child: Kind::Listing,
            lists: group(&listings, |l| (l.status.as_db() == "REMOVED").then_some(l.seller_id), |l| l.id, |l| l.id),
        },
        Relation {
            name: "Seller.strikes",
            parent: Kind::Seller,
            on: "Seller",
            field: "strikes",
            args: "",
            child: Kind::Strike,
            lists: group(&strikes, |s| Some(s.seller_id), |s| Reverse(s.id), |s| s.id),
        },
        Relation {
            name: "Notice.items",
            parent: Kind::Notice,
            on: "Notice",
            field: "items",
            args: "",
            child: Kind::NoticeItem,
            lists: group(&items, |i| Some(i.notice_id), |i| i.id, |i| i.id),
        },
        Relation {
            name: "Listing.noticeItems",
            parent: Kind::Listing,
            on: "Listing",
            field: "noticeItems",
            args: "",
            child: Kind::NoticeItem,
            lists: group(&items, |i| Some(i.listing_id), |i| Reverse(i.id), |i| i.id),
        },
        Relation {
            name: "Seller.noticeItems",
            parent: Kind::Seller,
            on: "Seller",
            field: "noticeItems",
            args: "",
            child: Kind::NoticeItem,
            lists: group(&items, |i| Some(i.seller_id), |i| (Reverse(i.submitted_at), Reverse(i.id)), |i| i.id),
        },
        Relation {
            name: "Notice.events",
            parent: Kind::Notice,
            on: "Notice",
            field: "events",
            args: "",
            child: Kind::NoticeEvent,
            lists: group(&events, |e| e.notice_id, |e| (e.at, e.id), |e| e.id),
        },
        Relation {
            name: "Brand.enforcementHistory",
            parent: Kind::Brand,
            on: "Brand",
            field: "enforcementHistory",
            args: "",
            child: Kind::NoticeEvent,
            lists: group(&events, |e| Some(e.brand_id), |e| (Reverse(e.at), Reverse(e.id)), |e| e.id),
        },
        Relation {
            name: "Seller.statementsOfReasons",
            parent: Kind::Seller,
            on: "Seller",
            field: "statementsOfReasons",
            args: "",
            child: Kind::StatementOfReasons,
            lists: group(&statements, |s| Some(s.seller_id), |s| (s.application_date, s.id), |s| s.id),
        },
    ]
}

/// One page of `rel` under each of `asked` (parent key, `after`), in one request through `node`,
/// the planner on or off: each parent's (ids, totalCount, hasNextPage, endCursor).
async fn pages(
    app: &TestApp,
    viewer: &str,
    rel: &Relation,
    asked: &[(i64, Option<String>)],
    first: usize,
    planner: bool,
) -> Vec<(Vec<String>, u64, bool, Option<String>)> {
    let selections: String = asked
        .iter()
        .enumerate()
        .map(|(i, (parent, after))| {
            let after = after.as_ref().map(|a| format!(", after: {}", json!(a))).unwrap_or_default();
            format!(
                "p{i}: node(id: \"{}\") {{ ... on {} {{ {}(first: {first}{after}{}) {{ totalCount \
                 pageInfo {{ hasNextPage endCursor }} nodes {{ id }} }} }} }}\n",
                gid(rel.parent, *parent),
                rel.on,
                rel.field,
                rel.args
            )
        })
        .collect();
    app.app.pipeline.planner.store(planner, Ordering::Relaxed);
    let data = app.data(viewer, &format!("{{ {selections} }}"), json!({})).await;
    app.app.pipeline.planner.store(true, Ordering::Relaxed);
    (0..asked.len())
        .map(|i| {
            let page = &data[format!("p{i}")][rel.field];
            let ids = page["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{}: no page in {data:#}", rel.name))
                .iter()
                .map(|n| n["id"].as_str().expect("id").to_owned())
                .collect();
            let cursor = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
            (ids, page["totalCount"].as_u64().expect("totalCount"), page["pageInfo"]["hasNextPage"] == true, cursor)
        })
        .collect()
}

/// Draws the parents to ask together: some with the most rows, some at random (a parent with
/// none among them), at most 29 (the root field limit is 30).
fn parents(rel: &Relation, all: &[i64], rng: &mut StdRng) -> Vec<i64> {
    let mut by_size: Vec<(usize, i64)> = rel.lists.iter().map(|(p, rows)| (rows.len(), *p)).collect();
    by_size.sort_unstable_by(|a, b| b.cmp(a));
    let mut chosen: Vec<i64> = by_size.iter().take(10).map(|(_, p)| *p).collect();
    for _ in 0..18 {
        if all.is_empty() {
            break;
        }
        chosen.push(all[rng.random_range(0..all.len())]);
    }
    if let Some(empty) = all.iter().find(|p| !rel.lists.contains_key(p)) {
        chosen.push(*empty);
    }
    chosen.sort_unstable();
    chosen.dedup();
    chosen
}

/// Checks every relation of a registry seeded with `plan` against its naive answer, drawing page
/// sizes and parents from `draw`.
/// `shared_required`: the registry must hold a notice citing two trademarks (the fixed seeds do; a seed
/// drawn from the clock may not, and is checked all the same).
async fn check_registry(plan: SeedPlan, draw: u64, shared_required: bool) {
    let app = spawn().await;
    seed(&app.app.shared, plan).await.expect("seed");
    let admin = token(Role::Admin, None, None);
    let rels = relations(&app.app.db).await;
    let keys = |kind: Kind| -> Vec<i64> {
        let mut all: Vec<i64> =
            rels.iter().filter(|r| r.parent == kind).flat_map(|r| r.lists.keys().copied()).collect();
        all.sort_unstable();
        all.dedup();
        all
    };
    let shared = rels
        .iter()
        .find(|r| r.name == "Trademark.notices")
        .map(|r| {
            r.lists.values().flatten().count()
                > r.lists.values().flatten().collect::<std::collections::BTreeSet<_>>().len()
        })
        .unwrap_or(false);
    assert!(
        shared || !shared_required,
        "seed {plan:?}: no notice cites two trademarks, so the case of issue 32 is not tried"
    );
    let mut rng = StdRng::seed_from_u64(draw);
    for rel in &rels {
        // Parents of this kind with rows in any relation: some have none of this one's.
        let all = keys(rel.parent);
        let together = parents(rel, &all, &mut rng);
        let first = rng.random_range(1..=6);
        let second = rng.random_range(1..=6);
        let context = format!("{} (seed {}, draw {draw}, first {first}, then {second})", rel.name, plan.seed);
        // The parents together, then the one with the most rows alone and one drawn alone: a
        // single parent's page is read by a statement of its own (`sql::page_per_parent`).
        let most = rel.lists.iter().max_by_key(|(p, rows)| (rows.len(), **p)).map(|(p, _)| *p);
        let alone: Vec<Vec<i64>> = most.into_iter().chain(together.first().copied()).map(|p| vec![p]).collect();
        for (asked, planner) in std::iter::once(together).chain(alone).flat_map(|a| [(a.clone(), true), (a, false)]) {
            let existing: Vec<(i64, Option<String>)> = asked.iter().map(|p| (*p, None)).collect();
            let got = pages(&app, &admin, rel, &existing, first, planner).await;
            let mut seconds = Vec::new();
            for ((parent, _), (ids, total, more, cursor)) in existing.iter().zip(&got) {
                let naive = rel.lists.get(parent).cloned().unwrap_or_default();
                let expected: Vec<String> = naive.iter().take(first).map(|k| gid(rel.child, *k)).collect();
                let at = format!("{context}, parent {parent}, planner {planner}");
                assert_eq!(ids, &expected, "{at}: the first page");
                assert_eq!(*total, naive.len() as u64, "{at}: totalCount");
                assert_eq!(*more, naive.len() > first, "{at}: hasNextPage");
                if *more {
                    seconds.push((*parent, cursor.clone()));
                }
            }
            if seconds.is_empty() {
                continue;
            }
            let got = pages(&app, &admin, rel, &seconds, second, planner).await;
            for ((parent, _), (ids, _, more, _)) in seconds.iter().zip(&got) {
                let naive = rel.lists.get(parent).cloned().unwrap_or_default();
                let expected: Vec<String> = naive.iter().skip(first).take(second).map(|k| gid(rel.child, *k)).collect();
                let at = format!("{context}, parent {parent}, planner {planner}");
                assert_eq!(ids, &expected, "{at}: the page after the first");
                assert_eq!(*more, naive.len() > first + second, "{at}: hasNextPage of the second page");
            }
        }
    }
}

/// The registry of issue 32 (`seed --scale 0.2 --seed 5`), where `tmk_000000000002` answered
/// `totalCount: 39, nodes: []` on SQLite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relation_pages_equal_the_naive_answer_on_the_registry_of_issue_32() {
    check_registry(SeedPlan { scale: 0.2, seed: 5, append: false, progress: false }, 32, true).await;
}

/// Other registries and draws: two fixed, one from the clock (named in any failure).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relation_pages_equal_the_naive_answer_on_random_registries() {
    let clock = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    for (seed_of, draw, fixed) in [(11, 1, true), (23, 2, true), (clock % 10_000, clock, false)] {
        check_registry(SeedPlan { scale: 0.05, seed: seed_of, append: false, progress: false }, draw, fixed).await;
    }
}

/// The parents of a cluster share no rows, but its members come through another root: each
/// cluster's members page equals the sellers of its component, by id.
#[tokio::test]
async fn cluster_member_pages_equal_the_sellers_of_each_component() {
    let app = spawn().await;
    seed(&app.app.shared, SeedPlan { scale: 0.1, seed: 3, append: false, progress: false }).await.expect("seed");
    let sellers = entity::seller::Entity::find().all(&app.app.db).await.expect("sellers");
    let components = group(&sellers, |s| s.cluster_id, |s| s.id, |s| s.id);
    let admin = token(Role::Admin, None, None);
    let query = "{ offenderClusters(minMembers: 2, minActiveStrikes: 0, first: 100) { nodes { size
        members(first: 3) { totalCount pageInfo { hasNextPage } nodes { id } } } } }";
    for planner in [true, false] {
        app.app.pipeline.planner.store(planner, Ordering::Relaxed);
        let data = app.data(&admin, query, json!({})).await;
        let clusters = data["offenderClusters"]["nodes"].as_array().expect("clusters").clone();
        assert!(!clusters.is_empty(), "the seed has rings: {data:#}");
        for cluster in &clusters {
            let members = &cluster["members"];
            let first: Vec<&str> =
                members["nodes"].as_array().expect("members").iter().filter_map(|m| m["id"].as_str()).collect();
            let component = components
                .values()
                .find(|ids| ids.first().map(|k| gid(Kind::Seller, *k)).as_deref() == first.first().copied())
                .unwrap_or_else(|| panic!("no component starts with {first:?}"));
            let expected: Vec<String> = component.iter().take(3).map(|k| gid(Kind::Seller, *k)).collect();
            assert_eq!(first, expected, "planner {planner}");
            assert_eq!(members["totalCount"], component.len(), "planner {planner}");
            assert_eq!(cluster["size"], component.len(), "planner {planner}");
            assert_eq!(members["pageInfo"]["hasNextPage"], Value::Bool(component.len() > 3), "planner {planner}");
        }
    }
}
