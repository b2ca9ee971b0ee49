//! The joint-force channel between brands and the platform: requests for information on items,
//! the brands' answers with evidence, and a message thread per notice.

pub mod resolvers;
pub mod service;
pub mod types;
