//! Input values parsed once, at the edge, into the types the domains hold: country codes,
//! jurisdictions, registration numbers, Nice classes, money, handles, addresses, and bounded
//! texts. Each parser names the input path it reads in its `BAD_USER_INPUT`; a value of one of
//! these types was made by its parser, so nothing re-checks or re-splits it later.

use crate::error::{AppError, AppResult};

/// ISO 3166-1 alpha-2 codes, officially assigned.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS \
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK \
FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM \
JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS \
MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW \
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM \
US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// Currencies whose minor unit is not 2 digits (ISO 4217); every other code has 2.
const ZERO_DECIMALS: &str = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF";
const THREE_DECIMALS: &str = "BHD IQD JOD KWD LYD OMR TND";

/// Declares a value held as its normalized text: made only by its parser below (so that one
/// that exists is valid), read as `&str`, stored as its text.
macro_rules! value {
    ($($(#[$meta:meta])* $name:ident;)*) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// The normalized text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The text to store.
            pub fn into_stored(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

value! {
    /// A country: ISO 3166-1 alpha-2, upper case.
    Country;
    /// An issuing office: a country, or EM (EUIPO) or WO (WIPO), upper case.
    Jurisdiction;
    /// A trademark's registration number: 1 to 64 letters, digits, spaces, `.`, `/` and `-`,
    /// upper-cased, so that `us-123` and `US-123` are one registration.
    RegistrationNumber;
    /// A seller handle: 3 to 64 lower-case letters, digits, `.`, `_` or `-`.
    Handle;
    /// An absolute http(s) URL of at most 2,048 characters.
    WebAddress;
    /// A listing's marketplace address in the form two spellings of it share (`ListingAddress::parse`).
    ListingAddress;
    /// An ISO 4217 currency code: three upper-case letters.
    Currency;
}

impl Country {
    /// Parses a country code in any case; `BAD_USER_INPUT` on `field` otherwise.
    pub fn parse(raw: &str, field: &str) -> AppResult<Self> {
        let code = raw.trim().to_ascii_uppercase();
        if code.len() == 2 && COUNTRIES.split(' ').any(|c| c == code) {
            Ok(Self(code))
        } else {
            Err(AppError::bad_input(field, format!("{field}: {raw:?} is not an ISO 3166-1 alpha-2 country code")))
        }
    }
}

impl Jurisdiction {
    /// Parses an issuing office in any case; `BAD_USER_INPUT` on `field` otherwise.
    pub fn parse(raw: &str, field: &str) -> AppResult<Self> {
        let code = raw.trim().to_ascii_uppercase();
        if code == "EM" || code == "WO" {
            return Ok(Self(code));
        }
        match Country::parse(raw, field) {
            Ok(country) => Ok(Self(country.0)),
            Err(_) => Err(AppError::bad_input(
                field,
                format!("{field}: {raw:?} is neither an ISO 3166-1 alpha-2 country code nor EM or WO"),
            )),
        }
    }
}

impl RegistrationNumber {
    /// Parses a registration number; `BAD_USER_INPUT` on `field` otherwise.
    pub fn parse(raw: &str, field: &str) -> AppResult<Self> {
        let value = raw.trim().to_ascii_uppercase();
        let ok = (1..=64).contains(&value.len())
            && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '/' | '-'));
        if ok {
            Ok(Self(value))
        } else {
            Err(AppError::bad_input(field, format!("{field}: 1 to 64 letters, digits, spaces, '.', '/' or '-'")))
        }
    }
}

/// Nice classes: 1 to 45, at least one, ascending and without repeats. Stored as their list
/// (`"9,25"`), and read back from it by the one function both executors use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NiceClasses(Vec<i32>);

impl NiceClasses {
    /// Parses a client's classes (any order, repeats allowed); `BAD_USER_INPUT` on `field` (or
    /// `field.i`, the first class out of range) otherwise.
    pub fn parse(raw: &[i32], field: &str) -> AppResult<Self> {
        if raw.is_empty() {
            return Err(AppError::bad_input(field, format!("{field}: at least one Nice class")));
        }
        if let Some((i, c)) = raw.iter().enumerate().find(|(_, c)| !(1..=45).contains(*c)) {
            return Err(AppError::bad_input(
                format!("{field}.{i}"),
                format!("{field}.{i}: Nice classes are 1 to 45, got {c}"),
            ));
        }
        let mut classes = raw.to_vec();
        classes.sort_unstable();
        classes.dedup();
        Ok(Self(classes))
    }

    /// The classes a stored list holds (what `stored` wrote; anything unreadable is left out).
    pub fn from_stored(stored: &str) -> Self {
        Self(stored.split(',').filter_map(|c| c.trim().parse().ok()).collect())
    }

    /// The list to store.
    pub fn stored(&self) -> String {
        self.0.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
    }

    /// The classes, ascending.
    pub fn as_slice(&self) -> &[i32] {
        &self.0
    }

    /// The classes, ascending.
    pub fn into_vec(self) -> Vec<i32> {
        self.0
    }
}

/// A price: a non-negative decimal amount written with exactly its currency's minor digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    amount: String,
    currency: Currency,
}

impl Money {
    /// Parses an amount with at most the currency's minor digits, and a currency of three
    /// letters in any case; `BAD_USER_INPUT` on `field.amount` or `field.currency` otherwise.
    pub fn parse(amount: &str, currency: &str, field: &str) -> AppResult<Self> {
        let currency_field = format!("{field}.currency");
        let code = currency.trim().to_ascii_uppercase();
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(AppError::bad_input(
                &currency_field,
                format!("{currency_field}: an ISO 4217 code such as USD"),
            ));
        }
        let digits = if ZERO_DECIMALS.split(' ').any(|c| c == code) {
            0
        } else if THREE_DECIMALS.split(' ').any(|c| c == code) {
            3
        } else {
            2
        };
        let amount_field = format!("{field}.amount");
        let bad = || {
            AppError::bad_input(
                &amount_field,
                format!("{amount_field}: a decimal such as \"19.99\" with at most {digits} decimals for {code}"),
            )
        };
        let raw = amount.trim();
        let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
        let valid = (1..=12).contains(&whole.len())
            && whole.bytes().all(|b| b.is_ascii_digit())
            && fraction.len() <= digits
            && fraction.bytes().all(|b| b.is_ascii_digit())
            && !(raw.contains('.') && fraction.is_empty());
        if !valid {
            return Err(bad());
        }
        let whole = whole.trim_start_matches('0');
        let whole = if whole.is_empty() { "0" } else { whole };
        let amount = if digits == 0 { whole.to_owned() } else { format!("{whole}.{fraction:0<digits$}") };
        Ok(Self { amount, currency: Currency(code) })
    }

    /// The decimal amount, with exactly the currency's minor digits.
    pub fn amount(&self) -> &str {
        &self.amount
    }

    /// The currency.
    pub fn currency(&self) -> &Currency {
        &self.currency
    }

    /// The amount and the currency code, to store.
    pub fn into_stored(self) -> (String, String) {
        (self.amount, self.currency.0)
    }
}

impl Handle {
    /// Parses a handle in any case; `BAD_USER_INPUT` on `field` otherwise.
    pub fn parse(raw: &str, field: &str) -> AppResult<Self> {
        let value = raw.trim().to_lowercase();
        let ok = (3..=64).contains(&value.len())
            && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
        if ok {
            Ok(Self(value))
        } else {
            Err(AppError::bad_input(field, format!("{field}: 3 to 64 letters, digits, '.', '_' or '-'")))
        }
    }
}

impl WebAddress {
    /// Parses an absolute http(s) URL; `BAD_USER_INPUT` on `field` otherwise.
    pub fn parse(raw: &str, field: &str) -> AppResult<Self> {
        let value = raw.trim();
        let rest = value.strip_prefix("https://").or_else(|| value.strip_prefix("http://"));
        let ok = value.len() <= 2048
            && rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
            && !value.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(AppError::bad_input(field, format!("{field}: an absolute http(s) URL of at most 2048 characters")))
        }
    }
}

impl ListingAddress {
    /// Parses an absolute http(s) URL (see `WebAddress`) into the form two spellings of it share:
    /// scheme and host lowercased, default port, fragment and `utm_*` tracking parameters
    /// dropped, the other parameters kept in their order; `BAD_USER_INPUT` on `field` otherwise.
    pub fn parse(raw: &str, field: &str) -> AppResult<Self> {
        let value = raw.trim();
        let bad = || AppError::bad_input(field, format!("{field}: an absolute http(s) URL of at most 2048 characters"));
        if value.len() > 2048 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let mut parsed = ::url::Url::parse(value).map_err(|_| bad())?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none_or(str::is_empty) {
            return Err(bad());
        }
        parsed.set_fragment(None);
        let kept: Vec<(String, String)> = parsed
            .query_pairs()
            .filter(|(k, _)| !k.to_ascii_lowercase().starts_with("utm_"))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            parsed.set_query(None);
        } else {
            parsed.query_pairs_mut().clear().extend_pairs(kept);
        }
        Ok(Self(parsed.into()))
    }
}

/// A text trimmed of surrounding white space, `min` to `max` characters long.
pub fn text(raw: &str, min: usize, max: usize, field: &str) -> AppResult<String> {
    let value = raw.trim();
    let n = value.chars().count();
    if (min..=max).contains(&n) && !value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        Ok(value.to_owned())
    } else {
        Err(AppError::bad_input(field, format!("{field}: {min} to {max} characters, got {n}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(err: AppError) -> String {
        match err {
            AppError::BadInput { field, .. } => field,
            other => panic!("not a bad input: {other:?}"),
        }
    }

    #[test]
    fn countries_are_iso_alpha2() {
        assert_eq!(Country::parse(" us ", "country").ok().map(Country::into_stored).as_deref(), Some("US"));
        assert_eq!(field_of(Country::parse("XX", "country").unwrap_err()), "country");
        assert_eq!(field_of(Country::parse("USA", "c").unwrap_err()), "c");
    }

    #[test]
    fn jurisdictions_include_euipo_and_wipo() {
        assert_eq!(Jurisdiction::parse("em", "j").ok().map(Jurisdiction::into_stored).as_deref(), Some("EM"));
        assert_eq!(Jurisdiction::parse("WO", "j").ok().map(Jurisdiction::into_stored).as_deref(), Some("WO"));
        assert!(Jurisdiction::parse("EU", "j").is_err());
    }

    #[test]
    fn registration_numbers_normalize_case() {
        assert_eq!(
            RegistrationNumber::parse(" us-123/4 ", "r").ok().map(RegistrationNumber::into_stored).as_deref(),
            Some("US-123/4")
        );
        assert!(RegistrationNumber::parse("", "r").is_err());
        assert!(RegistrationNumber::parse("a;b", "r").is_err());
    }

    #[test]
    fn nice_classes_are_sorted_unique_and_bounded() {
        let classes = NiceClasses::parse(&[25, 9, 25], "n").expect("valid");
        assert_eq!(classes.as_slice(), [9, 25]);
        assert_eq!(classes.stored(), "9,25");
        assert_eq!(NiceClasses::from_stored(&classes.stored()), classes, "read back as written");
        assert_eq!(NiceClasses::from_stored("9,25, 35").as_slice(), [9, 25, 35]);
        assert_eq!(NiceClasses::from_stored("").as_slice(), [0; 0]);
        assert_eq!(field_of(NiceClasses::parse(&[9, 46], "niceClasses").unwrap_err()), "niceClasses.1");
        assert!(NiceClasses::parse(&[], "n").is_err());
    }

    #[test]
    fn money_follows_the_currency_minor_unit() {
        let stored = |m: AppResult<Money>| m.ok().map(Money::into_stored);
        assert_eq!(stored(Money::parse("19.9", "usd", "price")), Some(("19.90".into(), "USD".into())));
        assert_eq!(stored(Money::parse("007", "JPY", "price")), Some(("7".into(), "JPY".into())));
        assert_eq!(stored(Money::parse("1.5", "KWD", "price")), Some(("1.500".into(), "KWD".into())));
        assert_eq!(field_of(Money::parse("1.5", "JPY", "price").unwrap_err()), "price.amount");
        assert_eq!(field_of(Money::parse("-1", "USD", "price").unwrap_err()), "price.amount");
        assert_eq!(field_of(Money::parse("1.", "USD", "price").unwrap_err()), "price.amount");
        assert_eq!(field_of(Money::parse("1", "US", "price").unwrap_err()), "price.currency");
    }

    #[test]
    fn handles_and_urls() {
        assert_eq!(Handle::parse("Shop_One", "h").ok().map(Handle::into_stored).as_deref(), Some("shop_one"));
        assert!(Handle::parse("ab", "h").is_err());
        assert!(WebAddress::parse("https://shop.example/1", "u").is_ok());
        assert!(WebAddress::parse("ftp://x", "u").is_err());
        assert!(WebAddress::parse("https://", "u").is_err());
        assert!(WebAddress::parse("https://a b", "u").is_err());
    }

    #[test]
    fn texts_count_characters_not_bytes() {
        assert!(text("ééééééééé", 9, 9, "t").is_ok());
        assert_eq!(field_of(text("   ", 1, 10, "explanation").unwrap_err()), "explanation");
    }

    #[test]
    fn listing_addresses_compare_after_normalization() {
        let canonical = ListingAddress::parse("https://shop.example/item/7?color=red", "url").expect("ok");
        for spelling in [
            "HTTPS://Shop.Example/item/7?color=red",
            "https://shop.example:443/item/7?color=red#reviews",
            "https://shop.example/item/7?utm_source=mail&color=red&UTM_campaign=x",
            "  https://SHOP.example/item/7?color=red  ",
        ] {
            assert_eq!(ListingAddress::parse(spelling, "url").expect("ok"), canonical, "{spelling}");
        }
        // The path and the other parameters are the address: they stay as they are.
        assert_ne!(ListingAddress::parse("https://shop.example/Item/7?color=red", "url").expect("ok"), canonical);
        assert_ne!(ListingAddress::parse("https://shop.example/item/7?color=blue", "url").expect("ok"), canonical);
        assert_eq!(
            ListingAddress::parse("http://shop.example/a?utm_medium=x#top", "url").expect("ok").as_str(),
            "http://shop.example/a"
        );
        assert_eq!(
            field_of(ListingAddress::parse("ftp://shop.example/a", "items.0.listingUrl").expect_err("ftp")),
            "items.0.listingUrl"
        );
    }
}
