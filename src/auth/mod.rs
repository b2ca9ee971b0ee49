//! Tokens and roles: JWT verification (CONTRACT.md section 3), the per-request `Viewer`, and the
//! visibility scope that services and loaders apply where the data is loaded.

mod jwt;
mod viewer;
pub mod visibility;

pub use jwt::{Claims, MIN_SECRET_BYTES, Rejection, Verified, Verifier, hs256_secret, mint_hs256};
pub use viewer::{Identity, Role, Scope, Viewer};
