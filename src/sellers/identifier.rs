//! Seller identifiers, normalized so that spellings of one phone, mailbox or address meet
//! (CONTRACT.md section 4, offender networks).

use crate::error::{AppError, AppResult};
use crate::states::IdentifierKind;

/// Longest identifier value accepted, before normalization.
pub const MAX_LEN: usize = 512;

/// A normalized identifier value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identifier {
    pub kind: IdentifierKind,
    pub value: String,
}

impl Identifier {
    /// Normalizes `raw` for `kind`: trim and lowercase; `PHONE` keeps digits only; `EMAIL` must
    /// have one `@` and for gmail.com and googlemail.com drops dots and `+tag` from the local part
    /// and writes the domain gmail.com; `ADDRESS` turns every run of characters that are not
    /// letters or digits into one space. Empty after normalization is `BAD_USER_INPUT`.
    pub fn parse(kind: IdentifierKind, raw: &str, field: &str) -> AppResult<Self> {
        if raw.chars().count() > MAX_LEN {
            return Err(AppError::bad_input(field, format!("{field}: at most {MAX_LEN} characters")));
        }
        let base = raw.trim().to_lowercase();
        let value = match kind {
            IdentifierKind::Phone => base.chars().filter(char::is_ascii_digit).collect(),
            IdentifierKind::Email => email(&base, field)?,
            IdentifierKind::Address => words(&base),
            _ => base,
        };
        if value.is_empty() {
            return Err(AppError::bad_input(field, format!("{field}: empty once normalized")));
        }
        // Lowercasing can lengthen a text (`İ` is two characters lowercased): the bound holds for
        // the stored value too, so that normalizing it again gives it back.
        if value.chars().count() > MAX_LEN {
            return Err(AppError::bad_input(field, format!("{field}: at most {MAX_LEN} characters")));
        }
        Ok(Self { kind, value })
    }
}

fn email(base: &str, field: &str) -> AppResult<String> {
    if base.chars().any(char::is_whitespace) {
        return Err(AppError::bad_input(field, format!("{field}: an email address has no spaces")));
    }
    let (local, domain) = base
        .rsplit_once('@')
        .filter(|(l, d)| !l.is_empty() && !d.is_empty() && !d.contains('@'))
        .ok_or_else(|| AppError::bad_input(field, format!("{field}: an email address needs one '@'")))?;
    if domain == "gmail.com" || domain == "googlemail.com" {
        let local = local.split('+').next().unwrap_or("").replace('.', "");
        if local.is_empty() {
            return Err(AppError::bad_input(field, format!("{field}: empty once normalized")));
        }
        return Ok(format!("{local}@gmail.com"));
    }
    Ok(format!("{local}@{domain}"))
}

fn words(base: &str) -> String {
    let mut out = String::with_capacity(base.len());
    let mut gap = false;
    for c in base.chars() {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(kind: IdentifierKind, raw: &str) -> String {
        Identifier::parse(kind, raw, "value").map(|i| i.value).unwrap_or_else(|e| format!("ERR {}", e.message()))
    }

    #[test]
    fn phones_keep_digits_only() {
        assert_eq!(norm(IdentifierKind::Phone, "+86 (138) 000-0000"), "861380000000");
        assert!(norm(IdentifierKind::Phone, "call me").starts_with("ERR"));
    }

    #[test]
    fn gmail_spellings_meet() {
        for raw in ["John.Doe+shop@gmail.com", "johndoe@googlemail.com", " JOHNDOE@GMAIL.COM "] {
            assert_eq!(norm(IdentifierKind::Email, raw), "johndoe@gmail.com", "{raw}");
        }
        assert_eq!(norm(IdentifierKind::Email, "John.Doe+x@example.com"), "john.doe+x@example.com");
        assert!(norm(IdentifierKind::Email, "no-at-sign").starts_with("ERR"));
    }

    #[test]
    fn addresses_fold_punctuation_and_space() {
        assert_eq!(norm(IdentifierKind::Address, "  12, Nathan Rd.\n Kowloon -- HK "), "12 nathan rd kowloon hk");
        assert!(norm(IdentifierKind::Address, " ,.- ").starts_with("ERR"));
    }

    #[test]
    fn other_kinds_trim_and_lowercase() {
        assert_eq!(norm(IdentifierKind::PaymentAccount, "  ACCT-77 "), "acct-77");
    }

    #[test]
    fn normalizing_twice_changes_nothing() {
        for (kind, raw) in [
            (IdentifierKind::Phone, "+1 (555) 010-9999"),
            (IdentifierKind::Email, "A.B+c@GoogleMail.com"),
            (IdentifierKind::Address, "5th Ave., New York"),
            (IdentifierKind::Device, " Dev-1 "),
        ] {
            let once = norm(kind, raw);
            assert_eq!(norm(kind, &once), once, "{raw}");
        }
    }

    #[test]
    fn emails_with_spaces_are_refused_so_normalizing_stays_idempotent() {
        assert!(norm(IdentifierKind::Email, ". a@gmail.com").starts_with("ERR"));
    }

    #[test]
    fn values_that_lengthen_when_lowercased_are_bounded_after_normalizing() {
        assert!(norm(IdentifierKind::Device, &"İ".repeat(300)).starts_with("ERR"));
    }

    #[test]
    fn overlong_values_are_refused() {
        assert!(norm(IdentifierKind::Device, &"x".repeat(MAX_LEN + 1)).starts_with("ERR"));
    }
}
