//! The channel's objects: `NoticeMessage` (a message, question or answer of a notice's thread)
//! and `Evidence`, and the inputs of its mutations with their parse into typed commands.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};

use super::service::{PostMessage, ProvideInformation, RequestInformation};
use crate::error::{AppError, AppResult};
use crate::events::ActorRole;
use crate::evidence::{self, EvidenceInput};
use crate::graph;
use crate::ids::Key;
use crate::ids::{Kind, to_id};
use crate::loaders::{Batcher, Items, Notices};
use crate::objects::{Notice, NoticeItem};
use crate::states::{EvidenceKind, NoticeMessageKind};
use crate::time::instant;

pub use crate::objects::{Evidence, NoticeMessage};

/// A message of a notice's thread between its brand and the platform: a message, a reviewer's question on an item,
/// or the brand's answer. Staff and the brand's agents read it; sellers never do.
#[Object]
impl NoticeMessage {
    /// The message's opaque global id.
    pub async fn id(&self) -> ID {
        to_id(Kind::NoticeMessage, self.0.id)
    }

    /// The notice whose thread it belongs to.
    async fn notice(&self, ctx: &Context<'_>) -> AppResult<Notice> {
        Ok(Notice(graph::load_ref::<Notices>(ctx, self.0.notice_id).await?))
    }

    /// The item a question or answer is about.
    async fn item(&self, ctx: &Context<'_>) -> AppResult<Option<NoticeItem>> {
        match self.0.item_id {
            Some(id) => Ok(Some(NoticeItem(graph::load_ref::<Items>(ctx, id).await?))),
            None => Ok(None),
        }
    }

    /// A message, a question or an answer.
    async fn kind(&self) -> AppResult<NoticeMessageKind> {
        Ok(self.0.kind)
    }

    /// The role of the author's token (`SYSTEM` never writes here).
    async fn author_role(&self) -> AppResult<ActorRole> {
        Ok(self.0.author_role)
    }

    /// The subject (`sub`) of the author's token.
    async fn author_subject(&self) -> &str {
        &self.0.author_subject
    }

    /// The text: 1 to 5,000 characters for a message, 10 to 5,000 for a question or an answer.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// When it was posted (RFC 3339, UTC).
    async fn at(&self) -> DateTime<Utc> {
        instant(self.0.at)
    }

    /// A question's deadline (RFC 3339, UTC): unanswered by then, the item is rejected. Null for other kinds.
    async fn due_at(&self) -> Option<DateTime<Utc>> {
        self.0.due_at.map(instant)
    }

    /// When a question was answered (RFC 3339, UTC); null for other kinds and while unanswered.
    async fn answered_at(&self) -> Option<DateTime<Utc>> {
        self.0.answered_at.map(instant)
    }

    /// The evidence an answer brought, in the order given; empty for other kinds.
    async fn evidence(&self, ctx: &Context<'_>) -> AppResult<Vec<Evidence>> {
        if self.0.kind != NoticeMessageKind::Answer {
            return Ok(Vec::new());
        }
        let loaders = graph::request(ctx)?.loaders();
        let rows = loaders.load_one(EvidenceOfMessage(self.0.id)).await?.unwrap_or_default();
        Ok(rows.into_iter().map(Evidence).collect())
    }
}

/// A piece of evidence a brand gave, with an item of its notice or in answer to a reviewer's question. Whoever
/// reads the item (or the answer) reads it, the seller included.
#[Object]
impl Evidence {
    /// What the piece is; it says which of the fields below are set.
    async fn kind(&self) -> AppResult<EvidenceKind> {
        Ok(self.0.kind)
    }

    /// The address of the screenshot, document or web page: an absolute http(s) URL; null for a test buy.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }

    /// The SHA-256 of the file, 64 lowercase hex digits.
    async fn sha256(&self) -> Option<&str> {
        self.0.sha256.as_deref()
    }

    /// A test buy's order number; null for other kinds.
    async fn order_number(&self) -> Option<&str> {
        self.0.order_number.as_deref()
    }

    /// The brand's note on the piece, at most 1,000 characters; null when none.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// When it was given (RFC 3339, UTC).
    async fn added_at(&self) -> DateTime<Utc> {
        instant(self.0.added_at)
    }
}

/// The evidence of one answer; visible wherever the answer is (its parent checked that).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EvidenceOfMessage(pub i64);

impl Loader<EvidenceOfMessage> for Batcher {
    type Value = Vec<entity::evidence::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[EvidenceOfMessage],
    ) -> Result<HashMap<EvidenceOfMessage, Vec<entity::evidence::Model>>, AppError> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let rows: Vec<entity::evidence::Model> =
            crate::sql::by_parents(self.db(), "evidence", "message_id", &ids, &[]).await?;
        let mut out: HashMap<EvidenceOfMessage, Vec<entity::evidence::Model>> = HashMap::new();
        for model in rows {
            if let Some(message) = model.message_id {
                out.entry(EvidenceOfMessage(message)).or_default().push(model);
            }
        }
        Ok(out)
    }
}

/// Asks the brand for information on a `PENDING` item.
#[derive(InputObject)]
pub struct RequestInformationInput {
    /// The `PENDING` item (opaque global id).
    pub item_id: ID,
    /// 10 to 5,000 characters.
    pub question: String,
}

impl RequestInformationInput {
    /// The typed command; bad input names its field.
    pub fn parse(self) -> AppResult<RequestInformation> {
        Ok(RequestInformation {
            item: Key::<crate::objects::NoticeItem>::decode(&self.item_id, "itemId")?,
            question: crate::values::text(&self.question, 10, 5000, "question")?,
        })
    }
}

/// Answers the question an `INFO_REQUESTED` item waits on.
#[derive(InputObject)]
pub struct ProvideInformationInput {
    /// The `INFO_REQUESTED` item whose question to answer (opaque global id).
    pub item_id: ID,
    /// 10 to 5,000 characters.
    pub answer: String,
    /// At most 10 pieces.
    #[graphql(default)]
    pub evidence: Vec<EvidenceInput>,
}

impl ProvideInformationInput {
    /// The typed command; bad input names its field.
    pub fn parse(self) -> AppResult<ProvideInformation> {
        Ok(ProvideInformation {
            item: Key::<crate::objects::NoticeItem>::decode(&self.item_id, "itemId")?,
            answer: crate::values::text(&self.answer, 10, 5000, "answer")?,
            evidence: evidence::parse_all(&self.evidence, "evidence")?,
        })
    }
}

/// A message to a notice's thread.
#[derive(InputObject)]
pub struct PostNoticeMessageInput {
    /// The notice whose thread to post to (opaque global id).
    pub notice_id: ID,
    /// 1 to 5,000 characters.
    pub body: String,
}

impl PostNoticeMessageInput {
    /// The typed command; bad input names its field.
    pub fn parse(self) -> AppResult<PostMessage> {
        Ok(PostMessage {
            notice: Key::<crate::objects::Notice>::decode(&self.notice_id, "noticeId")?,
            body: crate::values::text(&self.body, 1, 5000, "body")?,
        })
    }
}
