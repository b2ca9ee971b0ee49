//! Offender analytics: repeat offenders, a seller's network of linked accounts, and the clusters
//! of the whole link graph (CONTRACT.md section 4, "Repeat offenders", "Offender networks").

pub mod resolvers;
pub mod service;
pub mod types;
