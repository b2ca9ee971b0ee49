//! The channel's mutations: thin, each parses its input into a command and calls its service.

use async_graphql::{Context, Object};

use super::service;
use super::types::{NoticeMessage, PostNoticeMessageInput, ProvideInformationInput, RequestInformationInput};
use crate::error::AppResult;
use crate::graph;
use crate::objects::NoticeItem;

/// Mutations of the channel between brands and the platform.
#[derive(Default)]
pub struct ChannelMutation;

#[Object]
impl ChannelMutation {
    /// Asks the brand for information on a PENDING item, which waits INFO_REQUESTED until the
    /// brand answers or the deadline passes (ADMIN, REVIEWER).
    async fn request_information(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item and the question.")] input: RequestInformationInput,
    ) -> AppResult<NoticeItem> {
        let identity = graph::identity(ctx)?;
        let command = input.parse()?;
        let now = graph::request(ctx)?.now();
        Ok(NoticeItem(service::request_information(graph::shared(ctx)?, identity, now, command).await?))
    }

    /// Answers the question an INFO_REQUESTED item waits on, before its deadline (ADMIN,
    /// BRAND_AGENT of the brand).
    async fn provide_information(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The item, the answer and any evidence.")] input: ProvideInformationInput,
    ) -> AppResult<NoticeItem> {
        let identity = graph::identity(ctx)?;
        let command = input.parse()?;
        let now = graph::request(ctx)?.now();
        Ok(NoticeItem(service::provide_information(graph::shared(ctx)?, identity, now, command).await?))
    }

    /// Posts to a notice's thread (ADMIN, REVIEWER, ANALYST, BRAND_AGENT of the brand).
    async fn post_notice_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notice and the message.")] input: PostNoticeMessageInput,
    ) -> AppResult<NoticeMessage> {
        let identity = graph::identity(ctx)?;
        let command = input.parse()?;
        let now = graph::request(ctx)?.now();
        Ok(NoticeMessage(service::post_message(graph::shared(ctx)?, identity, now, command).await?))
    }
}
