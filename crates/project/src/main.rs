//! `project`: the store's command line (`project --help`). With no command it serves.

fn main() -> std::process::ExitCode {
    return_large_buffers_to_the_system();
    web::cli::main(project::project())
}

/// Buffers of a megabyte and more (an uploaded image, a decoded picture) are mapped and
/// unmapped on their own. glibc otherwise raises that threshold after the first such
/// buffer is freed and serves the next ones from per-thread arenas that never shrink: 16
/// concurrent 10 MiB uploads then leave some 300 MiB resident for good.
fn return_large_buffers_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it runs before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}
