//! Statements of reasons (DSA Article 17): one per restriction, written in the transaction of the
//! decision that imposes it. A removal of a listing (by a reviewer, expedited by SYSTEM, or on an
//! appeal that reversed a rejection) writes one, with the seller's suspension or termination when
//! that removal's strike caused it. The text fields are written once, as issued; what never varies
//! (account type, decision ground, category, content type, source) is not stored.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = r#"
CREATE TABLE statement_of_reasons (
    id {pk},
    item_id BIGINT NOT NULL REFERENCES notice_item (id),
    notice_id BIGINT NOT NULL REFERENCES notice (id),
    brand_id BIGINT NOT NULL REFERENCES brand (id),
    seller_id BIGINT NOT NULL REFERENCES seller (id),
    listing_id BIGINT NOT NULL REFERENCES listing (id),
    procedure TEXT NOT NULL,
    content_removed BOOLEAN NOT NULL,
    account_decision TEXT,
    automated_decision TEXT NOT NULL,
    keyword TEXT NOT NULL,
    legal_ground TEXT NOT NULL,
    explanation TEXT NOT NULL,
    facts TEXT NOT NULL,
    content_date BIGINT NOT NULL,
    application_date BIGINT NOT NULL,
    territorial_scope TEXT NOT NULL,
    counter_notice_until BIGINT,
    appeal_until BIGINT,
    CONSTRAINT statement_of_reasons_once UNIQUE (item_id)
);
CREATE INDEX statement_of_reasons_issued ON statement_of_reasons (application_date, id);
CREATE INDEX statement_of_reasons_seller ON statement_of_reasons (seller_id, id);
CREATE INDEX statement_of_reasons_brand ON statement_of_reasons (brand_id, id)
"#;

const DOWN: &str = "DROP TABLE statement_of_reasons";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(manager, &crate::statements(UP, manager.get_database_backend())).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(manager, &crate::statements(DOWN, manager.get_database_backend())).await
    }
}
