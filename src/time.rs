//! Instants are stored as microseconds since the Unix epoch, UTC; these convert at the edges.

use chrono::{DateTime, TimeZone, Utc};

/// Microseconds since the epoch of `t`.
pub fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// The instant `us` microseconds after the epoch (saturating at the representable range).
pub fn instant(us: i64) -> DateTime<Utc> {
    Utc.timestamp_micros(us).single().unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Now, in microseconds since the epoch.
pub fn now_micros() -> i64 {
    micros(Utc::now())
}
