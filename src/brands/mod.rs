//! Brands: the rights holders that send notices.

pub mod resolvers;
pub mod types;
