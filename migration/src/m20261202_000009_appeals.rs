//! Appeals against a decision on an item (DSA Article 20): the seller against a removal, the
//! brand against a rejection, once each, reviewed by a person other than the one who decided.
//! `notice_item.decided_by` keeps the token subject (`sub`) of the decision's maker (null when
//! SYSTEM decided).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = r#"
ALTER TABLE notice_item ADD COLUMN decided_by TEXT;
CREATE TABLE appeal (
    id {pk},
    item_id BIGINT NOT NULL REFERENCES notice_item (id),
    notice_id BIGINT NOT NULL REFERENCES notice (id),
    brand_id BIGINT NOT NULL REFERENCES brand (id),
    seller_id BIGINT NOT NULL REFERENCES seller (id),
    party TEXT NOT NULL,
    statement TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_by TEXT,
    filed_at BIGINT NOT NULL,
    resolved_at BIGINT,
    resolution_reason TEXT,
    CONSTRAINT appeal_once UNIQUE (item_id, party)
);
CREATE INDEX appeal_queue ON appeal (status, filed_at, id);
CREATE INDEX appeal_item ON appeal (item_id)
"#;

const DOWN: &str = r#"
DROP TABLE appeal;
ALTER TABLE notice_item DROP COLUMN decided_by
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(manager, &crate::statements(UP, manager.get_database_backend())).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(manager, &crate::statements(DOWN, manager.get_database_backend())).await
    }
}
