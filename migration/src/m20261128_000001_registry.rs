//! The registry's tables, their foreign keys, unique constraints and indexes.
//!
//! Written as SQL rather than the schema builder so that what runs is what a reviewer reads; the
//! only difference between the backends is the auto-increment primary key and the date type.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `{pk}` becomes the backend's auto-increment 64-bit key, `{date}` its calendar-date type.
const UP: &str = r#"
CREATE TABLE brand (
    id {pk},
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    trust_tier TEXT NOT NULL DEFAULT 'STANDARD',
    created_at BIGINT NOT NULL
);
CREATE INDEX brand_name ON brand (name);

CREATE TABLE trademark (
    id {pk},
    brand_id BIGINT NOT NULL REFERENCES brand (id),
    mark TEXT NOT NULL,
    registration_number TEXT NOT NULL,
    jurisdiction TEXT NOT NULL,
    nice_classes TEXT NOT NULL,
    status TEXT NOT NULL,
    expires_on {date},
    created_at BIGINT NOT NULL,
    CONSTRAINT trademark_registration UNIQUE (jurisdiction, registration_number)
);
CREATE INDEX trademark_brand ON trademark (brand_id, id);

CREATE TABLE seller (
    id {pk},
    handle TEXT NOT NULL,
    display_name TEXT NOT NULL,
    country TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'ACTIVE',
    created_at BIGINT NOT NULL,
    CONSTRAINT seller_handle UNIQUE (handle)
);
CREATE INDEX seller_status ON seller (status, id);

CREATE TABLE seller_identifier (
    id {pk},
    seller_id BIGINT NOT NULL REFERENCES seller (id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT seller_identifier_once UNIQUE (seller_id, kind, value)
);
CREATE INDEX seller_identifier_value ON seller_identifier (kind, value, seller_id);

CREATE TABLE listing (
    id {pk},
    seller_id BIGINT NOT NULL REFERENCES seller (id),
    title TEXT NOT NULL,
    url TEXT NOT NULL,
    price_amount TEXT NOT NULL,
    price_currency TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'ACTIVE',
    listed_at BIGINT NOT NULL,
    removed_at BIGINT
);
CREATE INDEX listing_seller ON listing (seller_id, id);
CREATE INDEX listing_seller_status ON listing (seller_id, status, id);
CREATE INDEX listing_status ON listing (status, id);

CREATE TABLE notice (
    id {pk},
    brand_id BIGINT NOT NULL REFERENCES brand (id),
    reason TEXT NOT NULL,
    explanation TEXT NOT NULL,
    status TEXT NOT NULL,
    expedited BOOLEAN NOT NULL,
    submitted_at BIGINT NOT NULL,
    closed_at BIGINT,
    idempotency_key TEXT,
    request_hash TEXT,
    CONSTRAINT notice_idempotency UNIQUE (brand_id, idempotency_key)
);
CREATE INDEX notice_brand_submitted ON notice (brand_id, submitted_at, id);
CREATE INDEX notice_submitted ON notice (submitted_at, id);
CREATE INDEX notice_queue ON notice (status, expedited, submitted_at, id);

CREATE TABLE notice_item (
    id {pk},
    notice_id BIGINT NOT NULL REFERENCES notice (id),
    listing_id BIGINT NOT NULL REFERENCES listing (id),
    trademark_id BIGINT NOT NULL REFERENCES trademark (id),
    brand_id BIGINT NOT NULL REFERENCES brand (id),
    seller_id BIGINT NOT NULL REFERENCES seller (id),
    status TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    decided_at BIGINT,
    decision_reason TEXT
);
CREATE INDEX notice_item_notice ON notice_item (notice_id, id);
CREATE INDEX notice_item_listing ON notice_item (listing_id, id);
CREATE INDEX notice_item_trademark ON notice_item (trademark_id, notice_id);
CREATE INDEX notice_item_seller ON notice_item (seller_id, id);
CREATE INDEX notice_item_brand_listing ON notice_item (brand_id, listing_id, status);
CREATE INDEX notice_item_brand_decided ON notice_item (brand_id, decided_at);
CREATE INDEX notice_item_brand_submitted ON notice_item (brand_id, submitted_at);

CREATE TABLE counter_notice (
    id {pk},
    item_id BIGINT NOT NULL REFERENCES notice_item (id),
    seller_id BIGINT NOT NULL REFERENCES seller (id),
    brand_id BIGINT NOT NULL REFERENCES brand (id),
    statement TEXT NOT NULL,
    status TEXT NOT NULL,
    filed_at BIGINT NOT NULL,
    resolved_at BIGINT,
    resolution_reason TEXT,
    CONSTRAINT counter_notice_once UNIQUE (item_id)
);
CREATE INDEX counter_notice_seller ON counter_notice (seller_id, id);
CREATE INDEX counter_notice_brand ON counter_notice (brand_id, filed_at);

CREATE TABLE strike (
    id {pk},
    seller_id BIGINT NOT NULL REFERENCES seller (id),
    brand_id BIGINT NOT NULL REFERENCES brand (id),
    item_id BIGINT NOT NULL REFERENCES notice_item (id),
    issued_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    voided BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX strike_seller ON strike (seller_id, id);
CREATE INDEX strike_seller_active ON strike (seller_id, voided, expires_at);
CREATE INDEX strike_brand ON strike (brand_id, seller_id);
CREATE INDEX strike_item ON strike (item_id);

CREATE TABLE notice_event (
    id {pk},
    brand_id BIGINT NOT NULL REFERENCES brand (id),
    notice_id BIGINT REFERENCES notice (id),
    item_id BIGINT REFERENCES notice_item (id),
    seller_id BIGINT REFERENCES seller (id),
    kind TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    at BIGINT NOT NULL,
    note TEXT
);
CREATE INDEX notice_event_brand ON notice_event (brand_id, at, id);
CREATE INDEX notice_event_notice ON notice_event (notice_id, at, id);
CREATE INDEX notice_event_item ON notice_event (item_id);
CREATE INDEX notice_event_seller ON notice_event (seller_id, at, id);
"#;

const DOWN: &str = r#"
DROP TABLE notice_event;
DROP TABLE strike;
DROP TABLE counter_notice;
DROP TABLE notice_item;
DROP TABLE notice;
DROP TABLE listing;
DROP TABLE seller_identifier;
DROP TABLE seller;
DROP TABLE trademark;
DROP TABLE brand;
"#;

fn for_backend(sql: &str, backend: DbBackend) -> String {
    let (pk, date) = match backend {
        DbBackend::Postgres => ("BIGSERIAL PRIMARY KEY", "DATE"),
        // INTEGER PRIMARY KEY is SQLite's 64-bit rowid alias.
        _ => ("INTEGER PRIMARY KEY", "TEXT"),
    };
    sql.replace("{pk}", pk).replace("{date}", date)
}

async fn run(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let sql = for_backend(sql, manager.get_database_backend());
    for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, DOWN).await
    }
}
