//! Runs one request together with its loaders' batches, so that a batch runs only once the
//! request's resolvers are all waiting.
//!
//! async-graphql resolves a list through `FuturesUnordered`, which hands control back after a
//! couple of its children yield, so the keys of one level arrive over many polls; a DataLoader
//! batch started by a timer (on another worker thread) fires part way through and a level costs
//! many statements. Here the request is polled until it stops waking itself, that is until every
//! resolver that can run has asked for its keys, and only then do the queued batches run: a level
//! costs one statement however large it is and however slowly it resolves.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};

/// Most polls of a request that keeps waking itself before its batches run anyway.
const MAX_TURNS: usize = 10_000;

/// The batches a request's loaders have started, waiting for the request to be idle.
#[derive(Clone, Default)]
pub struct BatchQueue(Arc<Mutex<Vec<BoxFuture<'static, ()>>>>);

impl BatchQueue {
    /// Queues a batch (the DataLoader's spawner).
    pub fn push(&self, batch: BoxFuture<'static, ()>) {
        if let Ok(mut queue) = self.0.lock() {
            queue.push(batch);
        }
    }

    fn drain(&self) -> Vec<BoxFuture<'static, ()>> {
        self.0.lock().map(|mut queue| std::mem::take(&mut *queue)).unwrap_or_default()
    }
}

/// Wakes the task driving the request, remembering that it was woken.
struct Flag {
    woken: AtomicBool,
    outer: Waker,
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.outer.wake_by_ref();
    }
}

/// Drives `request` and the batches in `queue` to the request's end.
pub async fn drive<F: Future + Send>(request: F, queue: BatchQueue) -> F::Output {
    let mut request: Pin<Box<F>> = Box::pin(request);
    let mut batches: FuturesUnordered<BoxFuture<'static, ()>> = FuturesUnordered::new();
    std::future::poll_fn(move |cx: &mut Context<'_>| {
        for _ in 0..MAX_TURNS {
            let flag = Arc::new(Flag { woken: AtomicBool::new(false), outer: cx.waker().clone() });
            let waker = Waker::from(flag.clone());
            if let Poll::Ready(output) = request.as_mut().poll(&mut Context::from_waker(&waker)) {
                return Poll::Ready(output);
            }
            if !flag.woken.load(Ordering::Acquire) {
                break;
            }
        }
        batches.extend(queue.drain());
        // Run the batches as far as they go; a finished one wakes the request through its flag.
        while let Poll::Ready(Some(())) = batches.poll_next_unpin(cx) {}
        Poll::Pending
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn batches_wait_until_the_request_stops_running() {
        let queue = BatchQueue::default();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (q, s) = (queue.clone(), seen.clone());
        let output = drive(
            async move {
                let (tx, rx) = futures_channel_like();
                // Ask for a batch, then keep running (yielding) for a while before waiting.
                let log = s.clone();
                q.push(Box::pin(async move {
                    log.lock().map(|mut l| l.push("batch")).ok();
                    let _ = tx.send(());
                }));
                for _ in 0..50 {
                    yield_like_futures_unordered().await;
                }
                s.lock().map(|mut l| l.push("resolvers done")).ok();
                rx.await.ok();
                7
            },
            queue,
        )
        .await;
        assert_eq!(output, 7);
        assert_eq!(*seen.lock().expect("log"), vec!["resolvers done", "batch"]);
    }

    /// Hands control back the way `FuturesUnordered` does: wakes itself, then returns pending.
    async fn yield_like_futures_unordered() {
        let mut yielded = false;
        std::future::poll_fn(|cx| {
            if yielded {
                Poll::Ready(())
            } else {
                yielded = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
        .await;
    }

    fn futures_channel_like() -> (tokio::sync::oneshot::Sender<()>, tokio::sync::oneshot::Receiver<()>) {
        tokio::sync::oneshot::channel()
    }
}
