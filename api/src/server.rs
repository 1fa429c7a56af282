//! The HTTP server loop of `lastmile serve`: connections with time limits, a
//! cap on open connections, and a graceful stop.
//!
//! Why not `axum::serve`: it gives hyper no timer, so a connection that sends
//! half its headers, or stays idle, is held forever; a few hundred such
//! sockets use up the process's file limit (commonly 1,024) and lock every
//! coordinator out. Here:
//! - headers must arrive within `header_timeout`, and the same timer closes a
//!   keep-alive connection that idles that long between requests (hyper runs
//!   it whenever it waits for a request head);
//! - a body must arrive within the body time limit (enforced where bodies are
//!   read, [`crate::routes::read_body`]);
//! - at most `max_connections` are open at once: beyond that the listener
//!   stops accepting (new clients wait in the kernel's backlog) until the
//!   time limits free a slot, so the process never runs out of files.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};

/// Limits on the connections of one server.
#[derive(Clone, Debug)]
pub struct ServeLimits {
    /// Time to send a request's headers, and the longest idle time between
    /// two requests on a kept-alive connection.
    pub header_timeout: Duration,
    /// Connections open at once (keep it well under the process's file limit).
    pub max_connections: usize,
    /// After the stop signal: how long open connections may take to finish
    /// the request they are in before they are dropped.
    pub drain: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(30),
            max_connections: 512,
            drain: Duration::from_secs(10),
        }
    }
}

/// Serves `app` on `listener` until `stop` completes, then stops accepting,
/// lets each open connection finish its current request (idle ones close at
/// once) for at most `limits.drain`, and returns.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServeLimits,
    stop: impl Future<Output = ()> + Send + 'static,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // Dropping `stop_tx` tells every connection to shut down gracefully.
    let (stop_tx, stop_rx) = watch::channel(());
    let mut stop = std::pin::pin!(stop);
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut stop => break,
        };
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning; the time limits free files.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let header_timeout = limits.header_timeout;
        let mut stop_rx = stop_rx.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .keep_alive(true);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stop_rx.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.as_mut().await;
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    drop(stop_rx);
    drop(stop_tx);
    // Every connection holds a slot until it closes: all slots back means all closed.
    let all = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.drain, slots.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the drain time; closing them");
    }
}

/// Completes on SIGTERM (what process managers send) or Ctrl-C.
pub async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
