//! Input values parsed once, at the edge: country codes, jurisdictions, registration numbers,
//! Nice classes, money, handles, URLs and bounded texts. Each parser names the input path it
//! reads in its `BAD_USER_INPUT`.

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

/// A country: ISO 3166-1 alpha-2, upper case.
pub fn country(raw: &str, field: &str) -> AppResult<String> {
    let code = raw.trim().to_ascii_uppercase();
    if code.len() == 2 && COUNTRIES.split(' ').any(|c| c == code) {
        Ok(code)
    } else {
        Err(AppError::bad_input(field, format!("{field}: {raw:?} is not an ISO 3166-1 alpha-2 country code")))
    }
}

/// An issuing office: a country, or EM (EUIPO) or WO (WIPO).
pub fn jurisdiction(raw: &str, field: &str) -> AppResult<String> {
    let code = raw.trim().to_ascii_uppercase();
    if code == "EM" || code == "WO" {
        return Ok(code);
    }
    country(raw, field).map_err(|_| {
        AppError::bad_input(
            field,
            format!("{field}: {raw:?} is neither an ISO 3166-1 alpha-2 country code nor EM or WO"),
        )
    })
}

/// A registration number: 1 to 64 letters, digits, spaces, `.`, `/` and `-`, upper-cased, so
/// that `us-123` and `US-123` are one registration.
pub fn registration_number(raw: &str, field: &str) -> AppResult<String> {
    let value = raw.trim().to_ascii_uppercase();
    let ok = (1..=64).contains(&value.len())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '/' | '-'));
    if ok {
        Ok(value)
    } else {
        Err(AppError::bad_input(field, format!("{field}: 1 to 64 letters, digits, spaces, '.', '/' or '-'")))
    }
}

/// Nice classes: 1 to 45, at least one; stored sorted and without repeats.
pub fn nice_classes(raw: &[i32], field: &str) -> AppResult<String> {
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
    Ok(classes.iter().map(i32::to_string).collect::<Vec<_>>().join(","))
}

/// A price: a non-negative decimal amount with at most the currency's minor digits, written
/// with exactly that many; the currency is three upper-case letters.
pub fn money(amount: &str, currency: &str, field: &str) -> AppResult<(String, String)> {
    let currency_field = format!("{field}.currency");
    let code = currency.trim().to_ascii_uppercase();
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(AppError::bad_input(&currency_field, format!("{currency_field}: an ISO 4217 code such as USD")));
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
    Ok((amount, code))
}

/// A seller handle: 3 to 64 lower-case letters, digits, `.`, `_` or `-`.
pub fn handle(raw: &str, field: &str) -> AppResult<String> {
    let value = raw.trim().to_lowercase();
    let ok = (3..=64).contains(&value.len())
        && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(value)
    } else {
        Err(AppError::bad_input(field, format!("{field}: 3 to 64 letters, digits, '.', '_' or '-'")))
    }
}

/// An absolute http(s) URL of at most 2,048 characters.
pub fn url(raw: &str, field: &str) -> AppResult<String> {
    let value = raw.trim();
    let rest = value.strip_prefix("https://").or_else(|| value.strip_prefix("http://"));
    let ok = value.len() <= 2048
        && rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
        && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(value.to_owned())
    } else {
        Err(AppError::bad_input(field, format!("{field}: an absolute http(s) URL of at most 2048 characters")))
    }
}

/// A listing's marketplace address in the form two spellings of it share: an absolute http(s)
/// URL (see `url`), scheme and host lowercased, default port, fragment and `utm_*` tracking
/// parameters dropped, the other parameters kept in their order.
pub fn listing_address(raw: &str, field: &str) -> AppResult<String> {
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
    Ok(parsed.into())
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
        assert_eq!(country(" us ", "country").ok().as_deref(), Some("US"));
        assert_eq!(field_of(country("XX", "country").unwrap_err()), "country");
        assert_eq!(field_of(country("USA", "c").unwrap_err()), "c");
    }

    #[test]
    fn jurisdictions_include_euipo_and_wipo() {
        assert_eq!(jurisdiction("em", "j").ok().as_deref(), Some("EM"));
        assert_eq!(jurisdiction("WO", "j").ok().as_deref(), Some("WO"));
        assert!(jurisdiction("EU", "j").is_err());
    }

    #[test]
    fn registration_numbers_normalize_case() {
        assert_eq!(registration_number(" us-123/4 ", "r").ok().as_deref(), Some("US-123/4"));
        assert!(registration_number("", "r").is_err());
        assert!(registration_number("a;b", "r").is_err());
    }

    #[test]
    fn nice_classes_are_sorted_unique_and_bounded() {
        assert_eq!(nice_classes(&[25, 9, 25], "n").ok().as_deref(), Some("9,25"));
        assert_eq!(field_of(nice_classes(&[9, 46], "niceClasses").unwrap_err()), "niceClasses.1");
        assert!(nice_classes(&[], "n").is_err());
    }

    #[test]
    fn money_follows_the_currency_minor_unit() {
        assert_eq!(money("19.9", "usd", "price").ok(), Some(("19.90".into(), "USD".into())));
        assert_eq!(money("007", "JPY", "price").ok(), Some(("7".into(), "JPY".into())));
        assert_eq!(money("1.5", "KWD", "price").ok(), Some(("1.500".into(), "KWD".into())));
        assert_eq!(field_of(money("1.5", "JPY", "price").unwrap_err()), "price.amount");
        assert_eq!(field_of(money("-1", "USD", "price").unwrap_err()), "price.amount");
        assert_eq!(field_of(money("1.", "USD", "price").unwrap_err()), "price.amount");
        assert_eq!(field_of(money("1", "US", "price").unwrap_err()), "price.currency");
    }

    #[test]
    fn handles_and_urls() {
        assert_eq!(handle("Shop_One", "h").ok().as_deref(), Some("shop_one"));
        assert!(handle("ab", "h").is_err());
        assert!(url("https://shop.example/1", "u").is_ok());
        assert!(url("ftp://x", "u").is_err());
        assert!(url("https://", "u").is_err());
        assert!(url("https://a b", "u").is_err());
    }

    #[test]
    fn texts_count_characters_not_bytes() {
        assert!(text("ééééééééé", 9, 9, "t").is_ok());
        assert_eq!(field_of(text("   ", 1, 10, "explanation").unwrap_err()), "explanation");
    }

    #[test]
    fn listing_addresses_compare_after_normalization() {
        let canonical = listing_address("https://shop.example/item/7?color=red", "url").expect("ok");
        for spelling in [
            "HTTPS://Shop.Example/item/7?color=red",
            "https://shop.example:443/item/7?color=red#reviews",
            "https://shop.example/item/7?utm_source=mail&color=red&UTM_campaign=x",
            "  https://SHOP.example/item/7?color=red  ",
        ] {
            assert_eq!(listing_address(spelling, "url").expect("ok"), canonical, "{spelling}");
        }
        // The path and the other parameters are the address: they stay as they are.
        assert_ne!(listing_address("https://shop.example/Item/7?color=red", "url").expect("ok"), canonical);
        assert_ne!(listing_address("https://shop.example/item/7?color=blue", "url").expect("ok"), canonical);
        assert_eq!(
            listing_address("http://shop.example/a?utm_medium=x#top", "url").expect("ok"),
            "http://shop.example/a"
        );
        assert_eq!(
            field_of(listing_address("ftp://shop.example/a", "items.0.listingUrl").expect_err("ftp")),
            "items.0.listingUrl"
        );
    }
}
