//! The accept loop. One port serves plain HTTP and, when TLS is configured, HTTPS too:
//! the first byte a client sends tells them apart (a TLS handshake record starts with
//! 0x16; an HTTP request line starts with a method's letter), so `http://` clients keep
//! working beside a kube-apiserver calling the webhook over `https://`.
//!
//! Every phase of a connection has a deadline: its first byte, a TLS handshake, each
//! request's head (`--idle-timeout`) and each pause in a request's body
//! (`--body-timeout`, tower-http's `RequestBodyTimeout`: the edge that reads the body
//! answers the refusal of its protocol, and hyper closes a connection whose body was not
//! read to its end). How many connections are held at once is capped ([`capacity`]).
//!
//! On shutdown the listener closes, connections still being sniffed or handshaking are
//! dropped, and the connections serving requests finish them before closing.

mod capacity;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::Service as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tower_http::timeout::RequestBodyTimeout;

pub use capacity::{
    default_max_connections, fd_limit, raise_fd_limit, Capacity, Slot, OVERFLOW_SLOTS,
};

/// The first byte of a TLS record carrying a handshake (RFC 8446 §5.1, `handshake(22)`).
const TLS_HANDSHAKE: u8 = 0x16;
/// How long a new connection may stay silent before it is dropped.
const FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// `--idle-timeout` default, hyper's own default for reading a request's headers.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// `--body-timeout` default: S3 drops an upload that stalls for about 20 seconds.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a connection past the cap may take to send its first byte, finish a TLS
/// handshake, or send its request's head.
const OVERFLOW_TIMEOUT: Duration = Duration::from_secs(2);
/// The first pause after a failed `accept` (out of descriptors, most likely); each
/// failure in a row doubles it, up to `MAX_ACCEPT_BACKOFF`.
const FIRST_ACCEPT_BACKOFF: Duration = Duration::from_millis(10);
const MAX_ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// Marks a request that came on a connection past the cap: the front door answers it
/// only if it is a health check, and refuses anything else as busy.
#[derive(Debug, Clone, Copy)]
pub struct AtCapacity;

/// How connections are served.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// HTTPS beside HTTP on the same port.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// How long a connection may wait for a request's headers to arrive in full: an idle
    /// keep-alive connection, or a client sending its headers slowly, is closed after it.
    pub idle_timeout: Duration,
    /// How long a request's body may pause between two pieces: the request is then
    /// refused and its connection closed.
    pub body_timeout: Duration,
    /// The connection slots, shared by every listener given these options.
    pub capacity: Capacity,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            tls: None,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            capacity: Capacity::default(),
        }
    }
}

/// What a connection is served with.
#[derive(Clone)]
struct Serving {
    router: Router,
    acceptor: Option<TlsAcceptor>,
    idle_timeout: Duration,
    body_timeout: Duration,
}

/// How long a shutdown waits for the requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `router` on `listener` until `shutdown` completes, then finishes the requests
/// in flight (for at most `SHUTDOWN_GRACE`).
pub async fn run(
    listener: TcpListener,
    router: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let serving = Serving {
        router,
        acceptor: options.tls.map(TlsAcceptor::from),
        idle_timeout: options.idle_timeout,
        body_timeout: options.body_timeout,
    };
    let capacity = options.capacity;
    let (stop, stopping) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    let mut backoff = FIRST_ACCEPT_BACKOFF;
    let mut next_slot = None;
    loop {
        // The slot first: at the cap, new connections wait in the listen queue.
        let slot = match next_slot.take() {
            Some(slot) => slot,
            None => tokio::select! {
                slot = capacity.slot() => slot,
                () = &mut shutdown => break,
            },
        };
        next_slot = Some(slot);
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(err) => {
                    if !is_connection_error(&err) {
                        // Out of file descriptors, most likely: let some close first,
                        // rather than spin on an error that repeats at once.
                        tracing::error!(error = %err, pause_ms = backoff.as_millis(), "accept failed");
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(MAX_ACCEPT_BACKOFF);
                    }
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        backoff = FIRST_ACCEPT_BACKOFF;
        let Some(slot) = next_slot.take() else {
            continue;
        };
        tokio::spawn(connection(stream, serving.clone(), slot, stopping.clone()));
    }
    drop(listener);
    drop(stopping);
    let _ = stop.send(());
    // Every connection task holds a receiver until it is done. A response that never
    // ends by itself (a Kubernetes watch) is cut off after the grace period.
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, stop.closed()).await;
    Ok(())
}

/// Serves one connection; its slot is freed when it closes.
async fn connection(
    stream: TcpStream,
    serving: Serving,
    slot: Slot,
    mut stop: watch::Receiver<()>,
) {
    let _ = stream.set_nodelay(true);
    let overflow = matches!(slot, Slot::Overflow(_));
    let Some(acceptor) = serving.acceptor.clone() else {
        return serve(stream, serving, overflow, stop).await;
    };
    let deadline = |usual| if overflow { OVERFLOW_TIMEOUT } else { usual };
    let opened = tokio::select! {
        opened = open(stream, &acceptor, deadline(FIRST_BYTE_TIMEOUT), deadline(HANDSHAKE_TIMEOUT)) => opened,
        _ = stop.changed() => return,
    };
    match opened {
        Some(Wire::Plain(stream)) => serve(stream, serving, overflow, stop).await,
        Some(Wire::Tls(stream)) => serve(*stream, serving, overflow, stop).await,
        None => {}
    }
    drop(slot);
}

/// A connection after its first byte was seen.
enum Wire {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

/// Peeks at the first byte and completes the TLS handshake when it starts one; `None`
/// for a connection that closed, stayed silent or failed its handshake.
async fn open(
    stream: TcpStream,
    acceptor: &TlsAcceptor,
    first_byte_timeout: Duration,
    handshake_timeout: Duration,
) -> Option<Wire> {
    let mut first = [0u8; 1];
    match tokio::time::timeout(first_byte_timeout, stream.peek(&mut first)).await {
        Ok(Ok(1..)) => {}
        _ => return None,
    }
    if first[0] != TLS_HANDSHAKE {
        return Some(Wire::Plain(stream));
    }
    match tokio::time::timeout(handshake_timeout, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => Some(Wire::Tls(Box::new(stream))),
        Ok(Err(err)) => {
            tracing::debug!(error = %err, "TLS handshake failed");
            None
        }
        Err(_) => None,
    }
}

/// Serves HTTP/1.1 on one connection until the client closes it, or until shutdown
/// and the request in flight is answered. A connection past the cap (`overflow`) serves
/// one request, marked [`AtCapacity`], with a short deadline for its head.
async fn serve<I>(io: I, serving: Serving, overflow: bool, mut stop: watch::Receiver<()>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = TowerToHyperService::new(RequestBodyTimeout::new(
        serving.router,
        serving.body_timeout,
    ));
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        if overflow {
            request.extensions_mut().insert(AtCapacity);
        }
        service.call(request)
    });
    // The header timer runs from the moment the connection waits for a request's head,
    // so it closes idle keep-alive connections as well as slow ones (pooling clients
    // reconnect, as they do after any server's keep-alive timeout).
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(if overflow {
            OVERFLOW_TIMEOUT
        } else {
            serving.idle_timeout
        })
        .keep_alive(!overflow)
        .serve_connection(TokioIo::new(io), service)
        // `kubectl exec` upgrades its connection to a WebSocket.
        .with_upgrades();
    let mut connection = std::pin::pin!(connection);
    let mut stopping = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(err) = result {
                    tracing::debug!(error = %err, "connection ended with an error");
                }
                return;
            }
            _ = stop.changed(), if !stopping => {
                stopping = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

/// Errors of one connection that `accept` reports; the listener itself is fine.
fn is_connection_error(err: &std::io::Error) -> bool {
    matches!(
        err.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}
