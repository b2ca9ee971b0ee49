//! Statements of reasons (DSA Article 17): one for every restriction, written in the transaction
//! of the decision that imposes it; who reads them; their export to the DSA Transparency Database
//! (Article 24(5)); and the yearly transparency report (Article 15).

pub mod export;
pub mod report;
pub mod resolvers;
pub mod service;
pub mod types;
