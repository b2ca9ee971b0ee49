//! Enforcement: notices and their items, counter-notices, strikes and the event history.

pub mod appeal;
pub mod appeal_types;
pub mod counter_notice;
pub mod counts;
pub mod decide;
pub mod filter;
pub mod resolvers;
pub mod retract;
pub mod service;
pub mod standing;
pub mod stats;
pub mod submit;
pub mod subscription;
pub mod types;
pub mod withdraw;
