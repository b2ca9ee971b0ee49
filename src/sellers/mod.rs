//! Sellers: the marketplace accounts whose listings notices target.

pub mod resolvers;
pub mod types;
