//! When the story happens: its chapters fitted to the configured windows, or refused before
//! anything is written when a state cannot be shown under one.

use std::time::Duration;

use crate::config::RulesConfig;
use crate::time::micros_of;

pub(super) const SECOND: i64 = 1_000_000;
pub(super) const HOUR: i64 = 3_600 * SECOND;
pub(super) const DAY: i64 = 24 * HOUR;

/// The shortest `--info-request-window` and `--abuse-suspension` the demo loads under: shorter,
/// and its question waiting for a brand's answer, or its suspended notifier, would be over
/// before the server starts.
const SHORTEST_SHOWN: Duration = Duration::from_secs(1);

/// When each step of the story happens. The story reads as two months ending now. A chapter
/// whose steps must fall within a window (a counter-notice or an appeal after its decision, the
/// decisions a trust tier or a suspension weighs, the strikes a seller's status counts) is
/// shrunk toward now until they do; a step that must outlast a window (a question left
/// unanswered, a warning period) is pushed back past it. The default windows change nothing.
#[derive(Debug, Clone)]
pub(super) struct Timeline {
    /// The instant the story is told at.
    pub(super) now: i64,
    /// How long before `now` the brands, sellers and listings appear: before every chapter.
    pub(super) setup_age: i64,
    /// Scale of Aurelia's chapter (its decisions, expedited notice, appeals and retraction), to
    /// fit the appeal window, the trust window and the strike TTL.
    pub(super) aurelia: f64,
    /// Scale of the counter-notice chapters, to fit the counter-notice window.
    pub(super) counter: f64,
    /// Scale of the question Kirin answered, to fit the info-request window.
    pub(super) answered: f64,
    /// How long before `now` Northwind was asked the question it never answered: past the window.
    pub(super) silence_age: i64,
    /// The notifiers' chapter, counted back from the instant it is written at; `None` when the
    /// rules ask for more decisions than the demo makes (the notifiers are then left out).
    pub(super) notifiers: Option<NotifierTimes>,
}

/// When the notifiers' decisions happen, as ages before the instant their chapter is written.
#[derive(Debug, Clone)]
pub(super) struct NotifierTimes {
    /// Decisions that make a brand WARNED (`--abuse-min-decided`).
    pub(super) needed: usize,
    /// Between two decisions: a round of them fits well inside the abuse window.
    pub(super) step: i64,
    /// The decision that warns both brands.
    pub(super) warn_age: i64,
    /// The last decision, which suspends Brightstone: the suspension is still on when the load ends.
    pub(super) suspend_age: i64,
    /// Decisions after the warning: one while the first round is still in the abuse window at
    /// that time, else a round of its own.
    pub(super) extra: usize,
    /// The notices both brands submit.
    pub(super) notice_age: i64,
}

/// Aurelia's chapter spans 47 days, from its first notice to the last appeal.
const AURELIA_SPAN: i64 = 48 * DAY;
/// A counter-notice follows its removal by 2 days: it fits half the window.
const COUNTER_SPAN: i64 = 4 * DAY;
/// Kirin answers 10 hours after the question: it fits half the window.
const ANSWER_SPAN: i64 = 20 * HOUR;

/// How much a chapter whose steps must fit in `window` over `span` is shrunk (1: not at all).
fn shrink(window: Duration, span: i64) -> f64 {
    (micros_of(window) as f64 / span as f64).min(1.0)
}

/// `window` for a message: `1h 30m`.
fn shown(window: Duration) -> humantime::FormattedDuration {
    humantime::format_duration(window)
}

impl Timeline {
    /// The story's timeline at `now` under `rules`, or why a state of the story cannot be shown
    /// under them (naming the flag and the least it needs).
    pub(super) fn new(now: i64, rules: &RulesConfig) -> Result<Self, String> {
        let refuse = |flag: &str, window: Duration, what: &str| {
            Err(format!(
                "{flag} is {}: the demo needs at least {} to show {what} when the server starts; nothing was written",
                shown(window),
                shown(SHORTEST_SHOWN)
            ))
        };
        if rules.info_request_window < SHORTEST_SHOWN {
            return refuse(
                "--info-request-window",
                rules.info_request_window,
                "a question waiting for a brand's answer",
            );
        }
        let notifiers = NotifierTimes::new(rules);
        if notifiers.is_some() && rules.abuse_suspension < SHORTEST_SHOWN {
            return refuse("--abuse-suspension", rules.abuse_suspension, "a notifier suspended for abuse");
        }
        let aurelia = shrink(rules.appeal_window.min(rules.trust_window).min(rules.strike_ttl), AURELIA_SPAN);
        let silence_age = (11 * DAY).max(micros_of(rules.info_request_window).saturating_add(DAY));
        let setup_age = (60 * DAY)
            .max(silence_age + 2 * DAY)
            .max(notifiers.as_ref().map_or(0, |n| n.notice_age.saturating_add(3 * DAY)));
        Ok(Self {
            now,
            setup_age,
            aurelia,
            counter: shrink(rules.counter_notice_window, COUNTER_SPAN),
            answered: shrink(rules.info_request_window, ANSWER_SPAN),
            silence_age,
            notifiers,
        })
    }

    /// The instant `age` before now, shrunk by `scale`.
    pub(super) fn ago(&self, age: i64, scale: f64) -> i64 {
        self.now - (age as f64 * scale).round() as i64
    }

    /// When the brands, sellers and listings appear.
    pub(super) fn setup(&self) -> i64 {
        self.now - self.setup_age
    }
}

impl NotifierTimes {
    /// The notifiers' chapter under `rules`; `None` when they ask for more decisions than the
    /// demo makes.
    pub(super) fn new(rules: &RulesConfig) -> Option<Self> {
        let needed = rules.abuse_min_decided.max(1) as usize;
        if needed > 100 {
            return None;
        }
        let rounds = i64::try_from(needed).unwrap_or(100);
        let step = HOUR.min(micros_of(rules.abuse_window) / (4 * rounds));
        let suspend_age = (13 * DAY - HOUR).min(micros_of(rules.abuse_suspension) / 2);
        let warning = micros_of(rules.abuse_warning_period);
        let warn_age = suspend_age.saturating_add(warning).saturating_add(step);
        let first_round_kept = warning.saturating_add(rounds * step) < micros_of(rules.abuse_window);
        let extra = if first_round_kept { 1 } else { needed };
        let notice_age = warn_age.saturating_add(rounds * step).saturating_add(HOUR);
        Some(Self { needed, step, warn_age, suspend_age, extra, notice_age })
    }

    /// Age of decision `k` of the first round (the last one warns).
    pub(super) fn warning_round(&self, k: usize) -> i64 {
        self.warn_age + (self.needed - 1 - k) as i64 * self.step
    }

    /// Age of decision `k` after the warning (the last one suspends).
    pub(super) fn suspension_round(&self, k: usize) -> i64 {
        self.suspend_age + (self.extra - 1 - k) as i64 * self.step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_windows_leave_the_story_as_told() {
        let t = Timeline::new(100 * 365 * DAY, &RulesConfig::default()).expect("the defaults fit");
        assert_eq!((t.aurelia, t.counter, t.answered), (1.0, 1.0, 1.0));
        assert_eq!((t.setup_age, t.silence_age), (60 * DAY, 11 * DAY));
        let notifiers = t.notifiers.expect("the notifiers are in");
        assert_eq!((notifiers.needed, notifiers.extra, notifiers.step), (20, 1, HOUR));
    }

    #[test]
    fn a_short_window_shrinks_only_the_chapter_that_must_fit_in_it() {
        let rules = RulesConfig { counter_notice_window: Duration::from_secs(3600), ..RulesConfig::default() };
        let t = Timeline::new(100 * 365 * DAY, &rules).expect("fits");
        // The counter-notice comes 2 days after its removal at scale 1: half the window now.
        assert_eq!(t.ago(29 * DAY, t.counter) - t.ago(27 * DAY, t.counter), -30 * 60 * SECOND);
        assert_eq!((t.aurelia, t.answered), (1.0, 1.0));
    }

    #[test]
    fn a_long_window_pushes_the_unanswered_question_and_the_warning_back() {
        let rules = RulesConfig {
            info_request_window: Duration::from_secs(40 * 86_400),
            abuse_warning_period: Duration::from_secs(200 * 86_400),
            ..RulesConfig::default()
        };
        let t = Timeline::new(100 * 365 * DAY, &rules).expect("fits");
        assert_eq!(t.silence_age, 41 * DAY);
        let notifiers = t.notifiers.clone().expect("the notifiers are in");
        assert!(notifiers.warn_age - notifiers.suspend_age >= 200 * DAY, "{t:?}");
        // The warning round has left the abuse window (90 days) by the time of the suspension.
        assert_eq!(notifiers.extra, notifiers.needed);
        assert!(t.setup_age > notifiers.notice_age && t.setup_age > t.silence_age + DAY, "{t:?}");
    }

    #[test]
    fn a_window_too_short_to_show_its_state_is_refused_by_name() {
        let rules = RulesConfig { info_request_window: Duration::from_millis(500), ..RulesConfig::default() };
        let refused = Timeline::new(0, &rules).expect_err("too short");
        assert!(refused.starts_with("--info-request-window is 500ms: the demo needs at least 1s"), "{refused}");
        let rules = RulesConfig { abuse_suspension: Duration::ZERO, ..RulesConfig::default() };
        let refused = Timeline::new(0, &rules).expect_err("too short");
        assert!(refused.starts_with("--abuse-suspension is 0s: the demo needs at least 1s"), "{refused}");
    }
}
