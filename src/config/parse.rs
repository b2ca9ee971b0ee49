//! The parsers of values that flags share: days, limits, durations, shares, `on`/`off`.

use std::time::Duration;

/// Parses a day written YYYY-MM-DD.
pub(super) fn day(raw: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| format!("{raw:?} is not a day written YYYY-MM-DD"))
}

/// A whole number of at least 1, for a limit (0 would refuse every query).
pub(super) fn at_least_one() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::new().range(1..=u32::MAX as u64)
}

/// A humantime duration greater than zero.
pub(super) fn positive_duration(raw: &str) -> Result<Duration, String> {
    match humantime::parse_duration(raw) {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err("must be greater than 0".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// A share above 0 and at most 1 (a threshold of 0 would hold every brand over it).
pub(super) fn share(raw: &str) -> Result<f64, String> {
    match raw.trim().parse::<f64>() {
        Ok(x) if x > 0.0 && x <= 1.0 => Ok(x),
        Ok(_) => Err("must be a share above 0 and at most 1 (0.5 is half)".into()),
        Err(_) => Err("must be a number above 0 and at most 1, such as 0.5".into()),
    }
}

/// `on` or `off`.
pub(super) fn on_off(raw: &str) -> Result<bool, String> {
    match raw {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err("must be on or off".into()),
    }
}
