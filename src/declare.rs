//! The declarations of the registry's objects (`object!` over a table's rows, `parts!` over
//! computed values): each field is written once, and both the async-graphql resolver and what the
//! planner reads of it (`fields::Declared`, `fields::Parts`) come from that one declaration. The
//! resolvers they generate use `graph`'s helpers.

/// Declares a GraphQL object over an entity model (`Type(pub Model)` in `objects`): its id, its
/// plain fields as columns read through a `Codec`, its references to other objects, the fields
/// derived from some of its columns and the request's instant (`derived`: the body sees only the
/// columns it names, so a plan selects what it reads), its connections (`connections`: the list
/// a connection's arguments select, as a `Rel`), then any other resolvers as they are written in
/// an `#[Object]` impl. Generates that impl and the object's `Declared` table, so that a field is
/// declared in one place for both executors. The caller writes the impl's head
/// (`head { /// docs #[Object] impl Type }`), and the connections' page-size parameter and cost
/// (`connections(first, "crate::pagination::cost(first, child_complexity)")`): those must be the
/// caller's tokens, so that the names the attribute makes (`child_complexity`) and the one its
/// cost reads (`first`) are the caller's.
macro_rules! object {
    (
        head { $($head:tt)* }
        $ty:ident($kind:expr, $variant:ident) {
            $(#[$idmeta:meta])* id;
            $( $(#[$fmeta:meta])* $gql:literal $name:ident: $codec:ty = $col:ident; )*
        }
        refs {
            $( $(#[$rmeta:meta])* $rgql:literal $rname:ident -> $target:ident via $table:ident($rcol:ident); )*
        }
        optional_refs {
            $( $(#[$ometa:meta])* $ogql:literal $oname:ident -> $otarget:ident via $otable:ident($ocol:ident); )*
        }
        derived {
            $( $(#[$dmeta:meta])* $dgql:literal $dname:ident: $dcodec:ty
                = [$($dcol:ident),+] $(if $who:path)? |$dnow:ident| $dbody:expr; )*
        }
        connections($first:ident, $cost:literal) {
            $( $(#[$cmeta:meta])* $cgql:literal $cname:ident -> $ctarget:ident via $ctable:ident
                [$( $(#[$ameta:meta])* $agql:literal $aname:ident: $aty:ty ),* $(,)?] => $crel:expr; )*
        }
        methods {
            $($methods:tt)*
        }
    ) => {
        $crate::declare::with_connections! {
        head { $($head)* }
        connections($first, $cost) {
            $( $(#[$cmeta])* $cgql $cname -> $ctarget via $ctable [$( $(#[$ameta])* $aname: $aty ),*]
                |s| s.0.id => $crel; )*
        }
        methods {
            $(#[$idmeta])*
            pub async fn id(&self) -> async_graphql::ID {
                $crate::ids::to_id($kind, self.0.id)
            }

            $(
                $(#[$fmeta])*
                #[graphql(name = $gql)]
                async fn $name(&self) -> <$codec as $crate::fields::Codec>::Out<'_> {
                    <$codec as $crate::fields::Codec>::read(&self.0.$col)
                }
            )*

            $(
                $(#[$rmeta])*
                #[graphql(name = $rgql)]
                async fn $rname(&self, ctx: &async_graphql::Context<'_>) -> $crate::error::AppResult<$target> {
                    Ok($target($crate::graph::load_ref::<$crate::loaders::$table>(ctx, self.0.$rcol).await?))
                }
            )*

            $(
                $(#[$ometa])*
                #[graphql(name = $ogql)]
                async fn $oname(&self, ctx: &async_graphql::Context<'_>) -> $crate::error::AppResult<Option<$otarget>> {
                    match self.0.$ocol {
                        Some(id) => Ok($crate::graph::load::<$crate::loaders::$otable>(ctx, id).await?.map($otarget)),
                        None => Ok(None),
                    }
                }
            )*

            $(
                $(#[$dmeta])*
                #[graphql(name = $dgql)]
                async fn $dname(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                ) -> $crate::error::AppResult<<$dcodec as $crate::fields::Codec>::Raw> {
                    $( $who($crate::graph::identity(ctx)?.scope(), self.0.id)?; )?
                    let $dnow = $crate::graph::request(ctx)?.now();
                    $(let $dcol = &self.0.$dcol;)+
                    Ok($dbody)
                }
            )*

        }
        then {
            $($methods)*
        }
        }

        impl $crate::fields::Declared for $ty {
            const KIND: $crate::ids::Kind = $kind;

            const NAMES: &'static [&'static str] = &["id", $($gql,)* $($dgql,)* $($rgql,)* $($ogql,)*];

            fn column(name: &str) -> Option<($crate::fields::ScalarFn, $crate::fields::Fields)> {
                use $crate::fields::{Codec as _, Fallback, Fields, Row, ScalarFn};
                let f: (ScalarFn, Fields) = match name {
                    "id" => (
                        |row: Row<'_>, out: &mut Vec<u8>, _: $crate::fields::Reading| match row {
                            Row::$variant(m) => {
                                $crate::fields::global_id(out, $kind, m.id);
                                Ok(())
                            }
                            _ => Err(Fallback("a field of another object")),
                        },
                        &["id"],
                    ),
                    $(
                        $gql => (
                            |row: Row<'_>, out: &mut Vec<u8>, _: $crate::fields::Reading| match row {
                                Row::$variant(m) => <$codec>::write(&m.$col, out),
                                _ => Err(Fallback("a field of another object")),
                            },
                            &[stringify!($col)],
                        ),
                    )*
                    $(
                        $dgql => (
                            |row: Row<'_>, out: &mut Vec<u8>, reading: $crate::fields::Reading| match row {
                                Row::$variant(m) => {
                                    $(
                                        $who(reading.scope, m.id)
                                            .map_err(|_| Fallback("a field the viewer may not read"))?;
                                    )?
                                    let $dnow = reading.now;
                                    $(let $dcol = &m.$dcol;)+
                                    let value: <$dcodec as $crate::fields::Codec>::Raw = $dbody;
                                    <$dcodec>::write(&value, out)
                                }
                                _ => Err(Fallback("a field of another object")),
                            },
                            &[$(stringify!($dcol)),+],
                        ),
                    )*
                    _ => return None,
                };
                Some(f)
            }

            const CONNECTIONS: &'static [&'static str] = &[$($cgql),*];

            fn connection(name: &str) -> Option<($crate::ids::Kind, &'static [&'static str], $crate::fields::RelFn)> {
                match name {
                    $(
                        $cgql => Some((
                            <$crate::loaders::$ctable as $crate::loaders::Table>::KIND,
                            &["first", "after", $($agql),*],
                            |_args: &$crate::fields::Args<'_>| {
                                $(let $aname: $aty = _args.get($agql)?;)*
                                Ok($crel)
                            },
                        )),
                    )*
                    _ => None,
                }
            }

            fn reference(name: &str) -> Option<($crate::ids::Kind, ($crate::fields::RefFn, &'static str), bool)> {
                match name {
                    $(
                        $rgql => Some((
                            <$target as $crate::fields::Declared>::KIND,
                            (
                                |row: $crate::fields::Row<'_>| match row {
                                    $crate::fields::Row::$variant(m) => Some(m.$rcol),
                                    _ => None,
                                },
                                stringify!($rcol),
                            ),
                            false,
                        )),
                    )*
                    $(
                        $ogql => Some((
                            <$otarget as $crate::fields::Declared>::KIND,
                            (
                                |row: $crate::fields::Row<'_>| match row {
                                    $crate::fields::Row::$variant(m) => m.$ocol,
                                    _ => None,
                                },
                                stringify!($ocol),
                            ),
                            true,
                        )),
                    )*
                    _ => None,
                }
            }
        }
    };
}

pub(crate) use object;

/// Declares an object made of computed values rather than a table's row (a seller's network, its
/// members and links, an offender cluster), as `object!` does for rows: its plain values (each
/// read by a `Codec` from what the body gives, with `s` the object), its sellers (by id), its
/// lists of other such objects, and its connections of sellers. Generates the `#[Object]` impl
/// (its head written by the caller: `head { /// docs #[Object] impl Type }`) and the object's
/// `Parts`, from which the planner reads the same fields, so that the two executors answer them
/// from one declaration.
macro_rules! parts {
    (
        head { $($head:tt)* }
        $ty:ident {
            $( $(#[$vmeta:meta])* $vgql:literal $vname:ident: $codec:ty = |$vs:ident| $vread:expr; )*
        }
        $(sellers {
            $( $(#[$smeta:meta])* $sgql:literal $sname:ident = |$ss:ident| $sread:expr; )*
        })?
        $(lists {
            $( $(#[$lmeta:meta])* $lgql:literal $lname:ident: [$lty:ty] = |$ls:ident| $lread:expr; )*
        })?
        $(connections($first:ident, $cost:literal) {
            $( $(#[$cmeta:meta])* $cgql:literal $cname:ident -> $ctarget:ident via $ctable:ident
                = |$cs:ident| $cparent:expr => $crel:expr; )*
        })?
    ) => {
        $crate::declare::with_connections! {
        head { $($head)* }
        $(connections($first, $cost) {
            $( $(#[$cmeta])* $cgql $cname -> $ctarget via $ctable [] |$cs| $cparent => $crel; )*
        })?
        methods {
            $(
                $(#[$vmeta])*
                #[graphql(name = $vgql)]
                async fn $vname(&self) -> <$codec as $crate::fields::Codec>::Out<'_> {
                    let $vs = self;
                    <$codec as $crate::fields::Codec>::read($vread)
                }
            )*

            $($(
                $(#[$smeta])*
                #[graphql(name = $sgql)]
                async fn $sname(&self, ctx: &async_graphql::Context<'_>) -> $crate::error::AppResult<$crate::objects::Seller> {
                    let $ss = self;
                    let row = $crate::graph::load_ref::<$crate::loaders::Sellers>(ctx, $sread).await?;
                    Ok($crate::objects::Seller(row))
                }
            )*)?

            $($(
                $(#[$lmeta])*
                #[graphql(name = $lgql)]
                async fn $lname(&self) -> Vec<$lty> {
                    let $ls = self;
                    $lread
                }
            )*)?

        }
        }

        impl $crate::fields::Parts for $ty {
            const NAME: &'static str = stringify!($ty);

            const NAMES: &'static [&'static str] = &[$($vgql,)* $($($sgql,)*)? $($($lgql,)*)? $($($cgql,)*)?];

            fn part(name: &str) -> Option<$crate::fields::Part<Self>> {
                use $crate::fields::{Codec as _, Part};
                Some(match name {
                    $( $vgql => Part::Value(|$vs: &$ty, out: &mut Vec<u8>| <$codec>::write($vread, out)), )*
                    $($( $sgql => Part::Seller(|$ss: &$ty| $sread), )*)?
                    $($( $lgql => <$lty as $crate::fields::Listed>::part(|$ls: &$ty| $lread), )*)?
                    $($(
                        $cgql => Part::Sellers(
                            &["first", "after"],
                            |_args: &$crate::fields::Args<'_>| Ok($crel),
                            |$cs: &$ty| $cparent,
                        ),
                    )*)?
                    _ => return None,
                })
            }
        }
    };
}

pub(crate) use parts;

/// The `#[Object]` impl `head` of `methods`, then the connection resolvers `connections`, then
/// `then` (the order of the fields in the schema). Each connection is paged through
/// `graph::nested` under the key its `|s| parent` gives; their page-size and cursor arguments,
/// with their descriptions, are written here once for `object!` and `parts!`. The page-size
/// parameter's name and the cost that reads it (`first`) are the caller's tokens.
macro_rules! with_connections {
    (
        head { $($head:tt)* }
        $(connections($first:ident, $cost:literal) {
            $( $(#[$cmeta:meta])* $cgql:literal $cname:ident -> $ctarget:ident via $ctable:ident
                [$( $(#[$ameta:meta])* $aname:ident: $aty:ty ),*] |$cs:ident| $cparent:expr => $crel:expr; )*
        })?
        methods { $($methods:tt)* }
        $(then { $($then:tt)* })?
    ) => {
        $($head)* {
            $($methods)*

            $($(
                $(#[$cmeta])*
                #[graphql(name = $cgql, complexity = $cost)]
                async fn $cname(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    #[graphql(desc = "Page size: 1 to 100 (else `BAD_USER_INPUT`), default 20.")] $first: Option<i32>,
                    #[graphql(desc = "A previous page's `endCursor` (opaque): the page starts after it.")]
                    after: Option<String>,
                    $( $(#[$ameta])* $aname: $aty, )*
                ) -> $crate::error::AppResult<$crate::pagination::Connection<$ctarget>> {
                    let $cs = self;
                    let rel: $crate::loaders::Rel = $crel;
                    $crate::graph::nested::<$crate::loaders::$ctable, _>(ctx, rel, $cparent, $first, after, $ctarget).await
                }
            )*)?

            $($($then)*)?
        }
    };
}

pub(crate) use with_connections;
