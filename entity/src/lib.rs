//! sea-orm entities of the rightsgraph registry: plain data and the states it holds, no business
//! rules.
//!
//! Timestamps are stored as microseconds since the Unix epoch (UTC) in a `BIGINT`, so that the
//! same column orders and compares identically on SQLite and PostgreSQL; states (`states`) are
//! stored as their GraphQL names in `TEXT` and read as enums.

pub mod appeal;
pub mod brand;
pub mod counter_notice;
pub mod evidence;
pub mod listing;
pub mod notice;
pub mod notice_event;
pub mod notice_item;
pub mod notice_message;
pub mod seller;
pub mod seller_cluster;
pub mod seller_identifier;
pub mod statement_of_reasons;
pub mod states;
pub mod strike;
pub mod trademark;
