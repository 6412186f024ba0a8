//! The accept loop. One port serves plain HTTP and, when TLS is configured, HTTPS too:
//! the first byte a client sends tells them apart (a TLS handshake record starts with
//! 0x16; an HTTP request line starts with a method's letter), so `http://` clients keep
//! working beside a kube-apiserver calling the webhook over `https://`.
//!
//! On shutdown the listener closes, connections still being sniffed or handshaking are
//! dropped, and the connections serving requests finish them before closing.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

/// The first byte of a TLS record carrying a handshake (RFC 8446 §5.1, `handshake(22)`).
const TLS_HANDSHAKE: u8 = 0x16;
/// How long a new connection may stay silent before it is dropped.
const FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// `--idle-timeout` default, hyper's own default for reading a request's headers.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// How connections are served.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// HTTPS beside HTTP on the same port.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// How long a connection may wait for a request's headers to arrive in full: an idle
    /// keep-alive connection, or a client sending its headers slowly, is closed after it.
    pub idle_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            tls: None,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
        }
    }
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
    let acceptor = options.tls.map(TlsAcceptor::from);
    let idle_timeout = options.idle_timeout;
    let (stop, stopping) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(err) => {
                    if !is_connection_error(&err) {
                        // Out of file descriptors, most likely: let some close first.
                        tracing::error!(error = %err, "accept failed");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        tokio::spawn(connection(
            stream,
            router.clone(),
            acceptor.clone(),
            idle_timeout,
            stopping.clone(),
        ));
    }
    drop(listener);
    drop(stopping);
    let _ = stop.send(());
    // Every connection task holds a receiver until it is done. A response that never
    // ends by itself (a Kubernetes watch) is cut off after the grace period.
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, stop.closed()).await;
    Ok(())
}

async fn connection(
    stream: TcpStream,
    router: Router,
    acceptor: Option<TlsAcceptor>,
    idle_timeout: Duration,
    mut stop: watch::Receiver<()>,
) {
    let _ = stream.set_nodelay(true);
    let Some(acceptor) = acceptor else {
        return serve(stream, router, idle_timeout, stop).await;
    };
    let opened = tokio::select! {
        opened = open(stream, &acceptor) => opened,
        _ = stop.changed() => return,
    };
    match opened {
        Some(Wire::Plain(stream)) => serve(stream, router, idle_timeout, stop).await,
        Some(Wire::Tls(stream)) => serve(*stream, router, idle_timeout, stop).await,
        None => {}
    }
}

/// A connection after its first byte was seen.
enum Wire {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

/// Peeks at the first byte and completes the TLS handshake when it starts one; `None`
/// for a connection that closed, stayed silent or failed its handshake.
async fn open(stream: TcpStream, acceptor: &TlsAcceptor) -> Option<Wire> {
    let mut first = [0u8; 1];
    match tokio::time::timeout(FIRST_BYTE_TIMEOUT, stream.peek(&mut first)).await {
        Ok(Ok(1..)) => {}
        _ => return None,
    }
    if first[0] != TLS_HANDSHAKE {
        return Some(Wire::Plain(stream));
    }
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => Some(Wire::Tls(Box::new(stream))),
        Ok(Err(err)) => {
            tracing::debug!(error = %err, "TLS handshake failed");
            None
        }
        Err(_) => None,
    }
}

/// Serves HTTP/1.1 on one connection until the client closes it, or until shutdown
/// and the request in flight is answered.
async fn serve<I>(io: I, router: Router, idle_timeout: Duration, mut stop: watch::Receiver<()>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // The header timer runs from the moment the connection waits for a request's head,
    // so it closes idle keep-alive connections as well as slow ones (pooling clients
    // reconnect, as they do after any server's keep-alive timeout).
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(idle_timeout)
        .serve_connection(TokioIo::new(io), TowerToHyperService::new(router))
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
