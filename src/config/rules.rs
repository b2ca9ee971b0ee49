//! The enforcement rules' tunable periods and thresholds, and the territorial scope of a
//! restriction.

use std::time::Duration;

use super::parse::{positive_duration, share};
use clap::Args;

/// The enforcement rules' tunable periods and thresholds.
#[derive(Debug, Clone, Args)]
pub struct RulesConfig {
    /// How long a strike stays active (humantime: 90d, 3s).
    #[arg(long, env = "RIGHTSGRAPH_STRIKE_TTL", default_value = "365d", value_parser = positive_duration)]
    pub strike_ttl: Duration,
    /// How long after removal a seller may file a counter-notice.
    #[arg(long, env = "RIGHTSGRAPH_COUNTER_NOTICE_WINDOW", default_value = "14d", value_parser = positive_duration)]
    pub counter_notice_window: Duration,
    /// The rolling window of the trust-tier rule.
    #[arg(long, env = "RIGHTSGRAPH_TRUST_WINDOW", default_value = "90d", value_parser = positive_duration)]
    pub trust_window: Duration,
    /// Decided items needed in the window before a brand can become TRUSTED.
    #[arg(long, env = "RIGHTSGRAPH_TRUST_MIN_DECIDED", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub trust_min_decided: u32,
    /// How long a brand has to answer a reviewer's request for information before the item is
    /// rejected for silence.
    #[arg(long, env = "RIGHTSGRAPH_INFO_REQUEST_WINDOW", default_value = "7d", value_parser = positive_duration)]
    pub info_request_window: Duration,
    /// How long after a decision on an item the seller (removal) or the brand (rejection) may
    /// appeal it.
    #[arg(long, env = "RIGHTSGRAPH_APPEAL_WINDOW", default_value = "180d", value_parser = positive_duration)]
    pub appeal_window: Duration,
    /// The rolling window over which a brand's decided items are weighed for abuse.
    #[arg(long, env = "RIGHTSGRAPH_ABUSE_WINDOW", default_value = "90d", value_parser = positive_duration)]
    pub abuse_window: Duration,
    /// Decided items needed in the window before a brand can be warned or suspended.
    #[arg(long, env = "RIGHTSGRAPH_ABUSE_MIN_DECIDED", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub abuse_min_decided: u32,
    /// The share of decided items found unfounded (rejected, reinstated, retracted) at which a
    /// brand is warned, then suspended: a share above 0 and at most 1.
    #[arg(long, env = "RIGHTSGRAPH_ABUSE_THRESHOLD", default_value_t = 0.5, value_parser = share)]
    pub abuse_threshold: f64,
    /// How long after its warning a brand over the threshold again is suspended rather than left
    /// warned.
    #[arg(long, env = "RIGHTSGRAPH_ABUSE_WARNING_PERIOD", default_value = "7d", value_parser = positive_duration)]
    pub abuse_warning_period: Duration,
    /// How long a suspension lasts.
    #[arg(long, env = "RIGHTSGRAPH_ABUSE_SUSPENSION", default_value = "30d", value_parser = positive_duration)]
    pub abuse_suspension: Duration,
    /// Where a statement of reasons says a restriction applies: comma-separated ISO 3166-1
    /// alpha-2 codes of EEA countries (the DSA Transparency Database takes no others).
    #[arg(long, env = "RIGHTSGRAPH_TERRITORIAL_SCOPE", default_value = EU_MEMBERS, value_parser = territorial_scope)]
    pub territorial_scope: TerritorialScope,
}

/// The 27 EU member states, the default territorial scope of a restriction.
pub const EU_MEMBERS: &str = "AT,BE,BG,CY,CZ,DE,DK,EE,ES,FI,FR,GR,HR,HU,IE,IT,LT,LU,LV,MT,NL,PL,PT,RO,SE,SI,SK";

/// The EEA members outside the EU, which a territorial scope may also name.
const EEA_ONLY: &str = "IS,LI,NO";

/// A territorial scope: distinct EEA country codes, in alphabetical order, joined by commas
/// (cheap to clone into every transaction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerritorialScope(std::sync::Arc<str>);

impl TerritorialScope {
    /// The codes joined by commas, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses a comma-separated list of EEA country codes (any case, any order, repeats ignored).
    pub fn parse(raw: &str) -> Result<Self, String> {
        territorial_scope(raw)
    }
}

/// Whether `code` (uppercase ISO 3166-1 alpha-2) names an EEA country.
pub fn is_eea(code: &str) -> bool {
    EU_MEMBERS.split(',').chain(EEA_ONLY.split(',')).any(|c| c == code)
}

/// Parses `--territorial-scope`.
fn territorial_scope(raw: &str) -> Result<TerritorialScope, String> {
    let mut codes = Vec::new();
    for code in raw.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let code = code.to_ascii_uppercase();
        if !is_eea(&code) {
            return Err(format!("{code} is not the code of an EEA country (ISO 3166-1 alpha-2, e.g. DE, FR, NO)"));
        }
        codes.push(code);
    }
    if codes.is_empty() {
        return Err("name at least one country".into());
    }
    codes.sort();
    codes.dedup();
    Ok(TerritorialScope(codes.join(",").into()))
}

impl Default for RulesConfig {
    fn default() -> Self {
        const DAY: u64 = 24 * 3600;
        Self {
            strike_ttl: Duration::from_secs(365 * DAY),
            counter_notice_window: Duration::from_secs(14 * DAY),
            trust_window: Duration::from_secs(90 * DAY),
            trust_min_decided: 20,
            info_request_window: Duration::from_secs(7 * DAY),
            appeal_window: Duration::from_secs(180 * DAY),
            abuse_window: Duration::from_secs(90 * DAY),
            abuse_min_decided: 20,
            abuse_threshold: 0.5,
            abuse_warning_period: Duration::from_secs(7 * DAY),
            abuse_suspension: Duration::from_secs(30 * DAY),
            territorial_scope: TerritorialScope(EU_MEMBERS.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TerritorialScope;

    #[test]
    fn a_territorial_scope_is_eea_codes_sorted_and_distinct() {
        assert_eq!(TerritorialScope::parse(" fr,DE, fr ,no").map(|s| s.as_str().to_owned()), Ok("DE,FR,NO".into()));
        assert_eq!(TerritorialScope::parse(super::EU_MEMBERS).map(|s| s.as_str().split(',').count()), Ok(27));
    }

    #[test]
    fn a_territorial_scope_refuses_codes_outside_the_eea_and_empty_lists() {
        // Greece is GR in ISO 3166-1 (EL is the EU's own abbreviation); UK and CH are not EEA.
        for bad in ["EL", "UK", "CH", "EU", "D", ""] {
            let err = TerritorialScope::parse(bad).expect_err(bad);
            assert!(err.contains("EEA") || err.contains("at least one"), "{bad}: {err}");
        }
    }
}
