//! A subscription's time limit: each event is answered within the request timeout, counted from
//! when the event was admitted, not while the subscription waits for one.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use async_graphql::ServerError;
use futures_util::Stream;
use futures_util::stream::BoxStream;

use crate::error::{Code, refusal};
use crate::graph::EventGate;

/// A subscription's answers, ended with a time-limit error when answering one event takes longer
/// than the request timeout (the clock runs from when the event was admitted, not while the
/// subscription waits for one).
pub(super) struct Bounded {
    pub(super) inner: BoxStream<'static, async_graphql::Response>,
    pub(super) gate: Arc<EventGate>,
    pub(super) limit: std::time::Duration,
    pub(super) deadline: Option<(Instant, Pin<Box<tokio::time::Sleep>>)>,
    pub(super) done: bool,
}

impl Stream for Bounded {
    type Item = async_graphql::Response;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = self.inner.as_mut().poll_next(cx) {
            self.deadline = None;
            return Poll::Ready(item);
        }
        match self.gate.answering_since() {
            None => self.deadline = None,
            Some(since) => {
                if self.deadline.as_ref().is_none_or(|(armed, _)| *armed != since) {
                    let at = tokio::time::Instant::from_std(since + self.limit);
                    self.deadline = Some((since, Box::pin(tokio::time::sleep_until(at))));
                }
                if let Some((_, sleep)) = self.deadline.as_mut()
                    && sleep.as_mut().poll(cx).is_ready()
                {
                    self.done = true;
                    tracing::warn!(timeout = ?self.limit, "subscription event abandoned");
                    let message = format!(
                        "answering an event ran longer than the time limit of {}",
                        humantime::format_duration(self.limit)
                    );
                    // `finish` gives it the request id, as every answer of the stream.
                    return Poll::Ready(Some(refusal(ServerError::new(message, None), Code::Timeout)));
                }
            }
        }
        Poll::Pending
    }
}
