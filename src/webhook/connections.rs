//! The webhook endpoint's connections: at most [`MAX_CONNECTIONS`] at once, none held by a
//! client that stops reading its answers, and room kept for Facebook while anyone else holds
//! connections open.
//!
//! Anyone who can reach the port can open connections and leave them be. Each costs a file
//! descriptor and buffers, so they are capped; at the cap, the connection idle longest (no
//! request in its handler: waiting for headers that may never come, or for its client to read)
//! is closed to let the new one in, so a flood of idle connections cannot keep Facebook's
//! deliveries or the subscription handshake out. While every open one has a request in its
//! handler, the one whose request has been there longest makes room: Facebook's requests are
//! handled in milliseconds, a stranger's body sent a byte at a time lasts up to the request
//! timeout, so it is the stranger who goes.
//!
//! Time limits: hyper cuts off a request's headers (also the wait for the next request on a
//! kept-alive connection) after the request timeout, the handler the body; here, writing an
//! answer that the client does not read is cut off after the same time.

use std::collections::BTreeMap;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::service::Service;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::time::Sleep;

/// Connections open at once. Facebook delivers a page's events over a few connections at a
/// time; 256 leaves it ample room while keeping `serve` well inside the usual limit of 1,024
/// open files (the database, the log and the Graph client's connections need some too) and
/// its buffers near 32 MB (see [`BUFFER_BYTES`]).
pub const MAX_CONNECTIONS: usize = 256;

/// Each connection's read and write buffers: Facebook's request headers are a few KB and the
/// answers a few bytes; hyper's default (about 400 KB) would let a client that sends many
/// requests without reading the answers make each connection hold that much.
const BUFFER_BYTES: usize = 64 * 1024;

/// Accepts connections on `listener` and serves `router` on each, until the task is dropped.
pub async fn serve(listener: TcpListener, router: Router, timeout: Duration) {
    let open = Open::default();
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of file descriptors, say: wait a little rather than spin.
                tracing::warn!(error = %error, "cannot accept a webhook connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let (slot, closed) = open.admit();
        tokio::spawn(connection(stream, router.clone(), timeout, slot, closed));
    }
}

/// One connection, served until it ends, a time limit passes, or it is closed to make room.
async fn connection(
    stream: TcpStream,
    router: Router,
    timeout: Duration,
    slot: Slot,
    closed: oneshot::Receiver<()>,
) {
    let router = hyper_util::service::TowerToHyperService::new(router);
    let service = hyper::service::service_fn(move |request| {
        let handling = slot.handling();
        let answer = router.call(request);
        async move {
            let answer = answer.await;
            drop(handling);
            answer
        }
    });
    let io = hyper_util::rt::TokioIo::new(UnreadAnswers::new(stream, timeout));
    let served = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(timeout)
        .max_buf_size(BUFFER_BYTES)
        .serve_connection(io, service);
    tokio::select! {
        served = served => {
            if let Err(error) = served {
                tracing::debug!(error = %error, "a webhook connection ended early");
            }
        }
        _ = closed => tracing::debug!("an idle webhook connection closed to make room"),
    }
}

/// The connections open, oldest first.
#[derive(Clone, Default)]
struct Open {
    table: Arc<Mutex<Table>>,
}

#[derive(Default)]
struct Table {
    next: u64,
    open: BTreeMap<u64, Entry>,
}

struct Entry {
    /// Requests in the connection's handler now.
    handling: usize,
    /// Since when a request has been in its handler (while one is).
    busy_since: Option<std::time::Instant>,
    /// Dropped to close the connection.
    _close: oneshot::Sender<()>,
}

impl Open {
    fn table(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place for a new connection, and what tells it to close; at the cap, the connection
    /// idle longest is closed for it, or when none is idle, the one busy longest.
    fn admit(&self) -> (Slot, oneshot::Receiver<()>) {
        let mut table = self.table();
        if table.open.len() >= MAX_CONNECTIONS {
            let idle = table
                .open
                .iter()
                .find(|(_, entry)| entry.handling == 0)
                .map(|(id, _)| *id);
            let room = idle.or_else(|| {
                table
                    .open
                    .iter()
                    .min_by_key(|(_, entry)| entry.busy_since)
                    .map(|(id, _)| *id)
            });
            if let Some(id) = room {
                table.open.remove(&id);
            }
            match idle {
                Some(_) => tracing::warn!(
                    "{MAX_CONNECTIONS} webhook connections open: the one idle longest is closed to let a new one in"
                ),
                None => tracing::warn!(
                    "{MAX_CONNECTIONS} webhook connections open, each with a request in hand: the one handling its request longest is closed to let a new one in"
                ),
            }
        }
        let (close, closed) = oneshot::channel();
        let id = table.next;
        table.next += 1;
        table.open.insert(
            id,
            Entry {
                handling: 0,
                busy_since: None,
                _close: close,
            },
        );
        (
            Slot {
                id,
                open: self.clone(),
            },
            closed,
        )
    }
}

/// A connection's place among the open ones, given back when it ends.
struct Slot {
    id: u64,
    open: Open,
}

impl Slot {
    /// Marks a request as in the handler until the returned guard is dropped.
    fn handling(&self) -> Handling {
        if let Some(entry) = self.open.table().open.get_mut(&self.id) {
            entry.handling += 1;
            entry.busy_since.get_or_insert_with(std::time::Instant::now);
        }
        Handling {
            id: self.id,
            open: self.open.clone(),
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.open.table().open.remove(&self.id);
    }
}

struct Handling {
    id: u64,
    open: Open,
}

impl Drop for Handling {
    fn drop(&mut self) {
        if let Some(entry) = self.open.table().open.get_mut(&self.id) {
            entry.handling -= 1;
            if entry.handling == 0 {
                entry.busy_since = None;
            }
        }
    }
}

/// A connection on which writing may wait at most `limit` for the client to read: an answer
/// the client leaves unread fails the connection instead of holding it forever.
struct UnreadAnswers {
    stream: TcpStream,
    limit: Duration,
    /// Running while a write waits; gone once one goes through.
    waiting: Option<Pin<Box<Sleep>>>,
}

impl UnreadAnswers {
    fn new(stream: TcpStream, limit: Duration) -> Self {
        UnreadAnswers {
            stream,
            limit,
            waiting: None,
        }
    }

    /// After a write that could not go through: pending until the limit passes, then the error.
    fn wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        let limit = self.limit;
        let waiting = self
            .waiting
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        waiting.as_mut().poll(cx).map(|()| {
            io::Error::new(
                io::ErrorKind::TimedOut,
                "the client did not read its answer in time",
            )
        })
    }

    /// `result` of a write, with the wait started, kept or ended.
    fn timed<T>(
        &mut self,
        cx: &mut Context<'_>,
        result: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match result {
            Poll::Pending => self.wait(cx).map(Err),
            done => {
                self.waiting = None;
                done
            }
        }
    }
}

impl AsyncRead for UnreadAnswers {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for UnreadAnswers {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.timed(cx, result)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.timed(cx, result)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.stream).poll_flush(cx);
        self.timed(cx, result)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.stream).poll_shutdown(cx);
        self.timed(cx, result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_the_cap_the_connection_idle_longest_makes_room_then_the_one_busy_longest() {
        let open = Open::default();
        let (slots, mut closed): (Vec<_>, Vec<_>) =
            (0..MAX_CONNECTIONS).map(|_| open.admit()).unzip();
        // The oldest is handling a request: the second oldest is the one closed.
        let first_busy = slots[0].handling();
        let newest = open.admit();
        let gone = Err(oneshot::error::TryRecvError::Closed);
        let still = Err(oneshot::error::TryRecvError::Empty);
        assert_eq!(closed[1].try_recv(), gone);
        assert_eq!(closed[0].try_recv(), still);
        // Every connection handling a request (a stranger's slow bodies, then Facebook's on
        // the newest): the one handling its request longest goes, not the newest.
        let busy: Vec<Handling> = slots[2..].iter().map(Slot::handling).collect();
        let newest_busy = newest.0.handling();
        let _third = open.admit();
        assert_eq!(closed[0].try_recv(), gone);
        assert_eq!(closed[2].try_recv(), still);
        drop((first_busy, busy, newest_busy));
    }
}
