use super::*;

/// This repository: the framework's workspace.
fn framework() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../..")
        .canonicalize()
        .unwrap()
}

fn args(name: &str, path: &Path) -> Args {
    Args {
        name: name.to_string(),
        path: path.to_path_buf(),
        database: Database::Sqlite,
        git: None,
        dry_run: false,
    }
}

fn file<'a>(files: &'a [(PathBuf, String)], path: &str) -> &'a str {
    files
        .iter()
        .find(|(p, _)| p == Path::new(path))
        .map(|(_, text)| text.as_str())
        .unwrap_or_else(|| panic!("no {path} planned"))
}

#[test]
fn a_project_has_the_top_level_of_this_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().canonicalize().unwrap().join("school");
    let files = plan(&framework(), &project, &args("school", &project)).unwrap();
    for path in [
        "Cargo.toml",
        "Cargo.lock",
        "README.md",
        ".ci/run",
        "crates/project/src/main.rs",
        "crates/project/src/apps.rs",
        "crates/project/src/urls.rs",
        "config/default.toml",
        "migration/src/lib.rs",
        "templates/base.html",
        "templates/errors/404.html",
        "static/css/site.css",
        "xtask/src/main.rs",
    ] {
        file(&files, path);
    }
    for (path, text) in &files {
        assert!(
            !text.contains("__Title__") && !text.contains("__name__"),
            "{} has a placeholder left",
            path.display()
        );
    }
    assert!(file(&files, "README.md").starts_with("# School\n"));
    assert!(file(&files, "crates/project/src/apps.rs").contains("title: \"School API\""));
}

/// The version the framework's crates share.
fn ours_package_version() -> String {
    let ours: DocumentMut = std::fs::read_to_string(framework().join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    ours["workspace"]["package"]["version"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn the_framework_comes_by_relative_path_and_the_rest_at_this_workspace_s_versions() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().canonicalize().unwrap().join("school");
    std::fs::create_dir(&project).unwrap(); // empty: allowed, and the paths resolve from it
    let files = plan(&framework(), &project, &args("school", &project)).unwrap();
    let manifest: DocumentMut = file(&files, "Cargo.toml").parse().unwrap();
    let deps = manifest["workspace"]["dependencies"]
        .as_table_like()
        .unwrap();
    let framework_version = ours_package_version();
    for (name, dir) in FRAMEWORK_CRATES {
        let path = deps.get(name).unwrap()["path"].as_str().unwrap();
        assert!(path.starts_with(".."), "{name}: {path}");
        assert_eq!(
            deps.get(name).unwrap()["version"].as_str(),
            Some(framework_version.as_str()),
            "{name} requires the framework's version"
        );
        assert!(
            project.join(path).join("Cargo.toml").is_file(),
            "{name} at {path} ({dir})"
        );
    }
    let ours: DocumentMut = std::fs::read_to_string(framework().join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        deps.get("axum").unwrap().to_string().trim(),
        ours["workspace"]["dependencies"]["axum"].to_string().trim()
    );
    assert_eq!(
        deps.get("migration").unwrap()["path"].as_str(),
        Some("migration")
    );
    for store_app in ["catalog", "payments", "cart", "shipping", "project"] {
        assert!(!deps.contains_key(store_app), "{store_app}");
    }
    assert_eq!(
        manifest["profile"]["dev"]["package"]["argon2"]["opt-level"].as_integer(),
        Some(3),
        "the build profiles are this workspace's"
    );
}

#[test]
fn settings_keep_the_framework_s_sections_only() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().canonicalize().unwrap().join("school");
    let mut args = args("school", &project);
    args.database = Database::Postgres;
    let files = plan(&framework(), &project, &args).unwrap();
    let default: DocumentMut = file(&files, "config/default.toml").parse().unwrap();
    for section in ["server", "database", "email", "accounts", "jobs"] {
        assert!(default.contains_key(section), "{section}");
    }
    for section in ["catalog", "payments", "ratelimit"] {
        assert!(!default.contains_key(section), "{section}");
    }
    assert_eq!(
        default["email"]["from"].as_str(),
        Some("School <noreply@localhost>")
    );
    let development: DocumentMut = file(&files, "config/development.toml").parse().unwrap();
    assert!(!development.contains_key("catalog"));
    let production: DocumentMut = file(&files, "config/production.toml").parse().unwrap();
    assert_eq!(
        production["database"]["url"].as_str(),
        Some("postgres://school@127.0.0.1:5432/school")
    );
    assert!(file(&files, "README.md").contains("postgres://school@127.0.0.1:5432/school"));
}

#[test]
fn git_takes_every_framework_crate_from_the_repository() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().canonicalize().unwrap().join("school");
    let mut args = args("school", &project);
    args.git = Some("https://example.com/framework.git".into());
    let files = plan(&framework(), &project, &args).unwrap();
    let manifest: DocumentMut = file(&files, "Cargo.toml").parse().unwrap();
    for (name, _) in FRAMEWORK_CRATES {
        let dep = &manifest["workspace"]["dependencies"][name];
        assert_eq!(
            dep["git"].as_str(),
            Some("https://example.com/framework.git")
        );
        assert!(dep.get("path").is_none());
    }
}

#[test]
fn refusals_name_what_to_do_and_plan_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let error = |name: &str, project: &Path| {
        format!(
            "{:#}",
            plan(&framework(), project, &args(name, project)).unwrap_err()
        )
    };
    assert!(error("School", &root.join("a")).contains("not a valid project name"));
    std::fs::write(root.join("taken.txt"), "x").unwrap();
    assert!(error("school", &root).contains("is not empty"));
    assert!(error("school", &root.join("taken.txt")).contains("is a file"));
    let inside = framework().join("school");
    assert!(error("school", &inside).contains("inside this workspace"));
}

#[test]
fn relative_paths_climb_to_the_common_folder() {
    assert_eq!(
        relative(Path::new("/a/b/new"), Path::new("/a/framework/crates/web")),
        PathBuf::from("../../framework/crates/web")
    );
    assert_eq!(
        relative(Path::new("/a"), Path::new("/a/b")),
        PathBuf::from("b")
    );
}
