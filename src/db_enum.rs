//! `db_enum!`: a GraphQL enum stored as its GraphQL name in a `TEXT` column. Its own module, at the
//! bottom of the layers, so that every domain's types can use it without importing anything else.

/// A state stored as its GraphQL name: what `db_enum!` declares.
pub trait DbEnum: Sized + Copy {
    /// Reads a stored name; anything else is a corrupt row.
    fn from_db(raw: &str) -> crate::error::AppResult<Self>;
    /// The stored (and GraphQL) name.
    fn as_db(self) -> &'static str;
}

/// Declares a GraphQL enum stored as its GraphQL name in a `TEXT` column.
#[macro_export]
macro_rules! db_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),*
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_db())
            }
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            /// The stored (and GraphQL) name.
            pub fn as_db(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),*
                }
            }

            /// Reads a stored name; anything else is a corrupt row.
            pub fn from_db(raw: &str) -> $crate::error::AppResult<Self> {
                match raw {
                    $($text => Ok(Self::$variant),)*
                    other => Err($crate::error::AppError::Internal(format!(
                        "{} holds unknown value {other:?}", stringify!($name)
                    ))),
                }
            }
        }

        impl $crate::db_enum::DbEnum for $name {
            fn from_db(raw: &str) -> $crate::error::AppResult<Self> {
                Self::from_db(raw)
            }
            fn as_db(self) -> &'static str {
                Self::as_db(self)
            }
        }
    };
}
