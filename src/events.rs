//! The kinds of events the workflow writes and who causes them, declared once in
//! `entity::states` and re-exported here below every domain, so that the unit of work (`work.rs`)
//! and the domains share them without importing one another.

pub use entity::states::{ActorRole, NoticeEventKind};
