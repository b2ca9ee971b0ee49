//! Permits to execute a GraphQL request, shared fairly between tenants. First come, first served
//! lets one partner that opens 64 connections take every permit from every other brand's
//! dashboard; here a freed permit goes to the waiting tenant with the fewest requests executing,
//! then to the one served least recently (round robin between tenants), then to the oldest
//! waiter: a tenant with many requests in flight waits behind its own, never in front of
//! others, and a tenant alone still gets every permit.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::oneshot;

/// Whose requests share a fair part of the server: a brand (all its agents), a seller, a staff
/// token's subject, or every anonymous caller together.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Tenant {
    Brand(i64),
    Seller(i64),
    Staff(String),
    Anonymous,
}

/// `capacity` permits, handed out fairly between tenants.
#[derive(Clone)]
pub struct Permits(Arc<Inner>);

struct Inner {
    capacity: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Permits nobody holds (only ever non-zero while nobody waits).
    free: usize,
    /// Permits held, per tenant.
    held: HashMap<Tenant, usize>,
    /// Waiters per tenant, oldest first, each with its place in the order of arrival.
    waiting: HashMap<Tenant, VecDeque<(u64, oneshot::Sender<()>)>>,
    /// The next waiter's place in the order of arrival.
    arrivals: u64,
    /// When each tenant holding or waiting for a permit was last given one (grants counted).
    served: HashMap<Tenant, u64>,
    /// Permits given so far.
    grants: u64,
}

impl State {
    /// `tenant` is given a permit.
    fn grant(&mut self, tenant: &Tenant) {
        *self.held.entry(tenant.clone()).or_default() += 1;
        self.grants += 1;
        self.served.insert(tenant.clone(), self.grants);
    }

    /// Forgets what it knows of `tenant` once it holds and waits for nothing: it has no turn
    /// to keep, and the maps stay as small as the tenants in flight.
    fn forget_if_idle(&mut self, tenant: &Tenant) {
        if !self.held.contains_key(tenant) && !self.waiting.contains_key(tenant) {
            self.served.remove(tenant);
        }
    }
}

/// One permit, held by its tenant until dropped.
pub struct Permit {
    permits: Arc<Inner>,
    tenant: Tenant,
}

impl Permits {
    /// `capacity` permits, none held.
    pub fn new(capacity: usize) -> Self {
        let state = State { free: capacity, ..State::default() };
        Self(Arc::new(Inner { capacity, state: Mutex::new(state) }))
    }

    /// A permit for `tenant`, at once if one is free, else when the fair order reaches it.
    /// Dropping the future while it waits (its request timed out) leaves the line, or passes on
    /// the permit it was just given.
    pub async fn acquire(&self, tenant: Tenant) -> Permit {
        let (granted, arrival) = {
            let mut state = self.0.lock();
            if state.free > 0 {
                state.free -= 1;
                state.grant(&tenant);
                return Permit { permits: self.0.clone(), tenant };
            }
            let (tx, rx) = oneshot::channel();
            let arrival = state.arrivals;
            state.arrivals += 1;
            state.waiting.entry(tenant.clone()).or_default().push_back((arrival, tx));
            (rx, arrival)
        };
        let mut line = InLine { permits: &self.0, tenant: &tenant, arrival, admitted: false };
        // `release` sends once it has counted the permit for `tenant`, and never drops a
        // waiter's sender unsent: an error here cannot happen, and admits as a send would.
        let _ = granted.await;
        line.admitted = true;
        drop(line);
        Permit { permits: self.0.clone(), tenant }
    }

    /// A permit for `tenant` if one is free now.
    pub fn try_acquire(&self, tenant: Tenant) -> Option<Permit> {
        let mut state = self.0.lock();
        if state.free == 0 {
            return None;
        }
        state.free -= 1;
        state.grant(&tenant);
        Some(Permit { permits: self.0.clone(), tenant })
    }

    /// Permits held now.
    pub fn in_use(&self) -> usize {
        let state = self.0.lock();
        self.0.capacity.saturating_sub(state.free)
    }

    /// Permits held now by `tenant`.
    pub fn held_by(&self, tenant: &Tenant) -> usize {
        self.0.lock().held.get(tenant).copied().unwrap_or(0)
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `tenant` gives its permit back: it goes to the waiter of the tenant with the fewest
    /// permits held (the oldest waiter among equals), or back to the free ones.
    fn release(&self, tenant: &Tenant) {
        let mut state = self.lock();
        if let Some(held) = state.held.get_mut(tenant) {
            *held -= 1;
            if *held == 0 {
                state.held.remove(tenant);
            }
        }
        let next = state
            .waiting
            .iter()
            .filter_map(|(t, queue)| {
                let held = state.held.get(t).copied().unwrap_or(0);
                queue.front().map(|(arrival, _)| ((held, state.served.get(t).copied(), *arrival), t))
            })
            .min_by_key(|(key, _)| *key)
            .map(|(_, t)| t.clone());
        let Some(next) = next else {
            state.free += 1;
            state.forget_if_idle(tenant);
            return;
        };
        let waiter = state.waiting.get_mut(&next).and_then(VecDeque::pop_front);
        if state.waiting.get(&next).is_some_and(VecDeque::is_empty) {
            state.waiting.remove(&next);
        }
        state.grant(&next);
        state.forget_if_idle(tenant);
        if let Some((_, tx)) = waiter {
            // A waiter gone since (its future dropped) hands the permit on from `InLine::drop`.
            let _ = tx.send(());
        }
    }
}

/// A waiter's place in line, while its future waits.
struct InLine<'a> {
    permits: &'a Arc<Inner>,
    tenant: &'a Tenant,
    arrival: u64,
    admitted: bool,
}

impl Drop for InLine<'_> {
    fn drop(&mut self) {
        if self.admitted {
            return;
        }
        let mut state = self.permits.lock();
        if let Some(queue) = state.waiting.get_mut(self.tenant)
            && let Some(at) = queue.iter().position(|(arrival, _)| *arrival == self.arrival)
        {
            // Still in line: it leaves it.
            queue.remove(at);
            if queue.is_empty() {
                state.waiting.remove(self.tenant);
            }
            state.forget_if_idle(self.tenant);
            return;
        }
        // Given a permit it will not use: passed on.
        drop(state);
        self.permits.release(self.tenant);
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.permits.release(&self.tenant);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Permits, Tenant};

    #[tokio::test]
    async fn a_freed_permit_goes_to_the_tenant_with_the_fewest_in_flight_not_the_first_in_line() {
        let permits = Permits::new(2);
        let greedy = Tenant::Brand(1);
        let mut held: Vec<_> = (0..2).map(|_| permits.try_acquire(greedy.clone()).expect("free")).collect();
        // The greedy tenant queues three more, then another tenant one.
        let mut queued = Vec::new();
        for _ in 0..3 {
            let (p, t) = (permits.clone(), greedy.clone());
            queued.push(tokio::spawn(async move { p.acquire(t).await }));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        let (p, other) = (permits.clone(), Tenant::Brand(2));
        let polite = tokio::spawn(async move { p.acquire(other).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(held.pop());
        let permit = tokio::time::timeout(Duration::from_secs(1), polite).await.expect("admitted").expect("task");
        assert_eq!(permits.held_by(&Tenant::Brand(2)), 1, "the other tenant went first");
        assert_eq!(permits.held_by(&greedy), 1);
        assert!(queued.iter().all(|q| !q.is_finished()), "the greedy tenant's queue waits behind");
        drop(permit);
        assert_eq!(permits.held_by(&greedy), 2, "then the greedy tenant's oldest waiter");
        assert_eq!(permits.in_use(), 2);
        drop(held);
    }

    #[tokio::test]
    async fn with_one_permit_tenants_take_turns_whoever_queued_first() {
        let permits = Permits::new(1);
        let (a, b) = (Tenant::Brand(1), Tenant::Brand(2));
        let held = permits.try_acquire(a.clone()).expect("free");
        let (tx, mut order) = tokio::sync::mpsc::unbounded_channel();
        let mut tasks = Vec::new();
        for (i, tenant) in [a.clone(), a.clone(), a.clone(), b.clone()].into_iter().enumerate() {
            let (p, tx) = (permits.clone(), tx.clone());
            tasks.push(tokio::spawn(async move {
                let permit = p.acquire(tenant).await;
                let _ = tx.send(i);
                tokio::time::sleep(Duration::from_millis(5)).await;
                drop(permit);
            }));
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        drop(held);
        for task in tasks {
            task.await.expect("task");
        }
        let mut served = Vec::new();
        while let Ok(i) = order.try_recv() {
            served.push(i);
        }
        // A was served last (the permit it held): B's one request goes before A's queue.
        assert_eq!(served, [3, 0, 1, 2]);
    }

    #[tokio::test]
    async fn a_tenant_alone_gets_every_permit_and_a_waiter_that_gave_up_is_skipped() {
        let permits = Permits::new(3);
        let only = Tenant::Staff("analyst".into());
        let held: Vec<_> = (0..3).map(|_| permits.try_acquire(only.clone()).expect("free")).collect();
        assert!(permits.try_acquire(only.clone()).is_none());
        // A waiter that times out, then one that stays.
        let gave_up = tokio::time::timeout(Duration::from_millis(10), permits.acquire(Tenant::Anonymous)).await;
        assert!(gave_up.is_err());
        let (p, t) = (permits.clone(), only.clone());
        let stays = tokio::spawn(async move { p.acquire(t).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(held);
        let _kept = tokio::time::timeout(Duration::from_secs(1), stays).await.expect("admitted").expect("task");
        assert_eq!(permits.in_use(), 1, "the two others are free again, none lost to the waiter that left");
        assert_eq!(permits.held_by(&Tenant::Anonymous), 0);
    }
}
