//! The GraphQL objects of the registry, declared: each wraps what it answers from. Their fields
//! are in `<domain>/types.rs`, which take one another's types from here, so that objects that
//! refer to one another (`Brand.notices`, `Notice.brand`) form no import circle between files.

use crate::states::IdentifierKind;

/// A rights holder.
pub struct Brand(pub entity::brand::Model);

/// A registered mark of a brand.
pub struct Trademark(pub entity::trademark::Model);

/// A marketplace seller account.
pub struct Seller(pub entity::seller::Model);

/// An offer of a seller.
pub struct Listing(pub entity::listing::Model);

/// A takedown notice of a brand.
pub struct Notice(pub entity::notice::Model);

/// One listing named by a notice, with the trademark it infringes.
pub struct NoticeItem(pub entity::notice_item::Model);

/// A seller's answer to the removal of an item.
pub struct CounterNotice(pub entity::counter_notice::Model);

/// A mark against a seller for one removed item.
pub struct Strike(pub entity::strike::Model);

/// One entry of the enforcement history.
pub struct NoticeEvent(pub entity::notice_event::Model);

/// A message of a notice's thread between its brand and the platform.
pub struct NoticeMessage(pub entity::notice_message::Model);

/// A party's appeal against a decision on an item.
pub struct Appeal(pub entity::appeal::Model);

/// The statement of reasons given to a seller for a restriction (DSA Article 17).
pub struct StatementOfReasons(pub entity::statement_of_reasons::Model);

/// A piece of evidence a brand gave.
pub struct Evidence(pub entity::evidence::Model);

/// The sellers reachable from one seller through shared identifiers.
pub struct OffenderNetwork {
    pub root: i64,
    pub network: Network,
}

impl OffenderNetwork {
    /// Its members, breadth first.
    pub fn member_list(&self) -> Vec<NetworkMember> {
        self.network.members.iter().map(|&(seller, hops)| NetworkMember { seller, hops }).collect()
    }

    /// Its links, in order (the walk names every link's kind in `kinds`, so none is left out).
    pub fn link_list(&self) -> Vec<SellerLink> {
        let kinds = &self.network.kinds;
        self.network
            .links
            .iter()
            .filter_map(|&(a, b, kind)| Some(SellerLink { a, b, kind: *kinds.get(kind as usize)? }))
            .collect()
    }
}

/// A seller of a network, and how far it is from the network's root.
#[derive(Clone, Copy)]
pub struct NetworkMember {
    pub seller: i64,
    pub hops: i32,
}

/// Two sellers sharing an identifier of one kind.
#[derive(Clone, Copy)]
pub struct SellerLink {
    pub a: i64,
    pub b: i64,
    pub kind: IdentifierKind,
}

/// A seller's network: who is reachable through shared identifiers, and how.
#[derive(Debug, Clone, Default)]
pub struct Network {
    /// (seller, hops), breadth first, ties by id.
    pub members: Vec<(i64, i32)>,
    /// (a, b, kind) with a < b, once per pair and kind, ordered; the kind as its place in
    /// `kinds` (a ring's thousands of links share a few kinds, and are not a string each).
    pub links: Vec<(i64, i64, u32)>,
    /// The kinds of the members' identifiers, in the order of their names (the links' among them).
    pub kinds: Vec<IdentifierKind>,
    pub total_active_strikes: i64,
    pub truncated: bool,
}

/// Which kind of id names each object's rows (`ids::Key`).
macro_rules! keyed {
    ($($object:ident,)*) => {
        $(impl crate::ids::Keyed for $object {
            const KIND: crate::ids::Kind = crate::ids::Kind::$object;
        })*
    };
}

keyed! {
    Brand, Trademark, Seller, Listing, Notice, NoticeItem, CounterNotice, Strike, NoticeEvent, NoticeMessage, Appeal,
    StatementOfReasons,
}
