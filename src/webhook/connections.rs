//! The webhook endpoint's connections: at most [`MAX_CONNECTIONS`] at once, none held by a
//! client that stops reading its answers, and room kept for Facebook while anyone else holds
//! connections open.
//!
//! Anyone who can reach the port can open connections and leave them be, or feed a request a
//! byte at a time. Each costs a file descriptor and buffers, so they are capped; at the cap, the
//! connection quiet longest (no request begun or answered on it for the longest time) is closed
//! to let the new one in. Facebook's requests are answered in milliseconds and its kept-alive
//! connections were last used a moment ago; a stranger's connection that sends nothing, or a
//! body that never ends, has been quiet since it began: it is the stranger who goes, however
//! many connections they open.
//!
//! Time limits: hyper cuts off a request's headers (also the wait for the next request on a
//! kept-alive connection) after the request timeout, the handler the body; here, writing an
//! answer that the client does not read is cut off after the same time.

use std::collections::BTreeMap;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

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
    /// When a request last began or was answered on it (or it was opened).
    last_seen: Instant,
    /// Dropped to close the connection.
    _close: oneshot::Sender<()>,
}

impl Open {
    fn table(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place for a new connection, and what tells it to close; at the cap, the connection
    /// quiet longest is closed for it.
    fn admit(&self) -> (Slot, oneshot::Receiver<()>) {
        let mut table = self.table();
        if table.open.len() >= MAX_CONNECTIONS {
            let quiet = table
                .open
                .iter()
                .min_by_key(|(id, entry)| (entry.last_seen, **id))
                .map(|(id, _)| *id);
            if let Some(id) = quiet {
                table.open.remove(&id);
            }
            tracing::warn!(
                "{MAX_CONNECTIONS} webhook connections open: the one quiet longest is closed to let a new one in"
            );
        }
        let (close, closed) = oneshot::channel();
        let id = table.next;
        table.next += 1;
        table.open.insert(
            id,
            Entry {
                last_seen: Instant::now(),
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

    /// A request began or was answered on the connection.
    fn seen(&self, id: u64) {
        if let Some(entry) = self.table().open.get_mut(&id) {
            entry.last_seen = Instant::now();
        }
    }
}

/// A connection's place among the open ones, given back when it ends.
struct Slot {
    id: u64,
    open: Open,
}

impl Slot {
    /// A request begins: the connection is seen now, and again when the returned guard goes
    /// (the request answered).
    fn handling(&self) -> Handling {
        self.open.seen(self.id);
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
        self.open.seen(self.id);
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
    fn at_the_cap_the_connection_quiet_longest_makes_room() {
        let open = Open::default();
        let (slots, mut closed): (Vec<_>, Vec<_>) = (0..MAX_CONNECTIONS)
            .map(|_| {
                // Instants a little apart, as connections come.
                std::thread::sleep(Duration::from_micros(10));
                open.admit()
            })
            .unzip();
        let gone = Err(oneshot::error::TryRecvError::Closed);
        let still = Err(oneshot::error::TryRecvError::Empty);
        // The oldest has just begun a request (Facebook's, kept alive): the second oldest, quiet
        // since it opened, goes.
        let answering = slots[0].handling();
        let _newest = open.admit();
        assert_eq!(closed[1].try_recv(), gone);
        assert_eq!(closed[0].try_recv(), still);
        // Every other one begins a request too (a stranger's slow bodies): the one whose
        // request began first goes, however recent the connection.
        let slow: Vec<Handling> = slots[2..].iter().map(Slot::handling).collect();
        let _another = open.admit();
        assert_eq!(closed[0].try_recv(), gone);
        assert_eq!(closed[2].try_recv(), still);
        // A request answered makes its connection seen again: it stays, the next quiet goes.
        drop(slow);
        let _third = open.admit();
        assert_eq!(closed[2].try_recv(), still);
        drop(answering);
    }
}
