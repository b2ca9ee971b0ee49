//! The channel between brands and the platform: a reviewer asks a brand for information on an
//! item (which then waits `INFO_REQUESTED` until a deadline), the brand answers, and both write
//! to a thread per notice; evidence travels with the answers.
//!
//! - `notice_item.info_due_at`: the deadline of the question the item waits on (null otherwise).
//! - `notice.requeued_at`: when an answer put the notice back at the head of the reviewers' queue
//!   (null once no answered item of it is left `PENDING`).
//! - `notice_message`: the thread; `kind` MESSAGE, QUESTION (with `due_at` and `answered_at`) or
//!   ANSWER (with `question_id`).
//! - `evidence`: pieces of evidence of an item, and the answer that brought them.
//! - At most one open item (`PENDING` or `INFO_REQUESTED`) per brand and listing.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = r#"
ALTER TABLE notice_item ADD COLUMN info_due_at BIGINT;
CREATE INDEX notice_item_info_due ON notice_item (info_due_at);
ALTER TABLE notice ADD COLUMN requeued_at BIGINT;
DROP INDEX notice_item_pending_once;
CREATE UNIQUE INDEX notice_item_open_once ON notice_item (brand_id, listing_id) WHERE status IN ('PENDING', 'INFO_REQUESTED');
CREATE TABLE notice_message (
    id {pk},
    notice_id BIGINT NOT NULL REFERENCES notice (id),
    brand_id BIGINT NOT NULL REFERENCES brand (id),
    item_id BIGINT REFERENCES notice_item (id),
    kind TEXT NOT NULL,
    author_role TEXT NOT NULL,
    author_subject TEXT NOT NULL,
    body TEXT NOT NULL,
    at BIGINT NOT NULL,
    due_at BIGINT,
    answered_at BIGINT,
    question_id BIGINT REFERENCES notice_message (id)
);
CREATE INDEX notice_message_notice ON notice_message (notice_id, at, id);
CREATE INDEX notice_message_brand ON notice_message (brand_id, kind, at);
CREATE TABLE evidence (
    id {pk},
    item_id BIGINT NOT NULL REFERENCES notice_item (id),
    message_id BIGINT REFERENCES notice_message (id),
    kind TEXT NOT NULL,
    url TEXT,
    sha256 TEXT,
    order_number TEXT,
    note TEXT,
    added_at BIGINT NOT NULL
);
CREATE INDEX evidence_item ON evidence (item_id, id);
CREATE INDEX evidence_message ON evidence (message_id, id)
"#;

const DOWN: &str = r#"
DROP TABLE evidence;
DROP TABLE notice_message;
DROP INDEX notice_item_open_once;
CREATE UNIQUE INDEX notice_item_pending_once ON notice_item (brand_id, listing_id) WHERE status = 'PENDING';
ALTER TABLE notice DROP COLUMN requeued_at;
DROP INDEX notice_item_info_due;
ALTER TABLE notice_item DROP COLUMN info_due_at
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
