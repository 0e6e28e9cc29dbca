//! `cargo xtask tutorial`: follows the guide's tutorial (`docs/src/tutorial/`) as a reader
//! would, in a scratch home folder: runs every command of its pages in one shell (so `cd`
//! and variables carry over, as in a terminal), writes the files and applies the changes
//! the pages show, and checks that each command prints what the page says it prints. The
//! page format is in [`blocks`].
//!
//! Builds share this workspace's `target/` (`CARGO_TARGET_DIR`), as CI's other steps do.

mod blocks;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::processes::tempfile_dir::TempDir;
use blocks::{Step, first_missing, steps, without_colours};
use web_scaffold::workspace_root;

/// A command that runs longer than this is taken to hang.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// How long a background command may take to print what the page shows (it may build).
const BACKGROUND_READY_TIMEOUT: Duration = Duration::from_secs(20 * 60);
/// How long lines a page expects in the background command's log may take.
const LOG_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(clap::Args)]
pub struct Args {
    /// The tutorial's pages: every `.md` file of the folder, in name order
    #[arg(long, default_value = "docs/src/tutorial")]
    pages: PathBuf,
    /// The home folder (`~`) to follow it in, kept afterwards [default: a scratch folder,
    /// removed at the end]
    #[arg(long)]
    home: Option<PathBuf>,
}

pub fn run_tutorial(args: Args) -> Result<()> {
    let root = workspace_root()?;
    let pages = pages(&root.join(&args.pages))?;
    let scratch = TempDir::new("tutorial")?;
    let (home, _scratch_home) = match args.home {
        Some(home) => {
            std::fs::create_dir_all(&home)
                .with_context(|| format!("creating {}", home.display()))?;
            (std::fs::canonicalize(home)?, None)
        }
        None => {
            let home = TempDir::new("tutorial-home")?;
            (home.path().to_path_buf(), Some(home))
        }
    };
    println!("Following the tutorial in {} (HOME)", home.display());
    let started = Instant::now();
    let mut shell = Shell::start(&root, &home, scratch.path())?;
    for page in &pages {
        let name = page
            .strip_prefix(&root)
            .unwrap_or(page)
            .display()
            .to_string();
        println!("== {name}");
        let text = std::fs::read_to_string(page).with_context(|| format!("reading {name}"))?;
        for (line, step) in steps(&text).with_context(|| name.clone())? {
            shell
                .step(&step)
                .with_context(|| format!("{name}, line {line}"))?;
        }
        shell.stop_background()?;
    }
    println!(
        "The tutorial's {} pages check out ({} s).",
        pages.len(),
        started.elapsed().as_secs()
    );
    Ok(())
}

/// The `.md` files of `dir`, in name order.
fn pages(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    if pages.is_empty() {
        bail!("no tutorial pages (*.md) in {}", dir.display());
    }
    Ok(pages)
}

/// One bash process the commands are typed into, as in the reader's terminal.
struct Shell {
    bash: Child,
    stdin: ChildStdin,
    /// The markers bash prints after each command (its output goes to a file).
    done: Receiver<String>,
    scratch: PathBuf,
    count: usize,
    /// The command running in the background: its process group and its output.
    background: Option<(i32, PathBuf)>,
}

impl Shell {
    fn start(root: &Path, home: &Path, scratch: &Path) -> Result<Shell> {
        let real_home = PathBuf::from(std::env::var_os("HOME").unwrap_or_default());
        let from_env = |name: &str, default: PathBuf| {
            std::env::var_os(name).map(PathBuf::from).unwrap_or(default)
        };
        let mut bash = Command::new("bash")
            .args(["--noprofile", "--norc"])
            .current_dir(root)
            .env("HOME", home)
            // Cargo and rustup stay where they are; the builds share this target/.
            .env(
                "CARGO_HOME",
                from_env("CARGO_HOME", real_home.join(".cargo")),
            )
            .env(
                "RUSTUP_HOME",
                from_env("RUSTUP_HOME", real_home.join(".rustup")),
            )
            .env(
                "CARGO_TARGET_DIR",
                from_env("CARGO_TARGET_DIR", root.join("target")),
            )
            .env("NO_COLOR", "1")
            .env("TERM", "dumb")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("starting bash")?;
        let mut stdin = bash.stdin.take().context("bash's stdin")?;
        // A pipeline fails when any of its commands does, not only its last.
        writeln!(stdin, "set -o pipefail")?;
        let stdout = bash.stdout.take().context("bash's stdout")?;
        let (send, done) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Shell {
            bash,
            stdin,
            done,
            scratch: scratch.to_path_buf(),
            count: 0,
            background: None,
        })
    }

    fn step(&mut self, step: &Step) -> Result<()> {
        match step {
            Step::Run {
                command,
                expect,
                status: expected_status,
            } => {
                let first_line = command.lines().next().unwrap_or_default();
                println!(
                    "$ {first_line}{}",
                    if command.contains('\n') { " …" } else { "" }
                );
                let started = Instant::now();
                let (status, output) = self.run(command)?;
                if status != *expected_status {
                    bail!(
                        "`{command}` exited with {status}, not {expected_status}; it printed:\n{output}"
                    );
                }
                if let Some(missing) = first_missing(expect, &output) {
                    bail!(
                        "`{command}` did not print the page's line\n  {missing}\n(or not in the page's order); it printed:\n{output}"
                    );
                }
                let seconds = started.elapsed().as_secs();
                if seconds >= 5 {
                    println!("  ({seconds} s)");
                }
            }
            Step::Background { command, expect } => self.start_background(command, expect)?,
            Step::Log { expect } => {
                let (_, log) = self
                    .background
                    .as_ref()
                    .context("a `text,log` block with no command running in the background")?;
                wait_for_lines(log, expect, LOG_TIMEOUT, None)?;
            }
            Step::Patch { diff } => {
                let file = self.scratch_file("patch");
                std::fs::write(&file, diff)?;
                let command = format!(
                    "patch -p1 --forward --no-backup-if-mismatch < {}",
                    quoted(&file)
                );
                let (status, output) = self.run(&command)?;
                if status != 0 {
                    bail!("the page's diff does not apply:\n{output}");
                }
                println!(
                    "  (applied the diff: {})",
                    output.trim().replace('\n', "; ")
                );
            }
            Step::Write { path, text } => {
                let (_, cwd) = self.run("pwd")?;
                let file = PathBuf::from(cwd.trim()).join(path);
                if let Some(parent) = file.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&file, text)
                    .with_context(|| format!("writing {}", file.display()))?;
                println!("  (wrote {path})");
            }
        }
        Ok(())
    }

    /// Runs `command` in the shell: its exit status and its output (stdout and stderr
    /// together, as a terminal shows them, without colours).
    fn run(&mut self, command: &str) -> Result<(i32, String)> {
        let output = self.scratch_file("out");
        writeln!(
            self.stdin,
            "{{\n{command}\n}} > {} 2>&1 < /dev/null; echo \"__tutorial_done $?\"",
            quoted(&output)
        )?;
        let status = self.wait_done(COMMAND_TIMEOUT)?;
        let printed = std::fs::read(&output).unwrap_or_default();
        Ok((status, without_colours(&String::from_utf8_lossy(&printed))))
    }

    /// The status (or pid) bash reports after a command.
    fn wait_done(&mut self, timeout: Duration) -> Result<i32> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.done.recv_timeout(left) {
                Ok(line) => {
                    if let Some(status) = line.strip_prefix("__tutorial_done ") {
                        return Ok(status.trim().parse()?);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    bail!("a command ran longer than {} s", timeout.as_secs())
                }
                Err(RecvTimeoutError::Disconnected) => bail!("the shell ended"),
            }
        }
    }

    fn start_background(&mut self, command: &str, expect: &[String]) -> Result<()> {
        self.stop_background()?;
        println!("$ {command}   (in the background)");
        let log = self.scratch_file("background");
        // Its own session (and so process group), to stop it and its children together.
        writeln!(
            self.stdin,
            "setsid bash -c {} > {} 2>&1 < /dev/null & echo \"__tutorial_done $!\"",
            quoted_str(command),
            quoted(&log)
        )?;
        let pid = self.wait_done(Duration::from_secs(10))?;
        self.background = Some((pid, log.clone()));
        wait_for_lines(&log, expect, BACKGROUND_READY_TIMEOUT, Some(pid))
    }

    /// Stops the background command (SIGTERM, as Ctrl-C would), if one runs.
    fn stop_background(&mut self) -> Result<()> {
        let Some((pid, _)) = self.background.take() else {
            return Ok(());
        };
        signal_group(pid, libc::SIGTERM);
        writeln!(
            self.stdin,
            "wait {pid} 2>/dev/null; echo \"__tutorial_done $?\""
        )?;
        if self.wait_done(Duration::from_secs(30)).is_err() {
            signal_group(pid, libc::SIGKILL);
            bail!("the background command did not stop within 30 s of SIGTERM");
        }
        Ok(())
    }

    fn scratch_file(&mut self, what: &str) -> PathBuf {
        self.count += 1;
        self.scratch.join(format!("{:03}-{what}", self.count))
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        if let Some((pid, _)) = self.background.take() {
            signal_group(pid, libc::SIGKILL);
        }
        let _ = self.bash.kill();
        let _ = self.bash.wait();
    }
}

/// Waits until `log` shows `expect` in order; fails early if the process `pid` ended.
fn wait_for_lines(
    log: &Path,
    expect: &[String],
    timeout: Duration,
    pid: Option<i32>,
) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        let text = without_colours(&String::from_utf8_lossy(
            &std::fs::read(log).unwrap_or_default(),
        ));
        let Some(missing) = first_missing(expect, &text) else {
            return Ok(());
        };
        if pid.is_some_and(|pid| !alive(pid)) {
            bail!("the background command ended before printing\n  {missing}\nIt printed:\n{text}");
        }
        if Instant::now() > deadline {
            bail!(
                "the background command did not print\n  {missing}\nwithin {} s. It printed:\n{text}",
                timeout.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Whether process `pid` still runs (not ended, not a zombie waiting for bash).
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| !rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

fn signal_group(pid: i32, signal: i32) {
    // SAFETY: kill(2) with a negative pid signals that process group; no memory is touched.
    unsafe {
        libc::kill(-pid, signal);
    }
}

fn quoted(path: &Path) -> String {
    quoted_str(&path.display().to_string())
}

/// `text` as one single-quoted shell word.
fn quoted_str(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
