//! Opaque global ids: a short type tag and the row's key, zero-padded so that ids of one type
//! compare as strings exactly as their keys compare as numbers (the contract orders ties "by
//! `Seller.id` compared as strings").

use std::fmt;
use std::marker::PhantomData;

use async_graphql::ID;

use crate::error::AppError;

/// The kinds of object a global id can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Brand,
    Trademark,
    Seller,
    Listing,
    Notice,
    NoticeItem,
    CounterNotice,
    Strike,
    NoticeEvent,
    NoticeMessage,
    Appeal,
    StatementOfReasons,
}

const WIDTH: usize = 12;
const MAX_KEY: i64 = 999_999_999_999;

impl Kind {
    /// Every kind, for callers that must handle each one.
    pub const ALL: [Kind; 12] = [
        Kind::Brand,
        Kind::Trademark,
        Kind::Seller,
        Kind::Listing,
        Kind::Notice,
        Kind::NoticeItem,
        Kind::CounterNotice,
        Kind::Strike,
        Kind::NoticeEvent,
        Kind::NoticeMessage,
        Kind::Appeal,
        Kind::StatementOfReasons,
    ];

    fn tag(self) -> &'static str {
        match self {
            Kind::Brand => "brd",
            Kind::Trademark => "tmk",
            Kind::Seller => "slr",
            Kind::Listing => "lst",
            Kind::Notice => "ntc",
            Kind::NoticeItem => "itm",
            Kind::CounterNotice => "cnt",
            Kind::Strike => "stk",
            Kind::NoticeEvent => "evt",
            Kind::NoticeMessage => "msg",
            Kind::Appeal => "apl",
            Kind::StatementOfReasons => "sor",
        }
    }

    /// The GraphQL type this kind names, for error messages.
    pub fn type_name(self) -> &'static str {
        match self {
            Kind::Brand => "Brand",
            Kind::Trademark => "Trademark",
            Kind::Seller => "Seller",
            Kind::Listing => "Listing",
            Kind::Notice => "Notice",
            Kind::NoticeItem => "NoticeItem",
            Kind::CounterNotice => "CounterNotice",
            Kind::Strike => "Strike",
            Kind::NoticeEvent => "NoticeEvent",
            Kind::NoticeMessage => "NoticeMessage",
            Kind::Appeal => "Appeal",
            Kind::StatementOfReasons => "StatementOfReasons",
        }
    }
}

/// A decoded global id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GlobalId {
    pub kind: Kind,
    pub key: i64,
}

impl GlobalId {
    /// The global id of row `key` of `kind`.
    pub fn new(kind: Kind, key: i64) -> Self {
        Self { kind, key }
    }

    /// Parses any global id.
    pub fn parse(raw: &str) -> Option<Self> {
        let (tag, digits) = raw.split_once('_')?;
        let kind = Kind::ALL.into_iter().find(|k| k.tag() == tag)?;
        if digits.len() != WIDTH || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let key = digits.parse().ok()?;
        Some(Self { kind, key })
    }
}

// `write_to` writes the digits in pairs.
const _: () = assert!(WIDTH.is_multiple_of(2));

/// "00" to "99", each two bytes.
const PAIRS: &[u8; 200] =
    b"0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849\
5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";

impl GlobalId {
    /// The id's text, `tag_000000000042`, without a formatter (the planner writes one per row).
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.kind.tag().as_bytes());
        out.push(b'_');
        // Keys above MAX_KEY would lose the fixed width; they cannot occur in practice, and the
        // clamp keeps the output parseable rather than panicking.
        let mut key = self.key.clamp(0, MAX_KEY) as u64;
        let mut digits = [b'0'; WIDTH];
        // Two digits at a time (a network of 200 sellers writes twenty thousand ids).
        for pair in digits.chunks_exact_mut(2).rev() {
            let n = (key % 100) as usize;
            pair.copy_from_slice(&PAIRS[2 * n..2 * n + 2]);
            key /= 100;
        }
        out.extend_from_slice(&digits);
    }
}

impl fmt::Display for GlobalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = Vec::with_capacity(4 + WIDTH);
        self.write_to(&mut text);
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

/// The GraphQL `ID` of row `key` of `kind`.
pub fn to_id(kind: Kind, key: i64) -> ID {
    ID(GlobalId::new(kind, key).to_string())
}

/// Decodes `raw`, which must name a `kind`; `field` is the input path for the error.
pub fn decode(raw: &str, kind: Kind, field: &str) -> Result<i64, AppError> {
    match GlobalId::parse(raw) {
        Some(id) if id.kind == kind => Ok(id.key),
        Some(id) => Err(AppError::bad_input(
            field,
            format!("{field}: expected a {} id, got a {} id", kind.type_name(), id.kind.type_name()),
        )),
        None => Err(AppError::bad_input(field, format!("{field}: malformed id"))),
    }
}

/// The objects whose rows a `Key` can name (their kind: `crate::objects` says which is which).
pub trait Keyed {
    /// The kind of the object's ids.
    const KIND: Kind;
}

/// The key of a row of `T`, decoded from a global id that names a `T`: a command that takes a
/// `Key<NoticeItem>` cannot be given a notice's key, and none is re-parsed or re-checked later.
///
/// ```
/// use rightsgraph::ids::Key;
/// use rightsgraph::objects::NoticeItem;
/// fn decide(_: Key<NoticeItem>) {}
/// decide(Key::<NoticeItem>::decode("itm_000000000007", "itemId").unwrap());
/// ```
///
/// ```compile_fail
/// use rightsgraph::ids::Key;
/// use rightsgraph::objects::{Notice, NoticeItem};
/// fn decide(_: Key<NoticeItem>) {}
/// decide(Key::<Notice>::decode("ntc_000000000007", "noticeId").unwrap());
/// ```
pub struct Key<T>(i64, PhantomData<fn() -> T>);

impl<T: Keyed> Key<T> {
    /// Decodes `raw`, which must name a `T`; `field` is the input path for the error.
    pub fn decode(raw: &str, field: &str) -> Result<Self, AppError> {
        decode(raw, T::KIND, field).map(Self::of)
    }

    /// The key of row `key` of `T` (a key read from the database).
    pub fn of(key: i64) -> Self {
        Self(key, PhantomData)
    }

    /// The row's key.
    pub fn get(self) -> i64 {
        self.0
    }

    /// The row's global id.
    pub fn id(self) -> ID {
        to_id(T::KIND, self.0)
    }
}

// By hand rather than derived: a derive would ask the same of `T`, which is only a marker.
impl<T> Clone for Key<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Key<T> {}
impl<T> PartialEq for Key<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<T> Eq for Key<T> {}
impl<T> std::hash::Hash for Key<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}
impl<T> PartialEq<i64> for Key<T> {
    fn eq(&self, other: &i64) -> bool {
        self.0 == *other
    }
}
/// A key is shown as its global id.
impl<T: Keyed> fmt::Display for Key<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        GlobalId::new(T::KIND, self.0).fmt(f)
    }
}
impl<T: Keyed> fmt::Debug for Key<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
impl<T> From<Key<T>> for i64 {
    fn from(key: Key<T>) -> i64 {
        key.0
    }
}
/// A key is its row's key in a statement.
impl<T> From<Key<T>> for sea_orm::Value {
    fn from(key: Key<T>) -> Self {
        key.0.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_its_tag_and_twelve_digits_with_keys_clamped_to_them() {
        let text = |key| GlobalId::new(Kind::Notice, key).to_string();
        assert_eq!(text(0), "ntc_000000000000");
        assert_eq!(text(9957), "ntc_000000009957");
        assert_eq!(text(MAX_KEY), "ntc_999999999999");
        assert_eq!(text(MAX_KEY + 1), "ntc_999999999999");
        assert_eq!(text(-5), "ntc_000000000000");
        assert_eq!(GlobalId::parse(&text(123_456_789_012)), Some(GlobalId::new(Kind::Notice, 123_456_789_012)));
        // Every pair of digits in every place, as the formatter writes them.
        let mut key: i64 = 0;
        while key <= MAX_KEY {
            assert_eq!(text(key), format!("ntc_{key:012}"));
            key = key * 7 + 13;
        }
        for key in (0..10_000).chain([99, 100, 101, 999_999, 1_000_000, 98_765_432_100]) {
            assert_eq!(text(key), format!("ntc_{key:012}"));
        }
    }

    #[test]
    fn a_key_is_decoded_only_from_an_id_of_its_kind_and_shows_as_that_id() {
        use crate::objects::{Notice, NoticeItem};
        let item = Key::<NoticeItem>::decode("itm_000000000042", "itemId").expect("an item's id");
        assert_eq!(item.get(), 42);
        assert_eq!(item.to_string(), "itm_000000000042");
        assert_eq!(item.id().0, "itm_000000000042");
        assert_eq!(item, Key::<NoticeItem>::of(42));
        let err = Key::<NoticeItem>::decode("ntc_000000000042", "itemId").expect_err("a notice's id");
        assert!(
            matches!(&err, AppError::BadInput { field, message }
                if field == "itemId" && message == "itemId: expected a NoticeItem id, got a Notice id"),
            "{err:?}"
        );
        assert!(Key::<Notice>::decode("ntc_42", "noticeId").is_err(), "malformed");
    }

    #[test]
    fn round_trips_every_kind() {
        for kind in Kind::ALL {
            let id = GlobalId::new(kind, 42);
            assert_eq!(GlobalId::parse(&id.to_string()), Some(id));
        }
    }

    #[test]
    fn string_order_follows_key_order() {
        let a = GlobalId::new(Kind::Seller, 9).to_string();
        let b = GlobalId::new(Kind::Seller, 10).to_string();
        assert!(a < b, "{a} < {b}");
    }

    #[test]
    fn rejects_malformed_ids() {
        for raw in [
            "",
            "slr",
            "slr_",
            "slr_12",
            "xyz_000000000001",
            "slr_00000000000a",
            "slr_-00000000001",
            "slr_0000000000001",
        ] {
            assert_eq!(GlobalId::parse(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn decode_names_the_field_on_a_wrong_kind() {
        let err = decode(&to_id(Kind::Brand, 1), Kind::Seller, "sellerId").unwrap_err();
        assert!(matches!(err, AppError::BadInput { field, .. } if field == "sellerId"));
    }
}
