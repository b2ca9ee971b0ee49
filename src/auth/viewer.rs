//! Who is asking: built once per request from the token, and the scope of rows it may see.

use async_graphql::{Context, Enum};

use crate::error::AppError;

/// A token's role (CONTRACT.md section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum)]
pub enum Role {
    /// Runs the platform: reads everything; creates brands, sellers and their identifiers, and may do most of what
    /// a reviewer or a brand agent does.
    Admin,
    /// Reads everything; verifies trademarks and decides items, counter-notices and appeals.
    Reviewer,
    /// Reads everything, seller identifiers, networks and clusters included; changes nothing but a notice's thread.
    Analyst,
    /// Acts for one brand (the `brand_id` claim): reads that brand's notices and what they caused; registers its
    /// trademarks, submits and withdraws its notices.
    BrandAgent,
    /// Is one seller (the `seller_id` claim): reads the notices against its listings and its own strikes; creates its
    /// listings, files counter-notices and appeals.
    Seller,
}

impl Role {
    /// Parses the `role` claim; anything but a `Role` value is unusable.
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "ADMIN" => Self::Admin,
            "REVIEWER" => Self::Reviewer,
            "ANALYST" => Self::Analyst,
            "BRAND_AGENT" => Self::BrandAgent,
            "SELLER" => Self::Seller,
            _ => return None,
        })
    }

    /// The claim value of this role.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "ADMIN",
            Self::Reviewer => "REVIEWER",
            Self::Analyst => "ANALYST",
            Self::BrandAgent => "BRAND_AGENT",
            Self::Seller => "SELLER",
        }
    }
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub subject: String,
    pub role: Role,
    /// For `BRAND_AGENT`: the brand it acts for.
    pub brand_id: Option<i64>,
    /// For `SELLER`: the seller it is.
    pub seller_id: Option<i64>,
}

/// The caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// No token: only `__typename` and introspection.
    Anonymous,
    /// A token that cannot be used; the reason is for the log, the client gets a fixed text.
    Rejected(String),
    /// A verified token.
    Authenticated(Identity),
}

/// Which rows of notices, items, events, counter-notices and strikes a viewer may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// ADMIN, REVIEWER, ANALYST: everything.
    All,
    /// A brand agent: rows of its brand's notices.
    Brand(i64),
    /// A seller: rows about its own listings.
    Seller(i64),
}

impl Viewer {
    /// The viewer of the request `ctx` belongs to.
    pub fn of<'a>(ctx: &'a Context<'_>) -> &'a Viewer {
        ctx.data_opt::<Viewer>().unwrap_or(&Viewer::Anonymous)
    }

    /// The identity, or `UNAUTHENTICATED`.
    pub fn identity(&self) -> Result<&Identity, AppError> {
        match self {
            Viewer::Authenticated(identity) => Ok(identity),
            Viewer::Anonymous => Err(AppError::Unauthenticated("a bearer token is required".into())),
            Viewer::Rejected(_) => Err(AppError::Unauthenticated("the bearer token is not usable".into())),
        }
    }

    /// The identity of the request `ctx` belongs to, or `UNAUTHENTICATED`.
    pub fn require<'a>(ctx: &'a Context<'_>) -> Result<&'a Identity, AppError> {
        Self::of(ctx).identity()
    }
}

impl Identity {
    /// The rows of enforcement data this identity may see.
    pub fn scope(&self) -> Scope {
        match (self.role, self.brand_id, self.seller_id) {
            (Role::BrandAgent, Some(brand), _) => Scope::Brand(brand),
            (Role::Seller, _, Some(seller)) => Scope::Seller(seller),
            // Tokens without the claim their role needs never become an Identity; `Seller(-1)`
            // would see nothing should one slip through.
            (Role::BrandAgent | Role::Seller, _, _) => Scope::Seller(-1),
            _ => Scope::All,
        }
    }

    /// Whether this is one of the platform's own roles (ADMIN, REVIEWER, ANALYST).
    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Reviewer | Role::Analyst)
    }

    /// `FORBIDDEN` unless this is ADMIN, REVIEWER or ANALYST.
    pub fn require_staff(&self, what: &str) -> Result<(), AppError> {
        self.require_role(&[Role::Admin, Role::Reviewer, Role::Analyst], what)
    }

    /// `FORBIDDEN` unless this is ADMIN, or the agent of `brand`.
    pub fn require_brand_actor(&self, brand: i64, what: &str) -> Result<(), AppError> {
        self.require_role(&[Role::Admin, Role::BrandAgent], what)?;
        if self.role == Role::BrandAgent && self.brand_id != Some(brand) {
            return Err(AppError::Forbidden(format!("a brand agent may {what} only for its own brand")));
        }
        Ok(())
    }

    /// `FORBIDDEN` unless the role is one of `roles`.
    pub fn require_role(&self, roles: &[Role], what: &str) -> Result<(), AppError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!("{} may not {what}", self.role.as_str())))
        }
    }
}
