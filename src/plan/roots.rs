//! Planning the root fields: single objects by id, the root lists, the offender clusters.

use super::*;

impl<'d> Builder<'d> {
    pub(super) fn root_field(&mut self, key: &str, group: &Group<'d>) -> Option<(Key, RootField)> {
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
    pub(super) fn root_object(&mut self, key: Key, group: &Group<'d>, kind: Option<Kind>) -> Option<(Key, RootField)> {
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

    /// `offenderClusters`; `None` for an argument its resolver refuses (or a null one), which
    /// the general executor answers.
    pub(super) fn clusters(&mut self, key: Key, group: &Group<'d>) -> Option<(Key, RootField)> {
        let args = self.arguments("Query", group)?;
        let (min_members, min_strikes): (i32, i32) =
            (Self::arg(&args, "minMembers")?, Self::arg(&args, "minActiveStrikes")?);
        // Who may list them, and the arguments' ranges, are checked when the plan runs
        // (`analytics::resolvers::clusters`).
        self.staff_only = true;
        let first: Option<i32> = Self::arg(&args, "first")?;
        let after: Option<String> = Self::arg(&args, "after")?;
        let page_args = PageArgs::parse(first, after).ok()?;
        let sel =
            self.connection_of(group, CLUSTERS, |_| ROOT_COUNT, |b, fields| b.parts::<OffenderCluster>(fields, true))?;
        Some((key, RootField::Clusters { min_members, min_strikes, args: page_args, sel }))
    }
}
