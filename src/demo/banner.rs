//! The banner `serve --demo` prints: where to go, and a ready token for each role, with the
//! console link that signs it in.

use std::time::Duration;

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::auth::{Claims, Role, mint_hs256};
use crate::config::AuthConfig;
use crate::ids::{GlobalId, Kind};
use crate::states::{CounterNoticeStatus, SellerStatus, SubmissionStatus};

/// How long the banner's tokens are valid, in hours.
const TOKEN_HOURS: u64 = 24;

/// Where the HS256 key of the banner's tokens comes from, which decides what the banner may say
/// about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrigin {
    /// Generated for this run: shown, since it dies with the process and `token` needs it.
    Generated,
    /// Supplied by whoever runs the server: never echoed.
    Supplied,
}

/// The banner `serve --demo` prints: a ready token per role, each with whom it acts for (the
/// brand's name, the seller's handle and status), and the command that makes more while the
/// server runs, with `program` (the path this process was started as: no rebuild, and the same
/// build). Tokens are signed with `auth`'s secret and carry its issuer and audience.
pub async fn banner(
    db: &DatabaseConnection,
    auth: &AuthConfig,
    origin: KeyOrigin,
    program: &str,
) -> Result<String, String> {
    banner_with_console(db, auth, origin, program, None).await
}

/// `banner`, with under each token the console link that signs it in on the server at `server`
/// (`http://ADDR`): `/console#token=…`, a fragment, which the browser never sends to the server.
pub async fn banner_with_console(
    db: &DatabaseConnection,
    auth: &AuthConfig,
    origin: KeyOrigin,
    program: &str,
    server: Option<&str>,
) -> Result<String, String> {
    let Some(secret) = auth.jwt_secret.as_deref() else {
        return Ok("tokens: this server only accepts tokens for RIGHTSGRAPH_JWT_PUBLIC_KEY; \
                   get them from your identity provider\n"
            .into());
    };
    let read = |e: sea_orm::DbErr| format!("cannot read the demo data for its tokens: {e}");
    let (brand, other_brand) = brands_for_tokens(db).await.map_err(read)?;
    let seller = seller_for_tokens(db).await.map_err(read)?;
    let ttl = Duration::from_secs(TOKEN_HOURS * 3600);
    let mut rows: Vec<(String, String)> = Vec::new();
    for role in [Role::Admin, Role::Reviewer, Role::Analyst, Role::BrandAgent, Role::Seller] {
        // Not the story's `demo-reviewer`: whoever made a decision may not review the appeal
        // against it, and the demo's pending appeal is against one of its decisions.
        let mut claims = Claims::new(&format!("visitor-{}", role.as_str().to_lowercase()), role, ttl);
        claims.iss = auth.jwt_issuer.clone();
        claims.aud = auth.jwt_audience.clone();
        let whose = match role {
            Role::BrandAgent => {
                let Some(b) = &brand else { continue };
                let id = GlobalId::new(Kind::Brand, b.id).to_string();
                claims.brand_id = Some(id.clone());
                format!(" for brand \"{}\" ({id})", b.name)
            }
            Role::Seller => {
                let Some(s) = &seller else { continue };
                let id = GlobalId::new(Kind::Seller, s.id).to_string();
                claims.seller_id = Some(id.clone());
                format!(" as seller {}, {} ({id})", s.handle, s.status)
            }
            _ => String::new(),
        };
        rows.push((format!("{}{whose}", role.as_str()), mint_hs256(secret, &claims)?));
    }
    let width = rows.iter().map(|(label, _)| label.chars().count()).max().unwrap_or(0);
    let mut text = format!("tokens, valid {TOKEN_HOURS}h (send as Authorization: Bearer TOKEN):\n");
    for (label, token) in &rows {
        text.push_str(&format!("  {label:<width$}  {token}\n"));
        if let Some(server) = server {
            text.push_str(&format!("  {:>width$}  {server}/console#token={token}\n", "console"));
        }
    }
    text.push_str(&more_tokens(auth, secret, origin, program, other_brand.as_ref()));
    Ok(text)
}

/// How to mint more tokens for the running server: the `token` command, for another brand's
/// agent when there is one.
fn more_tokens(
    auth: &AuthConfig,
    secret: &str,
    origin: KeyOrigin,
    program: &str,
    brand: Option<&entity::brand::Model>,
) -> String {
    let (example, role) = match brand {
        Some(b) => (
            format!(", e.g. for an agent of \"{}\"", b.name),
            format!("BRAND_AGENT --brand {}", GlobalId::new(Kind::Brand, b.id)),
        ),
        None => (String::new(), "ADMIN".to_owned()),
    };
    let mut command = format!("{} token --role {role} --ttl {TOKEN_HOURS}h", shell_word(program));
    for (flag, value) in [("--jwt-issuer", &auth.jwt_issuer), ("--jwt-audience", &auth.jwt_audience)] {
        if let Some(value) = value {
            command.push_str(&format!(" {flag} {}", shell_word(value)));
        }
    }
    let (when, command) = match origin {
        KeyOrigin::Generated => {
            (" while this server runs", format!("RIGHTSGRAPH_JWT_SECRET={} {command}", shell_word(secret)))
        }
        KeyOrigin::Supplied => (" (with RIGHTSGRAPH_JWT_SECRET or --jwt-secret as for this server)", command),
    };
    format!(
        "more tokens{when}{example}:\n  {command}\n  \
         (--role ADMIN, REVIEWER, ANALYST, BRAND_AGENT --brand ID or SELLER --seller ID; ids as the API gives them)\n"
    )
}

/// `word` as one shell word: as it is when it holds nothing the shell reads, else single-quoted.
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.,:/@%+=".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The brand whose agent the banner's token acts for (the first that may submit notices, else
/// the first), and another one for the example of `token`.
async fn brands_for_tokens(
    db: &DatabaseConnection,
) -> Result<(Option<entity::brand::Model>, Option<entity::brand::Model>), sea_orm::DbErr> {
    use entity::brand::{Column, Entity};
    let mut free = Entity::find()
        .filter(Column::SubmissionStatus.ne(SubmissionStatus::Suspended))
        .order_by_asc(Column::Id)
        .limit(2)
        .all(db)
        .await?
        .into_iter();
    let acting = match free.next() {
        Some(brand) => Some(brand),
        None => Entity::find().order_by_asc(Column::Id).one(db).await?,
    };
    Ok((acting, free.next()))
}

/// The seller the banner's token acts for: one that may still act (ACTIVE or WARNED), rather one
/// with a counter-notice waiting for review (it has the most to see), else the first seller.
async fn seller_for_tokens(db: &DatabaseConnection) -> Result<Option<entity::seller::Model>, sea_orm::DbErr> {
    use entity::seller::{Column, Entity};
    use sea_orm::sea_query::ExprTrait;
    let may_act = [SellerStatus::Active, SellerStatus::Warned];
    let countering = Query::select()
        .column(entity::counter_notice::Column::SellerId)
        .from(entity::counter_notice::Entity)
        .and_where(entity::counter_notice::Column::Status.eq(CounterNoticeStatus::Pending))
        .to_owned();
    let with_case = Entity::find()
        .filter(Column::Status.is_in(may_act))
        .filter(Expr::col(Column::Id).in_subquery(countering))
        .order_by_asc(Column::Id)
        .one(db)
        .await?;
    if with_case.is_some() {
        return Ok(with_case);
    }
    let active = Entity::find().filter(Column::Status.is_in(may_act)).order_by_asc(Column::Id).one(db).await?;
    if active.is_some() {
        return Ok(active);
    }
    Entity::find().order_by_asc(Column::Id).one(db).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_only_when_the_shell_would_read_them() {
        assert_eq!(shell_word("9f3a0c"), "9f3a0c");
        assert_eq!(shell_word("https://id.example/"), "https://id.example/");
        assert_eq!(shell_word("my issuer"), "'my issuer'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }
}
