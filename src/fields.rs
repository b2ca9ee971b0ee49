//! Each field of the registry's objects declared once (`object!`, in `declare`): its GraphQL
//! name, how its value is read from the row (a column through a `Codec` here, or a reference to
//! another object), and its description. From that one declaration come both the async-graphql
//! resolver and the planner's writer (`Declared`), so the two executors cannot drift apart on a
//! field. Fields that need more than a column (a figure, a rule about who may read it) are
//! written as ordinary resolvers beside the declaration, and the planner answers those it knows
//! by their own rules.
//!
//! Objects made of computed values rather than a table's row (a seller's network, its members and
//! links, an offender cluster) are declared the same way with `parts!` (also in `declare`), whose
//! `Part`s the planner reads.
//!
//! Also here, below the domains and the planner: the row of each object as the planner holds it
//! (`Row`), and the JSON writers of column values.

use std::io::Write as _;
use std::marker::PhantomData;

use chrono::{DateTime, Utc};

use crate::ids::{GlobalId, Kind};
use crate::states::State as Stored;

/// Why a plan gave the request back to the general executor (for the log).
#[derive(Debug, Clone, Copy)]
pub struct Fallback(pub &'static str);

impl From<crate::error::AppError> for Fallback {
    fn from(_: crate::error::AppError) -> Self {
        Fallback("a stored value the schema does not know")
    }
}

/// A loaded row of one of the objects.
#[derive(Clone, Copy)]
pub enum Row<'a> {
    Brand(&'a entity::brand::Model),
    Trademark(&'a entity::trademark::Model),
    Seller(&'a entity::seller::Model),
    Listing(&'a entity::listing::Model),
    Notice(&'a entity::notice::Model),
    NoticeItem(&'a entity::notice_item::Model),
    CounterNotice(&'a entity::counter_notice::Model),
    Strike(&'a entity::strike::Model),
    NoticeEvent(&'a entity::notice_event::Model),
}

/// What a planned field is written as of: the request's instant (microseconds) and the viewer.
#[derive(Clone, Copy)]
pub struct Reading {
    pub now: i64,
    pub scope: crate::auth::Scope,
}

/// Writes one plain field of a row as JSON, as of `Reading`; a field the viewer may not read
/// gives the request back (the general executor answers its error).
pub type ScalarFn = fn(Row<'_>, &mut Vec<u8>, Reading) -> Result<(), Fallback>;

/// The fields of a model that a writer or a reference reads.
pub type Fields = &'static [&'static str];

/// The id a reference field of a row holds.
pub type RefFn = fn(Row<'_>) -> Option<i64>;

/// What an object declared with `object!` tells the planner.
pub trait Declared {
    /// The object's kind (of its ids and rows).
    const KIND: Kind;

    /// The GraphQL names of its declared fields: the id, the columns, the references.
    const NAMES: &'static [&'static str];

    /// The writer of plain field `name` and the model's fields it reads.
    fn column(name: &str) -> Option<(ScalarFn, Fields)>;

    /// The object a reference field `name` points at, the id it holds (and the model's field it
    /// reads it from), and whether it is nullable.
    fn reference(name: &str) -> Option<(Kind, (RefFn, &'static str), bool)>;

    /// The GraphQL names of its connections.
    const CONNECTIONS: &'static [&'static str];

    /// Connection `name`: the kind of its rows, the arguments it takes (`first`, `after` and
    /// its own), and the list its arguments select.
    fn connection(name: &str) -> Option<(Kind, &'static [&'static str], RelFn)>;
}

/// The arguments of one field as the planner holds them, by GraphQL name (the schema's defaults
/// filled in).
pub struct Args<'a>(pub &'a std::collections::HashMap<&'a str, async_graphql::Value>);

impl Args<'_> {
    /// Argument `name` as `T`, or the error the resolver would answer for it.
    pub fn get<T: async_graphql::InputType>(&self, name: &str) -> crate::error::AppResult<T> {
        T::parse(self.0.get(name).cloned()).map_err(|e| {
            crate::error::AppError::bad_input(
                name,
                format!("{name}: {}", e.into_server_error(Default::default()).message),
            )
        })
    }
}

/// The list a connection's arguments select.
pub type RelFn = fn(&Args<'_>) -> crate::error::AppResult<crate::loaders::Rel>;

/// How a column's stored value is answered: the resolver's value (`read`) and the same value as
/// JSON (`write`), written side by side so that the two executors answer alike.
pub trait Codec {
    /// The column's type in the model.
    type Raw: ?Sized;
    /// What the resolver answers.
    type Out<'a>: async_graphql::OutputType + 'a;
    /// The resolver's value of `raw`.
    fn read(raw: &Self::Raw) -> Self::Out<'_>;
    /// `raw` as the general executor would write its value.
    fn write(raw: &Self::Raw, out: &mut Vec<u8>) -> Result<(), Fallback>;
}

/// A text column.
pub struct Text;

impl Codec for Text {
    type Raw = String;
    type Out<'a> = &'a str;
    fn read(raw: &String) -> &str {
        raw
    }
    fn write(raw: &String, out: &mut Vec<u8>) -> Result<(), Fallback> {
        string(out, raw);
        Ok(())
    }
}

/// A nullable text column.
pub struct MaybeText;

impl Codec for MaybeText {
    type Raw = Option<String>;
    type Out<'a> = Option<&'a str>;
    fn read(raw: &Option<String>) -> Option<&str> {
        raw.as_deref()
    }
    fn write(raw: &Option<String>, out: &mut Vec<u8>) -> Result<(), Fallback> {
        match raw {
            Some(text) => string(out, text),
            None => out.extend_from_slice(b"null"),
        }
        Ok(())
    }
}

/// A boolean column.
pub struct Flag;

impl Codec for Flag {
    type Raw = bool;
    type Out<'a> = bool;
    fn read(raw: &bool) -> bool {
        *raw
    }
    fn write(raw: &bool, out: &mut Vec<u8>) -> Result<(), Fallback> {
        boolean(out, *raw);
        Ok(())
    }
}

/// An instant column (microseconds since the epoch), answered as a `DateTime`.
pub struct Instant;

impl Codec for Instant {
    type Raw = i64;
    type Out<'a> = DateTime<Utc>;
    fn read(raw: &i64) -> DateTime<Utc> {
        crate::time::instant(*raw)
    }
    fn write(raw: &i64, out: &mut Vec<u8>) -> Result<(), Fallback> {
        instant(out, *raw);
        Ok(())
    }
}

/// A nullable instant column.
pub struct MaybeInstant;

impl Codec for MaybeInstant {
    type Raw = Option<i64>;
    type Out<'a> = Option<DateTime<Utc>>;
    fn read(raw: &Option<i64>) -> Option<DateTime<Utc>> {
        raw.map(crate::time::instant)
    }
    fn write(raw: &Option<i64>, out: &mut Vec<u8>) -> Result<(), Fallback> {
        match raw {
            Some(us) => instant(out, *us),
            None => out.extend_from_slice(b"null"),
        }
        Ok(())
    }
}

/// Nice classes, stored as their list (`values::NiceClasses`), answered as a list of numbers.
pub struct Classes;

impl Codec for Classes {
    type Raw = String;
    type Out<'a> = Vec<i32>;
    fn read(raw: &String) -> Vec<i32> {
        crate::values::NiceClasses::from_stored(raw).into_vec()
    }
    fn write(raw: &String, out: &mut Vec<u8>) -> Result<(), Fallback> {
        out.push(b'[');
        for (i, class) in crate::values::NiceClasses::from_stored(raw).as_slice().iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            number(out, class);
        }
        out.push(b']');
        Ok(())
    }
}

/// A nullable day column, answered as a `Date`.
pub struct MaybeDay;

impl Codec for MaybeDay {
    type Raw = Option<chrono::NaiveDate>;
    type Out<'a> = Option<crate::scalars::Date>;
    fn read(raw: &Option<chrono::NaiveDate>) -> Option<crate::scalars::Date> {
        raw.map(crate::scalars::Date)
    }
    fn write(raw: &Option<chrono::NaiveDate>, out: &mut Vec<u8>) -> Result<(), Fallback> {
        match raw.map(crate::scalars::Date).map(|day| async_graphql::ScalarType::to_value(&day)) {
            Some(async_graphql::Value::String(text)) => string(out, &text),
            Some(_) => return Err(Fallback("a date that is not a string")),
            None => out.extend_from_slice(b"null"),
        }
        Ok(())
    }
}

/// An instant that may be absent, worked out rather than stored (a derived field's value).
pub struct MaybeMoment;

impl Codec for MaybeMoment {
    type Raw = Option<DateTime<Utc>>;
    type Out<'a> = Option<DateTime<Utc>>;
    fn read(raw: &Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
        *raw
    }
    fn write(raw: &Option<DateTime<Utc>>, out: &mut Vec<u8>) -> Result<(), Fallback> {
        match raw {
            Some(at) => instant(out, crate::time::micros(*at)),
            None => out.extend_from_slice(b"null"),
        }
        Ok(())
    }
}

/// A value of a state that may be absent (or withheld).
pub struct MaybeState<E>(PhantomData<E>);

impl<E: Stored + async_graphql::OutputType> Codec for MaybeState<E> {
    type Raw = Option<E>;
    type Out<'a> = Option<E>;
    fn read(raw: &Option<E>) -> Option<E> {
        *raw
    }
    fn write(raw: &Option<E>, out: &mut Vec<u8>) -> Result<(), Fallback> {
        match raw {
            Some(state) => enumerated(out, state.as_db()),
            None => out.extend_from_slice(b"null"),
        }
        Ok(())
    }
}

/// A state column: the column reads as its enum (a row holding a name the enum does not know
/// fails to load), answered as its GraphQL name.
pub struct State<E>(PhantomData<E>);

impl<E: Stored + async_graphql::OutputType> Codec for State<E> {
    type Raw = E;
    type Out<'a> = E;
    fn read(raw: &E) -> E {
        *raw
    }
    fn write(raw: &E, out: &mut Vec<u8>) -> Result<(), Fallback> {
        enumerated(out, raw.as_db());
        Ok(())
    }
}

/// A count that the schema answers as an `Int` (above 2³¹−1 it is clamped, as it would be
/// nowhere else).
pub struct Count;

impl Codec for Count {
    type Raw = i64;
    type Out<'a> = i32;
    fn read(raw: &i64) -> i32 {
        i32::try_from(*raw).unwrap_or(if *raw < 0 { i32::MIN } else { i32::MAX })
    }
    fn write(raw: &i64, out: &mut Vec<u8>) -> Result<(), Fallback> {
        number(out, Self::read(raw));
        Ok(())
    }
}

/// A number answered as it is.
pub struct Int;

impl Codec for Int {
    type Raw = i32;
    type Out<'a> = i32;
    fn read(raw: &i32) -> i32 {
        *raw
    }
    fn write(raw: &i32, out: &mut Vec<u8>) -> Result<(), Fallback> {
        number(out, raw);
        Ok(())
    }
}

/// A field of an object made of computed values rather than a table's row (a seller's network,
/// its members and links, an offender cluster), declared with the object (`parts!`, in `declare`)
/// and read by the planner from that declaration; `S` is the object.
pub enum Part<S> {
    /// A plain value, written as JSON as its resolver's would be.
    Value(fn(&S, &mut Vec<u8>) -> Result<(), Fallback>),
    /// A seller, by id.
    Seller(fn(&S) -> i64),
    /// The members of a network, each an object of its own.
    Members(fn(&S) -> Vec<crate::objects::NetworkMember>),
    /// The links of a network, each an object of its own.
    Links(fn(&S) -> Vec<crate::objects::SellerLink>),
    /// A connection of sellers under the object: the arguments it takes, the list they select,
    /// and the object's key as the list's parent.
    Sellers(&'static [&'static str], RelFn, fn(&S) -> i64),
}

/// An object declared with `parts!`.
pub trait Parts: Sized + 'static {
    /// Its GraphQL name.
    const NAME: &'static str;

    /// The GraphQL names of its fields.
    const NAMES: &'static [&'static str];

    /// Field `name`, if it has one.
    fn part(name: &str) -> Option<Part<Self>>;
}

/// The objects a list field of a `parts!` object holds, each a `Part` of its own.
pub trait Listed: Sized {
    /// The part of an object `S` whose field lists these, read by `read`.
    fn part<S>(read: fn(&S) -> Vec<Self>) -> Part<S>;
}

impl Listed for crate::objects::NetworkMember {
    fn part<S>(read: fn(&S) -> Vec<Self>) -> Part<S> {
        Part::Members(read)
    }
}

impl Listed for crate::objects::SellerLink {
    fn part<S>(read: fn(&S) -> Vec<Self>) -> Part<S> {
        Part::Links(read)
    }
}

/// A JSON string, escaped by serde_json's own writer, as the general executor's answer is.
pub fn string(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    let mut writer = serde_json::Serializer::new(out);
    let _ = serde::Serializer::serialize_str(&mut writer, s);
}

/// An enum value (a GraphQL name: nothing to escape).
pub fn enumerated(out: &mut Vec<u8>, name: &str) {
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.push(b'"');
}

/// The global id of row `key` of `kind`.
pub fn global_id(out: &mut Vec<u8>, kind: Kind, key: i64) {
    out.push(b'"');
    GlobalId::new(kind, key).write_to(out);
    out.push(b'"');
}

/// A boolean.
pub fn boolean(out: &mut Vec<u8>, b: bool) {
    out.extend_from_slice(if b { b"true" } else { b"false" });
}

/// A `DateTime` as async-graphql writes it: chrono's `to_rfc3339` (`2026-11-30T22:01:18.394610+00:00`:
/// the fraction as 3 digits when it is whole milliseconds, none when whole seconds), written in
/// place rather than formatted into a string of its own (a dashboard page has a hundred).
pub fn instant(out: &mut Vec<u8>, us: i64) {
    use chrono::{Datelike, Timelike};
    let t = crate::time::instant(us);
    out.push(b'"');
    if !(0..=9999).contains(&t.year()) {
        // Out of four digits: as chrono writes it.
        out.extend_from_slice(t.to_rfc3339().as_bytes());
        out.push(b'"');
        return;
    }
    let year = t.year() as u32;
    digits(out, year / 100);
    digits(out, year % 100);
    out.push(b'-');
    digits(out, t.month());
    out.push(b'-');
    digits(out, t.day());
    out.push(b'T');
    digits(out, t.hour());
    out.push(b':');
    digits(out, t.minute());
    out.push(b':');
    digits(out, t.second());
    let micros = t.nanosecond() / 1000;
    if micros > 0 {
        out.push(b'.');
        let (shown, places) = if micros.is_multiple_of(1000) { (micros / 1000, 3) } else { (micros, 6) };
        let mut buf = [b'0'; 6];
        let mut n = shown;
        for place in (0..places).rev() {
            buf[place] = b'0' + (n % 10) as u8;
            n /= 10;
        }
        out.extend_from_slice(&buf[..places]);
    }
    out.extend_from_slice(b"+00:00\"");
}

/// Two decimal digits of `n` (below 100).
fn digits(out: &mut Vec<u8>, n: u32) {
    out.push(b'0' + (n / 10) as u8);
    out.push(b'0' + (n % 10) as u8);
}

/// A number that `Display` writes as JSON does (an integer).
pub fn number(out: &mut Vec<u8>, n: impl std::fmt::Display) {
    let _ = write!(out, "{n}");
}
