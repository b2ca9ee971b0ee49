//! Brands: the rights holders that send notices.

pub mod resolvers;
pub mod service;
pub mod types;
