//! What a tutorial page asks the reader to do, read from its fenced code blocks, and how
//! a command's output is compared with the output the page shows.
//!
//! | info string | the check |
//! |---|---|
//! | `console` | runs each `$ command` (a line ending in `\` continues it); the lines after it, up to the next `$`, must appear in its output in that order (`[..]` matches anything within a line, a `...` line stands for lines left out); it must succeed, unless its last line is `[exit status N]` |
//! | `console,background` | starts its one command in the background (the reader's second terminal), waits until its output shows the lines given, and stops it when the page ends |
//! | `text,log` | the lines given appear, within a minute, in the output of the command running in the background |
//! | `diff,apply` | applies the unified diff with `patch -p1` in the current folder |
//! | `LANG,file=PATH` | writes the block as the file `PATH` (relative to the current folder) |
//! | `console,manual` | not run: steps that need root on the server, or a release build |
//!
//! Every other block is text for the reader.

use anyhow::{Result, bail};

/// One step of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A command, the output lines it must print and the exit status it must end with.
    Run {
        command: String,
        expect: Vec<String>,
        status: i32,
    },
    /// A command started in the background, ready when it printed `expect`.
    Background {
        command: String,
        expect: Vec<String>,
    },
    /// Lines the background command prints, eventually.
    Log { expect: Vec<String> },
    /// A unified diff to apply.
    Patch { diff: String },
    /// A file to write.
    Write { path: String, text: String },
}

/// The steps of one page, in order, with the line each block starts on (for errors).
pub fn steps(page: &str) -> Result<Vec<(usize, Step)>> {
    let mut steps = Vec::new();
    let mut lines = page.lines().enumerate();
    while let Some((number, line)) = lines.next() {
        let Some(info) = line.trim_start().strip_prefix("```") else {
            continue;
        };
        let mut body = Vec::new();
        let mut closed = false;
        for (_, line) in lines.by_ref() {
            if line.trim_start().starts_with("```") {
                closed = true;
                break;
            }
            body.push(line);
        }
        if !closed {
            bail!("line {}: a code block that is never closed", number + 1);
        }
        let attributes: Vec<&str> = info.split(',').map(str::trim).collect();
        let has = |name: &str| attributes.contains(&name);
        let at = number + 1;
        match attributes[0] {
            _ if has("manual") => {}
            "console" if has("background") => {
                let mut runs = commands(&body);
                if runs.len() != 1 {
                    bail!("line {at}: a background block holds exactly one command");
                }
                let (command, expect) = runs.remove(0);
                steps.push((at, Step::Background { command, expect }));
            }
            "console" => {
                for (command, mut expect) in commands(&body) {
                    let status = match expect.last().and_then(|line| exit_status(line)) {
                        Some(status) => {
                            expect.pop();
                            status
                        }
                        None => 0,
                    };
                    steps.push((
                        at,
                        Step::Run {
                            command,
                            expect,
                            status,
                        },
                    ));
                }
            }
            _ if has("log") => steps.push((
                at,
                Step::Log {
                    expect: expected(&body),
                },
            )),
            "diff" if has("apply") => steps.push((
                at,
                Step::Patch {
                    diff: body.join("\n") + "\n",
                },
            )),
            _ => {
                if let Some(path) = attributes.iter().find_map(|a| a.strip_prefix("file=")) {
                    let text = body.join("\n") + "\n";
                    steps.push((
                        at,
                        Step::Write {
                            path: path.to_string(),
                            text,
                        },
                    ));
                }
            }
        }
    }
    Ok(steps)
}

/// The `$ command` lines of a console block, each with the output lines shown after it.
fn commands(body: &[&str]) -> Vec<(String, Vec<String>)> {
    let mut runs: Vec<(String, Vec<&str>)> = Vec::new();
    let mut continued = false;
    for line in body {
        if continued && let Some((command, _)) = runs.last_mut() {
            command.push('\n');
            command.push_str(line);
            continued = line.ends_with('\\');
        } else if let Some(command) = line.strip_prefix("$ ") {
            runs.push((command.to_string(), Vec::new()));
            continued = command.ends_with('\\');
        } else if let Some((_, output)) = runs.last_mut() {
            output.push(line);
        }
    }
    runs.into_iter()
        .map(|(command, output)| (command, expected(&output)))
        .collect()
}

/// `N` of a line `[exit status N]`.
fn exit_status(line: &str) -> Option<i32> {
    line.strip_prefix("[exit status ")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// The lines to look for: blank lines and `...` are for the reader.
fn expected(lines: &[&str]) -> Vec<String> {
    lines
        .iter()
        .map(|line| line.trim_end())
        .filter(|line| !line.is_empty() && line.trim() != "...")
        .map(str::to_string)
        .collect()
}

/// The first of `expect` not found in `output` in order (each on a later line than the
/// one before), or `None` when all are.
pub fn first_missing<'a>(expect: &'a [String], output: &str) -> Option<&'a str> {
    let mut lines = output.lines().map(|line| line.trim_end());
    expect
        .iter()
        .find(|wanted| !lines.any(|line| matches_line(wanted, line)))
        .map(String::as_str)
}

/// `wanted` matches `line` exactly, except that each `[..]` in it matches any text.
fn matches_line(wanted: &str, line: &str) -> bool {
    let mut parts = wanted.split("[..]");
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = line.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i == parts.len() - 1 {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// The text without terminal colour codes (`ESC [ … m`).
pub fn without_colours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_becomes_steps() {
        let page = "Text.\n\n```console\n$ cargo xtask startapp a \\\n    --model A\nCreated app `a`:\n...\n  + x\n$ cd a\n$ false\nno\n[exit status 1]\n```\n\n```console,background\n$ cargo run\nlistening on [..]\n```\n\n```text,log\nHello\n```\n\n```rust,file=src/a.rs\nfn a() {}\n```\n\n```diff,apply\n--- a/x\n+++ b/x\n```\n\n```console,manual\n$ sudo rm -rf /\n```\n\n```toml\n[x]\n```\n";
        let steps: Vec<Step> = steps(page).unwrap().into_iter().map(|(_, s)| s).collect();
        assert_eq!(
            steps,
            [
                Step::Run {
                    command: "cargo xtask startapp a \\\n    --model A".into(),
                    expect: vec!["Created app `a`:".into(), "  + x".into()],
                    status: 0,
                },
                Step::Run {
                    command: "cd a".into(),
                    expect: vec![],
                    status: 0,
                },
                Step::Run {
                    command: "false".into(),
                    expect: vec!["no".into()],
                    status: 1,
                },
                Step::Background {
                    command: "cargo run".into(),
                    expect: vec!["listening on [..]".into()],
                },
                Step::Log {
                    expect: vec!["Hello".into()]
                },
                Step::Write {
                    path: "src/a.rs".into(),
                    text: "fn a() {}\n".into()
                },
                Step::Patch {
                    diff: "--- a/x\n+++ b/x\n".into()
                },
            ]
        );
    }

    #[test]
    fn an_unclosed_block_is_an_error() {
        assert!(steps("```console\n$ ls\n").is_err());
    }

    #[test]
    fn expected_lines_are_found_in_order_with_wildcards() {
        let expect: Vec<String> = vec!["Migrations for 'a':".into(), "  m[..]_initial.rs".into()];
        let output = "Compiling\nMigrations for 'a':\n  m20261207_000801_initial.rs\n";
        assert_eq!(first_missing(&expect, output), None);
        let reversed = "  m20261207_000801_initial.rs\nMigrations for 'a':\n";
        assert_eq!(first_missing(&expect, reversed), Some("  m[..]_initial.rs"));
        assert!(matches_line(
            "{\"id\":[..],\"name\":\"A\"[..]}",
            "{\"id\":1,\"name\":\"A\",\"x\":2}"
        ));
        assert!(!matches_line("a[..]c", "abd"));
        assert!(!matches_line("abc", "abcd"));
        assert!(matches_line("[..]", "anything"));
    }

    #[test]
    fn colours_are_removed() {
        assert_eq!(
            without_colours("\u{1b}[2m2026\u{1b}[0m \u{1b}[32m INFO\u{1b}[0m"),
            "2026  INFO"
        );
    }
}
