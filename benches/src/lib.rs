//! Shared helpers for the benchmark binaries.

use std::path::{Path, PathBuf};

/// The shared data folder: `$LASTMILE_SHARED_DATA`, else `shared/data` beside
/// the repository (`benches/../../shared/data`, wherever the binary runs from).
pub fn shared_data() -> PathBuf {
    std::env::var_os("LASTMILE_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"))
}

/// One HTTP/1.1 request on a kept-alive connection, answered with its status
/// and body: the benches' client, so that they measure the service and not a
/// client library. Head and body go in one write: in two segments they would
/// meet Nagle's algorithm and delayed ACKs (40 ms each).
pub async fn http(
    conn: &mut tokio::io::BufReader<tokio::net::TcpStream>,
    token: &str,
    method: &str,
    path: &str,
    body: &[u8],
) -> std::io::Result<(u16, Vec<u8>)> {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut msg = head.into_bytes();
    msg.extend_from_slice(body);
    conn.get_mut().write_all(&msg).await?;
    let mut line = String::new();
    conn.read_line(&mut line).await?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("bad status line"))?;
    let mut len = 0usize;
    loop {
        line.clear();
        conn.read_line(&mut line).await?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut buf = vec![0; len];
    conn.read_exact(&mut buf).await?;
    Ok((status, buf))
}
