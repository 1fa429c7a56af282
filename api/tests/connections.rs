//! Connections that never finish their headers or body, or sit idle, are
//! closed by the server's time limits; more idle sockets than the server may
//! hold do not lock anyone out. Raw TCP clients against `api::server::serve`
//! on a loopback port.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use api::server::{serve, ServeLimits};
use common::*;

/// Starts the service on a free loopback port with these limits; it stops
/// when the returned sender is dropped.
fn start(
    limits: ServeLimits,
    body_timeout: Duration,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    std::thread::JoinHandle<()>,
) {
    let dir = tmp_dir("conn");
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            let app = api::app_with(engine(&dir), access(&[]), body_timeout);
            serve(listener, app, limits, async {
                let _ = stop_rx.await;
            })
            .await;
        });
    });
    (addr_rx.recv().unwrap(), stop_tx, thread)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

/// Reads until the server closes; returns what it sent and how long it took.
fn until_closed(mut s: TcpStream) -> (Vec<u8>, Duration) {
    let t = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return (got, t.elapsed()),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            // A reset is a close too.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return (got, t.elapsed()),
            Err(e) => panic!(
                "the server did not close the connection: {e} after {:?}",
                t.elapsed()
            ),
        }
    }
}

fn health(addr: SocketAddr) -> String {
    let mut s = connect(addr);
    write!(
        s,
        "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    String::from_utf8_lossy(&until_closed(s).0).into_owned()
}

fn limits(header_s: u64, max_connections: usize) -> ServeLimits {
    ServeLimits {
        header_timeout: Duration::from_secs(header_s),
        max_connections,
        drain: Duration::from_secs(2),
    }
}

#[test]
fn idle_and_half_sent_connections_are_closed() {
    let (addr, stop, thread) = start(limits(1, 64), Duration::from_secs(1));
    // Connected, sends nothing.
    let (_, took) = until_closed(connect(addr));
    assert!(
        took < Duration::from_secs(4),
        "idle connection held {took:?}"
    );
    // Half the headers.
    let mut s = connect(addr);
    s.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .unwrap();
    let (_, took) = until_closed(s);
    assert!(took < Duration::from_secs(4), "half headers held {took:?}");
    // One answered request, then idle on the kept-alive connection.
    let mut s = connect(addr);
    s.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let (got, took) = until_closed(s);
    assert!(
        String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&got)
    );
    assert!(
        took < Duration::from_secs(4),
        "kept-alive idle connection held {took:?}"
    );
    // Headers complete, body never finishes: 408 with the JSON error, then closed.
    let mut s = connect(addr);
    write!(
        s,
        "POST /api/v1/plans HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {COORD}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"date\": "
    )
    .unwrap();
    let t = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains("request_timeout") {
        let n = s.read(&mut buf).expect("an answer before the read timeout");
        assert!(
            n > 0,
            "closed without an answer: {}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
    drop(stop);
    thread.join().unwrap();
}

/// More idle sockets than the server may hold: the server keeps to its cap
/// (so it never runs out of files), the time limits free the slots, and a
/// real request is answered within seconds. Before the time limits existed,
/// 1,100 idle sockets against a 1,024-file limit locked everyone out.
#[test]
fn idle_sockets_beyond_the_cap_do_not_lock_anyone_out() {
    let (addr, stop, thread) = start(limits(1, 100), Duration::from_secs(1));
    let idle: Vec<TcpStream> = (0..300).map(|_| connect(addr)).collect();
    let t = Instant::now();
    let answer = health(addr);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        t.elapsed() < Duration::from_secs(15),
        "answered after {:?}",
        t.elapsed()
    );
    drop(idle);
    drop(stop);
    thread.join().unwrap();
}
