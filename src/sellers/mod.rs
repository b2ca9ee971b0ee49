//! Sellers: the marketplace accounts whose listings notices target.

pub mod identifier;
pub mod resolvers;
pub mod service;
pub mod strikes;
pub mod types;
