//! Planning an object's fields: its declared columns, references and connections (from the
//! domains' `object!` declarations), and the fields the planner answers by rules of its own
//! (figures, a price, a seller's network, a connection's page info).

use std::collections::HashMap;

use async_graphql_value::ConstValue;

use super::*;

impl<'d> Builder<'d> {
    /// The fields of the merged fields `group`, of type `ty`, each planned by `plan` (given its
    /// name and its own merged fields, which must all have that name).
    pub(super) fn fields<P>(
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
    pub(super) fn object(&mut self, group: &Group<'d>, obj: Kind) -> Option<Selection> {
        let fields = self.fields(group, obj.type_name(), true, |b, name, fields| b.field(obj, name, fields))?;
        Some(Selection { fields })
    }

    /// How field `name` of `obj` is answered.
    pub(super) fn field(&mut self, obj: Kind, name: &str, group: &Group<'d>) -> Option<FieldPlan> {
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
    pub(super) fn stats(&mut self, group: &Group<'d>) -> Option<FieldPlan> {
        let args = self.arguments(Kind::Brand.type_name(), group)?;
        let since: Option<chrono::DateTime<chrono::Utc>> = Self::arg(&args, "since")?;
        let parts = self.fields(group, "BrandStats", false, |b, name, fields| {
            b.no_arguments(fields)?;
            let part = match name {
                "__typename" => StatsPart::Typename,
                _ => StatsPart::Figure(crate::notices::stats::BrandStats::figure(name)?),
            };
            Some(part)
        })?;
        Some(FieldPlan::Stats { since: since.map(crate::time::micros), parts })
    }

    /// Connection `rel` of objects `target`, paged as `args` say.
    pub(super) fn connection_field(
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
    pub(super) fn reads(&mut self, obj: Kind, fields: &[&str]) {
        let mask = self.masks.entry(obj).or_insert(Mask::ID);
        *mask = schema::mask_with(obj, *mask, fields);
    }

    pub(super) fn price(&mut self, group: &Group<'d>) -> Option<FieldPlan> {
        let mut columns = Vec::new();
        let parts = self.fields(group, "Money", false, |b, name, fields| {
            b.no_arguments(fields)?;
            if name == "__typename" {
                return Some(PricePart::Typename);
            }
            let (column, read) = crate::listings::types::Money::part(name)?;
            columns.push(column);
            Some(PricePart::Text(read))
        })?;
        self.reads(Kind::Listing, &columns);
        Some(FieldPlan::Price(parts))
    }

    /// `Seller.network`; `None` for a `maxHops` its resolver refuses (or a null one), which the
    /// general executor answers.
    pub(super) fn network(&mut self, group: &Group<'d>) -> Option<FieldPlan> {
        let args = self.arguments("Seller", group)?;
        let max_hops: i32 = Self::arg(&args, "maxHops")?;
        // Who may walk it, and how far, is checked when the plan runs (`may_walk`); a viewer who
        // is not staff is given back before any statement.
        self.staff_only = true;
        // A network's sellers are loaded with the level below it, which reads no pages for them.
        let parts = self.parts::<OffenderNetwork>(group, false)?;
        Some(FieldPlan::Network { max_hops, parts })
    }

    /// The fields `group` asks of a `parts!` object `S`, each planned from its declaration;
    /// `pages`: whether the caller reads the pages of its connections (else one gives the
    /// document back).
    pub(super) fn parts<S: crate::fields::Parts>(&mut self, group: &Group<'d>, pages: bool) -> Option<Parts<S>> {
        use crate::fields::Part;
        self.fields(group, S::NAME, false, |b, name, fields| {
            let part = if name == "__typename" { None } else { Some(S::part(name)?) };
            if !matches!(part, Some(Part::Sellers(..))) {
                b.no_arguments(fields)?;
            }
            Some(match part {
                None => PartPlan::Typename(S::NAME),
                Some(Part::Value(write)) => PartPlan::Value(write),
                Some(Part::Seller(id)) => PartPlan::Seller(id, b.object(fields, Kind::Seller)?),
                Some(Part::Members(read)) => PartPlan::Members(read, b.parts(fields, pages)?),
                Some(Part::Links(read)) => PartPlan::Links(read, b.parts(fields, pages)?),
                Some(Part::Sellers(allowed, rel_of, parent)) if pages => {
                    let args = b.arguments_among(S::NAME, allowed, fields)?;
                    let rel = rel_of(&crate::fields::Args(&args)).ok()?;
                    let FieldPlan::Conn { page, sel, .. } = b.connection_field(Kind::Seller, rel, &args, fields)?
                    else {
                        return None;
                    };
                    PartPlan::Sellers { parent, page, sel }
                }
                Some(Part::Sellers(..)) => return None,
            })
        })
    }

    /// The selection of a connection of `obj` rows.
    pub(super) fn connection(&mut self, group: &Group<'d>, obj: Kind, rel: Option<&Rel>) -> Option<ConnSelection> {
        let names = (schema::connection_name(obj), schema::edge_name(obj));
        let total = |b: &mut Self| rel.map_or(ROOT_COUNT, |rel| b.count(rel));
        self.connection_of(group, names, total, |b, fields| b.object(fields, obj))
    }

    /// The selection of a connection named `names` (connection, edge), its nodes' selection
    /// planned by `node`; `total` gives the count slot of its `totalCount`.
    pub(super) fn connection_of<N>(
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

    pub(super) fn page_info(&mut self, group: &Group<'d>) -> Option<Vec<(Key, InfoPart)>> {
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

    pub(super) fn page(&mut self, obj: Kind, rel: Rel, args: PageArgs) -> usize {
        match self.pages.iter().position(|(o, r, a)| *o == obj && *r == rel && *a == args) {
            Some(i) => i,
            None => {
                self.pages.push((obj, rel, args));
                self.pages.len() - 1
            }
        }
    }

    pub(super) fn count(&mut self, rel: &Rel) -> usize {
        match self.counts.iter().position(|r| r == rel) {
            Some(i) => i,
            None => {
                self.counts.push(rel.clone());
                self.counts.len() - 1
            }
        }
    }
}
