//! Child processes for the tasks that run servers (bench, e2e, fuzz): started in their own
//! process group and stopped, group and all, when dropped; plus the small HTTP and
//! port helpers those tasks share.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Processes started here, stopped (process group and all) when dropped, also on error.
#[derive(Default)]
pub struct Processes(Vec<(String, Child)>);

impl Processes {
    pub fn spawn(&mut self, name: &str, command: &mut Command) -> Result<u32> {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
        let child = command
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        let pid = child.id();
        self.0.push((name.to_string(), child));
        Ok(pid)
    }

    /// Sends `signal` to the named process's group, leaving it in the list.
    pub fn signal(&self, name: &str, signal: i32) {
        if let Some((_, child)) = self.0.iter().find(|(n, _)| n == name) {
            signal_group(child, signal);
        }
    }

    /// Waits for the named process to end (after a [`Processes::signal`]); its exit status.
    pub fn wait(&mut self, name: &str, timeout: Duration) -> Result<std::process::ExitStatus> {
        let i = self
            .0
            .iter()
            .position(|(n, _)| n == name)
            .with_context(|| format!("no process {name}"))?;
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.0[i].1.try_wait()? {
                self.0.remove(i);
                return Ok(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("{name} did not stop within {} s", timeout.as_secs())
    }

    /// The processes that have already ended (nobody stopped them), with how: for a
    /// failure's report ("project serve: signal 11" says more than a closed socket).
    pub fn ended(&mut self) -> Vec<String> {
        self.0
            .iter_mut()
            .filter_map(|(name, child)| {
                let status = child.try_wait().ok().flatten()?;
                Some(format!("{name}: {status}"))
            })
            .collect()
    }

    pub fn stop(&mut self, name: &str) {
        if let Some(i) = self.0.iter().position(|(n, _)| n == name) {
            let (_, child) = self.0.remove(i);
            terminate(child);
        }
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        for (_, child) in self.0.drain(..) {
            terminate(child);
        }
    }
}

/// Sends `signal` to the process group led by `child` (each child leads its own group).
fn signal_group(child: &Child, signal: i32) {
    let Ok(pgid) = i32::try_from(child.id()) else {
        return;
    };
    // Never 0 or 1: a non-positive or init's group would reach far more than our children.
    if pgid > 1 {
        // SAFETY: kill(2) with a negative pid signals exactly that process group.
        unsafe {
            libc::kill(-pgid, signal);
        }
    }
}

/// SIGTERM to the group, then SIGKILL if it is still running after 10 s.
fn terminate(mut child: Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    signal_group(&child, libc::SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    signal_group(&child, libc::SIGKILL);
    let _ = child.wait();
}

pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A plain HTTP/1.1 GET: (status, body).
pub fn http_get(port: u16, path: &str, bearer: Option<&str>) -> Result<(u16, Vec<u8>)> {
    let auth = bearer
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    http_request(port, &format!("GET {path} HTTP/1.1\r\n{auth}"), b"")
}

/// A plain HTTP/1.1 POST of a JSON body: (status, body).
pub fn http_post_json(port: u16, path: &str, json: &str) -> Result<(u16, Vec<u8>)> {
    http_post_json_with(port, path, json, &[])
}

/// [`http_post_json`] with more headers (`("Authorization", "Bearer …")`).
pub fn http_post_json_with(
    port: u16,
    path: &str,
    json: &str,
    headers: &[(&str, &str)],
) -> Result<(u16, Vec<u8>)> {
    let extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    let head = format!(
        "POST {path} HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}",
        json.len()
    );
    http_request(port, &head, json.as_bytes())
}

/// Sends the request line and headers in `head` (each line ending in CRLF), then `body`.
pub fn http_request(port: u16, head: &str, body: &[u8]) -> Result<(u16, Vec<u8>)> {
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(stream, "{head}Host: 127.0.0.1\r\nConnection: close\r\n\r\n")?;
    stream.write_all(body)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .with_context(|| {
            format!(
                "{} answered {} bytes and closed, with no complete response head",
                head.lines().next().unwrap_or_default(),
                raw.len()
            )
        })?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("no HTTP status")?;
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Ok((status, body))
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..line_end]).trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(&data[start..(start + size).min(data.len())]);
        data = &data[(start + size + 2).min(data.len())..];
    }
    out
}

pub fn wait_healthy(port: u16, what: &str, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if matches!(http_get(port, "/healthz", None), Ok((200, _))) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    bail!(
        "{what} did not answer /healthz on port {port} within {} s",
        timeout.as_secs()
    )
}

pub fn run(command: &mut Command, what: &str) -> Result<String> {
    let output = command
        .output()
        .with_context(|| format!("running {what}"))?;
    if !output.status.success() {
        bail!(
            "{what} failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// A temporary folder removed on drop (without a dev-dependency in the binary).
pub mod tempfile_dir {
    use std::path::{Path, PathBuf};

    pub struct TempDir(PathBuf);

    impl TempDir {
        /// `$TMPDIR/{prefix}-{pid}`.
        pub fn new(prefix: &str) -> std::io::Result<Self> {
            let path = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
            std::fs::create_dir_all(&path)?;
            Ok(TempDir(path))
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
