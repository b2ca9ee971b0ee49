//! Trademarks: the rights a notice is founded on.

pub mod resolvers;
pub mod service;
pub mod types;
