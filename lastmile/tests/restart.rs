//! Nothing accepted is lost: the real `lastmile serve` binary is killed with
//! SIGKILL in the middle of a solve, started again on the same database, and
//! the plan is resumed and finished with every request accounted for. It
//! also stops gracefully on SIGTERM, and keeps answering with few open files.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// A minimal HTTP/1.1 client (one request per connection), enough for a test.
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&[u8]>,
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.unwrap_or(b"");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {COORD}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    s.write_all(body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Ok((status, body))
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let n = usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 2 + n + 2..];
    }
}

fn free_port() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

fn start(
    db: &std::path::Path,
    access: &std::path::Path,
    addr: SocketAddr,
    budget_cap: Option<u64>,
) -> Child {
    let cap = budget_cap.map(|c| c.to_string());
    let mut extra = vec![];
    if let Some(c) = &cap {
        extra.extend(["--budget-cap-s", c.as_str()]);
    }
    start_with(db, access, addr, &extra, None)
}

/// Starts `lastmile serve` with extra arguments, under an open-file limit
/// when `files` is given (through `sh -c 'ulimit -n N; exec ...'`).
fn start_with(
    db: &std::path::Path,
    access: &std::path::Path,
    addr: SocketAddr,
    extra: &[&str],
    files: Option<u32>,
) -> Child {
    let bin = env!("CARGO_BIN_EXE_lastmile");
    let mut cmd = match files {
        Some(n) => {
            let mut c = Command::new("sh");
            c.args(["-c", &format!("ulimit -n {n} && exec \"$0\" \"$@\""), bin]);
            c
        }
        None => Command::new(bin),
    };
    cmd.args(["serve", "--district", "--db"])
        .arg(db)
        .arg("--access")
        .arg(access)
        .args(["--listen", &addr.to_string()])
        .args(extra);
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the lastmile binary starts");
    let t = Instant::now();
    while http(addr, "GET", "/api/v1/health", None).is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "server did not come up"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    child
}

fn status(addr: SocketAddr, id: &str) -> Value {
    let (code, body) = http(addr, "GET", &format!("/api/v1/plans/{id}"), None).unwrap();
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

#[test]
fn a_plan_survives_kill_9_during_its_solve() {
    let dir = tmp_dir("restart");
    let db = dir.join("plans.db");
    let access_path = access_file(&dir);
    let mut day = small_day(60, 4, 11);
    day.options.budget_s = 120; // long enough to be killed in the middle
    let body = serde_json::to_vec(&day).unwrap();

    let addr = free_port();
    let mut server = start(&db, &access_path, addr, None);
    let (code, resp) = http(addr, "POST", "/api/v1/plans", Some(&body)).unwrap();
    assert_eq!(code, 202, "{}", String::from_utf8_lossy(&resp));
    let id = serde_json::from_slice::<Value>(&resp).unwrap()["plan_id"]
        .as_str()
        .unwrap()
        .to_string();
    let t = Instant::now();
    while status(addr, &id)["status"] != "solving" {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "never started solving"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    server.kill().unwrap(); // SIGKILL: no shutdown code runs
    server.wait().unwrap();

    // Same database, a short budget cap so the resumed solve ends quickly.
    let addr = free_port();
    let mut server = start(&db, &access_path, addr, Some(2));
    let t = Instant::now();
    let done = loop {
        let s = status(addr, &id);
        match s["status"].as_str().unwrap() {
            "done" => break s,
            "failed" => panic!("resumed plan failed: {s}"),
            _ => {}
        }
        assert!(
            t.elapsed() < Duration::from_secs(90),
            "resumed plan not done: {s}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(done["attempts"], 2, "the solve was resumed once: {done}");
    let (code, body) = http(addr, "GET", &format!("/api/v1/plans/{id}/result"), None).unwrap();
    assert_eq!(code, 200);
    let res: Value = serde_json::from_slice(&body).unwrap();
    let routed = res["summary"]["routed"].as_u64().unwrap();
    let unserved = res["unserved"].as_array().unwrap().len() as u64;
    assert_eq!(
        routed + unserved,
        60,
        "every request accounted for after the restart"
    );
    server.kill().unwrap();
    server.wait().unwrap();
}

fn access_file(dir: &std::path::Path) -> std::path::PathBuf {
    let access_path = dir.join("access.json");
    std::fs::write(
        &access_path,
        serde_json::json!({"offices": [{"id": dayplan::demo::DEMO_OFFICE, "coordinators": [COORD]}]})
            .to_string(),
    )
    .unwrap();
    access_path
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let t = Instant::now();
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st;
        }
        if t.elapsed() > within {
            let _ = child.kill();
            panic!("the server did not exit within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// SIGTERM (what systemd, docker and Kubernetes send): the server stops
/// accepting at once, gives the running solve its drain time, then puts it
/// back in the queue (the interruption is not a failed attempt) and exits 0;
/// the next start solves it.
#[test]
fn sigterm_drains_checkpoints_the_solve_and_exits_0() {
    let dir = tmp_dir("sigterm");
    let db = dir.join("plans.db");
    let access_path = access_file(&dir);
    let mut day = small_day(60, 4, 12);
    day.options.budget_s = 120; // far longer than the drain
    let body = serde_json::to_vec(&day).unwrap();

    let addr = free_port();
    let mut server = start_with(&db, &access_path, addr, &["--drain-s", "2"], None);
    let (code, resp) = http(addr, "POST", "/api/v1/plans", Some(&body)).unwrap();
    assert_eq!(code, 202, "{}", String::from_utf8_lossy(&resp));
    let id = serde_json::from_slice::<Value>(&resp).unwrap()["plan_id"]
        .as_str()
        .unwrap()
        .to_string();
    let t = Instant::now();
    while status(addr, &id)["status"] != "solving" {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "never started solving"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let term = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let t = Instant::now();
    // Not accepting any more, while the solve is still being given its time.
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(
                server.try_wait().unwrap().is_none(),
                "refusing connections because it already exited, not because it is draining"
            );
            break;
        }
        assert!(
            t.elapsed() < Duration::from_millis(1500),
            "still accepting after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let exit = wait_exit(&mut server, Duration::from_secs(20));
    assert_eq!(exit.code(), Some(0), "{exit:?}");
    assert!(
        t.elapsed() >= Duration::from_secs(2),
        "exited before the drain time: {:?}",
        t.elapsed()
    );

    let addr = free_port();
    let mut server = start(&db, &access_path, addr, Some(2));
    let t = Instant::now();
    let done = loop {
        let s = status(addr, &id);
        match s["status"].as_str().unwrap() {
            "done" => break s,
            "failed" => panic!("resumed plan failed: {s}"),
            _ => {}
        }
        assert!(
            t.elapsed() < Duration::from_secs(90),
            "resumed plan not done: {s}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(
        done["attempts"], 1,
        "the interrupted solve is not counted: {done}"
    );
    server.kill().unwrap();
    server.wait().unwrap();
}

/// A server allowed 200 open files and 300 idle sockets against it: before
/// the connection limits it ran out of files and answered nobody again; now
/// it holds at most --max-connections, the header timer closes the idle ones,
/// and a coordinator's request is answered within seconds.
#[test]
fn idle_sockets_do_not_lock_out_a_server_with_few_files() {
    let dir = tmp_dir("fd-limit");
    let addr = free_port();
    let mut server = start_with(
        &dir.join("plans.db"),
        &access_file(&dir),
        addr,
        &["--header-timeout-s", "1", "--max-connections", "100"],
        Some(200),
    );
    let idle: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap())
        .collect();
    let t = Instant::now();
    let (code, _) = http(addr, "GET", "/api/v1/health", None).unwrap();
    assert_eq!(code, 200);
    assert!(
        t.elapsed() < Duration::from_secs(15),
        "answered after {:?}",
        t.elapsed()
    );
    drop(idle);
    server.kill().unwrap();
    server.wait().unwrap();
}
