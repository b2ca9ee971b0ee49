//! The one error type of the API. Each variant maps to one `extensions.code` of CONTRACT.md
//! section 6; database and other internal causes are logged, never sent to the client.

use async_graphql::ErrorExtensions;

/// Every `extensions.code` the API answers (CONTRACT.md section 6), in one table: each code's
/// name, and the HTTP status of a request refused with it where the code decides one. Nothing
/// else spells a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Unauthenticated,
    Forbidden,
    NotFound,
    BadUserInput,
    Conflict,
    GraphqlParseFailed,
    GraphqlValidationFailed,
    PersistedQueryNotFound,
    PersistedQueryNotAllowed,
    Timeout,
    RateLimited,
    InternalServerError,
}

impl Code {
    /// Every code.
    pub const ALL: [Code; 12] = [
        Code::Unauthenticated,
        Code::Forbidden,
        Code::NotFound,
        Code::BadUserInput,
        Code::Conflict,
        Code::GraphqlParseFailed,
        Code::GraphqlValidationFailed,
        Code::PersistedQueryNotFound,
        Code::PersistedQueryNotAllowed,
        Code::Timeout,
        Code::RateLimited,
        Code::InternalServerError,
    ];

    /// The code as `extensions.code` spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::Forbidden => "FORBIDDEN",
            Code::NotFound => "NOT_FOUND",
            Code::BadUserInput => "BAD_USER_INPUT",
            Code::Conflict => "CONFLICT",
            Code::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            Code::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            Code::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Code::PersistedQueryNotAllowed => "PERSISTED_QUERY_NOT_ALLOWED",
            Code::Timeout => "TIMEOUT",
            Code::RateLimited => "RATE_LIMITED",
            Code::InternalServerError => "INTERNAL_SERVER_ERROR",
        }
    }

    /// The code an `extensions.code` spells, if it is one.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.as_str() == raw)
    }

    /// The code an error carries, if it carries one.
    pub fn of(error: &async_graphql::ServerError) -> Option<Self> {
        match error.extensions.as_ref().and_then(|e| e.get("code")) {
            Some(async_graphql::Value::String(raw)) => Self::parse(raw),
            _ => None,
        }
    }

    /// The HTTP status of a request refused with this code, where the code decides it (the
    /// others follow the GraphQL over HTTP specification).
    pub const fn http_status(self) -> Option<u16> {
        match self {
            Code::Timeout => Some(503),
            Code::RateLimited => Some(429),
            _ => None,
        }
    }
}

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
    pub fn code(&self) -> Code {
        match self {
            Self::Unauthenticated(_) => Code::Unauthenticated,
            Self::Forbidden(_) => Code::Forbidden,
            Self::NotFound(_) => Code::NotFound,
            Self::BadInput { .. } => Code::BadUserInput,
            Self::Conflict { .. } => Code::Conflict,
            Self::Internal(_) => Code::InternalServerError,
        }
    }
}

/// A response with only `error`, coded `code`: a request refused before anything ran.
pub fn refusal(error: async_graphql::ServerError, code: Code) -> async_graphql::Response {
    async_graphql::Response::from_errors(vec![coded(error, code)])
}

/// `error` with `extensions.code` set to `code`.
pub fn coded(mut error: async_graphql::ServerError, code: Code) -> async_graphql::ServerError {
    error.extensions.get_or_insert_with(async_graphql::ErrorExtensionValues::default).set("code", code.as_str());
    error
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
            ext.set("code", code.as_str());
            match &err {
                AppError::BadInput { field, .. } | AppError::Conflict { field: Some(field), .. } => {
                    ext.set("field", field.as_str());
                }
                _ => {}
            }
        })
    }
}
