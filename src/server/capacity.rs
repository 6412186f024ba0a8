//! How many connections the server holds at once. Each connection costs a file
//! descriptor, so the cap is derived from the process's descriptor limit, which is raised
//! to its hard limit at start.
//!
//! Health checks must keep answering when the cap is reached (a supervisor that sees a
//! health check time out restarts a server that is merely busy). So the server never
//! stops accepting: past the cap, a connection takes one of a few overflow slots, where
//! its head must arrive within a short deadline and its one request is answered at once
//! (a health check as usual, anything else with the refusal "busy" of its protocol), and
//! then it is closed. When the overflow slots are taken too, the server waits for a slot
//! before its next `accept`: new connections wait in the kernel's listen queue, holding
//! no descriptor of ours, rather than being dropped (a health check waits at most about
//! the overflow deadline, for which an overflow connection may keep its slot).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Connections past the cap served at the same time, one request each.
pub const OVERFLOW_SLOTS: usize = 64;
/// Descriptors kept back from connections: overflow slots, the data dir's files, the
/// container engine's socket, the log, and a margin.
const RESERVED_FDS: u64 = 256 + OVERFLOW_SLOTS as u64;
/// The default cap never exceeds this, whatever the descriptor limit: an idle connection
/// costs some kilobytes of memory too.
const MAX_DEFAULT_CONNECTIONS: u64 = 65_536;
/// The default cap never falls below this, on a process with very few descriptors.
const MIN_DEFAULT_CONNECTIONS: u64 = 16;
/// The soft limit asked for when the hard limit is unlimited.
const UNLIMITED_FDS: u64 = 1 << 20;

/// The connection slots of one server, shared by all its listeners (a clone shares them).
#[derive(Debug, Clone)]
pub struct Capacity {
    regular: Arc<Semaphore>,
    overflow: Arc<Semaphore>,
    limit: usize,
    /// Whether "at capacity" was logged since the server last had a free slot.
    warned: Arc<AtomicBool>,
}

/// A connection's place: one of the cap's slots, or an overflow slot. Dropping it frees
/// the slot.
#[derive(Debug)]
pub enum Slot {
    Regular(OwnedSemaphorePermit),
    Overflow(OwnedSemaphorePermit),
}

impl Capacity {
    /// Room for `max_connections` connections, plus the overflow slots.
    pub fn new(max_connections: usize) -> Self {
        Self {
            regular: Arc::new(Semaphore::new(max_connections)),
            overflow: Arc::new(Semaphore::new(OVERFLOW_SLOTS)),
            limit: max_connections,
            warned: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The cap.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// A slot for the next connection: one of the cap's when one is free, else an
    /// overflow slot; waits when both are taken.
    pub async fn slot(&self) -> Slot {
        if let Ok(permit) = Arc::clone(&self.regular).try_acquire_owned() {
            self.warned.store(false, Ordering::Relaxed);
            return Slot::Regular(permit);
        }
        if !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                max_connections = self.limit,
                "at the connection cap: new connections get one request each (health checks \
                 answered, others refused as busy) until some close"
            );
        }
        // The semaphores are never closed, so neither acquire fails.
        tokio::select! {
            Ok(permit) = Arc::clone(&self.regular).acquire_owned() => Slot::Regular(permit),
            Ok(permit) = Arc::clone(&self.overflow).acquire_owned() => Slot::Overflow(permit),
        }
    }
}

impl Default for Capacity {
    fn default() -> Self {
        Self::new(default_max_connections(fd_limit()))
    }
}

/// The soft limit on open files in force.
pub fn fd_limit() -> u64 {
    getrlimit(Resource::Nofile).current.unwrap_or(UNLIMITED_FDS)
}

/// Raises the soft limit on open files to the hard limit; the soft limit now in force.
pub fn raise_fd_limit() -> std::io::Result<u64> {
    let limit = getrlimit(Resource::Nofile);
    let hard = limit.maximum.unwrap_or(UNLIMITED_FDS);
    let soft = limit.current.unwrap_or(UNLIMITED_FDS);
    if soft >= hard {
        return Ok(soft);
    }
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(hard),
            maximum: limit.maximum,
        },
    )?;
    Ok(hard)
}

/// `--max-connections`' default for a process allowed `fd_limit` open files.
pub fn default_max_connections(fd_limit: u64) -> usize {
    let connections = fd_limit
        .saturating_sub(RESERVED_FDS)
        .clamp(MIN_DEFAULT_CONNECTIONS, MAX_DEFAULT_CONNECTIONS);
    usize::try_from(connections).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_cap_leaves_descriptors_for_the_rest() {
        let cases = [
            ("debian_default_1024", 1024, 704),
            ("this_machine_20000", 20_000, 19_680),
            ("tiny_limit_keeps_a_floor", 100, 16),
            ("huge_limit_is_bounded", 1 << 20, 65_536),
        ];
        for (name, fd_limit, want) in cases {
            assert_eq!(default_max_connections(fd_limit), want, "case {name}");
        }
    }

    #[tokio::test]
    async fn past_the_cap_come_overflow_slots_then_a_wait() {
        let capacity = Capacity::new(2);
        let mut regular = Vec::new();
        for _ in 0..2 {
            regular.push(capacity.slot().await);
        }
        assert!(regular.iter().all(|slot| matches!(slot, Slot::Regular(_))));
        let mut overflow = Vec::new();
        for _ in 0..OVERFLOW_SLOTS {
            overflow.push(capacity.slot().await);
        }
        assert!(overflow
            .iter()
            .all(|slot| matches!(slot, Slot::Overflow(_))));
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(50), capacity.slot());
        assert!(waiting.await.is_err(), "no slot left: the next one waits");
        drop(regular);
        assert!(
            matches!(capacity.slot().await, Slot::Regular(_)),
            "a closed connection frees its slot"
        );
    }

    #[test]
    fn raising_the_limit_reaches_the_hard_limit() {
        let raised = raise_fd_limit().expect("raising the soft limit to the hard one");
        let limit = getrlimit(Resource::Nofile);
        assert_eq!(limit.current, Some(raised));
        assert_eq!(limit.current, limit.maximum.or(Some(UNLIMITED_FDS)));
    }
}
