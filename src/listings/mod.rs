//! Listings: the offers on the marketplace that notices ask to take down.

pub mod resolvers;
pub mod service;
pub mod types;
