//! The one error type of the API. Each variant maps to one `extensions.code` of CONTRACT.md
//! section 6; database and other internal causes are logged, never sent to the client.

use async_graphql::ErrorExtensions;

/// Everything a resolver or service can fail with.
// Deliberately not `Display`: async-graphql converts every `Display` type into an error without
// extensions, and that blanket conversion must not swallow our codes.
#[derive(Debug, Clone)]
pub enum AppError {
    /// `UNAUTHENTICATED`: no usable token where one is needed.
    Unauthenticated(String),
    /// `FORBIDDEN`: the token's role may not do this.
    Forbidden(String),
    /// `NOT_FOUND`: no such object, or one the viewer may not see.
    NotFound(String),
    /// `BAD_USER_INPUT`: an argument or input field is invalid; `field` names its path.
    BadInput { field: String, message: String },
    /// `CONFLICT`: the request clashes with the current state; `field` names the input, if one.
    Conflict { field: Option<String>, message: String },
    /// `INTERNAL_SERVER_ERROR`: anything else; the cause is logged, the client sees a generic text.
    Internal(String),
}

/// Shorthand for results of the API's services and resolvers.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// A `BAD_USER_INPUT` naming the input path `field`.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput { field: field.into(), message: message.into() }
    }

    /// A `CONFLICT` with the current state.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict { field: None, message: message.into() }
    }

    /// A `CONFLICT` caused by the input at path `field`.
    pub fn conflict_at(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Conflict { field: Some(field.into()), message: message.into() }
    }

    /// The message the client sees (for `Internal`, the cause, which is only logged).
    pub fn message(&self) -> &str {
        match self {
            Self::Unauthenticated(m) | Self::Forbidden(m) | Self::NotFound(m) | Self::Internal(m) => m,
            Self::BadInput { message, .. } | Self::Conflict { message, .. } => message,
        }
    }

    /// The `extensions.code` this error carries.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::BadInput { .. } => "BAD_USER_INPUT",
            Self::Conflict { .. } => "CONFLICT",
            Self::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }
}

/// A response with only `error`, coded `code`: a request refused before anything ran.
pub fn refusal(mut error: async_graphql::ServerError, code: &str) -> async_graphql::Response {
    error.extensions.get_or_insert_with(async_graphql::ErrorExtensionValues::default).set("code", code);
    async_graphql::Response::from_errors(vec![error])
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Internal(format!("database: {err}"))
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        let message = match &err {
            AppError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                "internal server error".to_owned()
            }
            other => other.message().to_owned(),
        };
        let code = err.code();
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", code);
            match &err {
                AppError::BadInput { field, .. } | AppError::Conflict { field: Some(field), .. } => {
                    ext.set("field", field.as_str());
                }
                _ => {}
            }
        })
    }
}
