//! The deployment files (Dockerfile, deploy/) against the code: they may
//! only set variables and settings the server reads, their health checks
//! must name routes the server answers, and the image must build what CI
//! tests and ship what the default settings name. Docker is not needed:
//! the files are read as text.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use candor::config::{Settings, ENV_VARS};
use candor::telemetry::{LogFormat, LOG_FORMAT_VAR};
use regex::Regex;

use crate::helpers::*;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(root().join(relative))
        .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"))
}

const COMPOSE_FILES: &[&str] = &["deploy/compose.yml", "deploy/compose.remote-engine.yml"];

/// Panics unless every `CANDOR_*` name in `files` is a variable the server reads.
fn assert_known_variables(files: &[&str]) {
    let name = Regex::new(r"CANDOR_[A-Z0-9_]+").expect("regex");
    for file in files {
        let text = read(file);
        for found in name.find_iter(&text) {
            let var = found.as_str();
            assert!(
                ENV_VARS.contains(&var) || var == LOG_FORMAT_VAR,
                "{file} names {var}, which the server does not read"
            );
        }
    }
}

#[test]
fn deployment_files_name_only_variables_the_server_reads() {
    assert_known_variables(&["Dockerfile", "deploy/compose.yml"]);
}

/// These files name `CANDOR_ENGINE_API_KEY`, the remote engine's key
/// (read once the remote engine backend and its variable are in the
/// server: `config::ENV_VARS` must list it).
#[test]
fn remote_engine_files_name_only_variables_the_server_reads() {
    assert_known_variables(&[
        "deploy/compose.remote-engine.yml",
        "deploy/env.example",
        "docs/deploy.md",
    ]);
}

#[test]
fn literal_values_in_compose_files_are_accepted() {
    let assignment = Regex::new(r"(?m)^\s+(CANDOR_[A-Z0-9_]+):\s*(.*)$").expect("regex");
    for file in COMPOSE_FILES {
        for found in assignment.captures_iter(&read(file)) {
            let (var, value) = (&found[1], found[2].trim());
            if value.contains("${") {
                continue; // set from .env at deploy time
            }
            if var == LOG_FORMAT_VAR {
                assert!(
                    LogFormat::parse(Some(value)).is_ok(),
                    "{file}: {var}={value}"
                );
            } else {
                let mut settings = Settings::default();
                let pair = [(var.to_owned(), value.to_owned())];
                assert!(settings.apply_env(pair).is_ok(), "{file}: {var}={value}");
            }
        }
    }
}

/// Panics unless the config `compose` mounts parses as the server settings.
fn assert_mounted_config_parses(compose: &str) {
    let mount = Regex::new(r"\./([A-Za-z0-9_.-]+\.toml):/etc/candor/candor\.toml").expect("regex");
    let text = read(compose);
    let found = mount.captures(&text).expect("a mounted candor.toml");
    let path = root().join("deploy").join(&found[1]);
    let settings = Settings::load(Some(&path))
        .unwrap_or_else(|e| panic!("{compose} mounts {}: {e}", path.display()));
    assert_eq!(settings.bind, "0.0.0.0:8080", "{}", path.display());
}

#[test]
fn the_mounted_config_file_parses_as_the_server_settings() {
    assert_mounted_config_parses("deploy/compose.yml");
}

/// `[engine] backend`, `url` and `model`: the remote engine's settings.
#[test]
fn the_remote_engine_config_file_parses_as_the_server_settings() {
    assert_mounted_config_parses("deploy/compose.remote-engine.yml");
}

#[tokio::test]
async fn every_health_check_names_a_route_the_server_answers() {
    let request = Regex::new(r"GET (/[a-z]+) HTTP").expect("regex");
    let caddy = Regex::new(r"health_uri (/[a-z]+)").expect("regex");
    let mut paths = BTreeSet::new();
    for file in ["Dockerfile", "deploy/compose.yml"] {
        paths.extend(request.captures_iter(&read(file)).map(|c| c[1].to_owned()));
    }
    paths.extend(
        caddy
            .captures_iter(&read("deploy/Caddyfile"))
            .map(|c| c[1].to_owned()),
    );
    assert!(
        paths.contains("/readyz"),
        "the balancer checks readiness: {paths:?}"
    );
    let app = spawn_app().await;
    for path in &paths {
        let status = reqwest::get(app.url(path)).await.expect("get").status();
        assert_eq!(status, 200, "{path}");
    }
}

/// The Dockerfile's stages, split at each `FROM`.
fn stages() -> Vec<String> {
    read("Dockerfile")
        .split("\nFROM ")
        .skip(1)
        .map(str::to_owned)
        .collect()
}

/// Top-level folders and files the crate reads at compile time, outside tests.
fn compile_time_inputs() -> BTreeSet<String> {
    let include = Regex::new(r#"include_(?:str|bytes)!\("([^"]+)"\)"#).expect("regex");
    let migrate = Regex::new(r#"migrate!\("([^"]+)"\)"#).expect("regex");
    let mut files = Vec::new();
    collect_rs(&root().join("src"), &mut files);
    let mut inputs = BTreeSet::new();
    for file in files {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name == "tests.rs" || name.ends_with("_tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("source");
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let dir = file.parent().expect("folder");
        for found in include.captures_iter(code) {
            inputs.insert(top_level(&dir.join(&found[1])));
        }
        for found in migrate.captures_iter(code) {
            inputs.insert(top_level(&root().join(&found[1])));
        }
    }
    inputs
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The first component of `path` below the repository root.
fn top_level(path: &Path) -> String {
    let mut parts: Vec<Component> = Vec::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                parts.pop();
            }
            Component::CurDir => {}
            other => parts.push(other),
        }
    }
    let normal: PathBuf = parts.iter().collect();
    let relative = normal.strip_prefix(root()).expect("inside the repository");
    relative
        .components()
        .next()
        .and_then(|c| c.as_os_str().to_str())
        .expect("a component")
        .to_owned()
}

#[test]
fn the_image_copies_everything_the_crate_compiles_in() {
    let build = &stages()[0];
    let copied: BTreeSet<String> = build
        .lines()
        .filter_map(|l| l.strip_prefix("COPY "))
        .filter(|l| !l.starts_with("--from"))
        .flat_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            words[..words.len() - 1]
                .iter()
                .map(|w| w.to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    let mut needed = compile_time_inputs();
    needed.extend(["Cargo.toml", "Cargo.lock", ".cargo", "src"].map(String::from));
    assert!(
        needed.contains("web") && needed.contains("migrations"),
        "{needed:?}"
    );
    let ignored = read(".dockerignore");
    for input in &needed {
        assert!(
            copied.contains(input),
            "the build stage does not copy {input}"
        );
        assert!(
            !ignored.lines().any(|l| l.trim() == input.as_str()),
            ".dockerignore drops {input}"
        );
    }
}

#[test]
fn the_image_builds_the_features_ci_tests() {
    let build = &stages()[0];
    let cargo: Vec<&str> = build
        .lines()
        .filter(|l| l.contains("cargo build"))
        .collect();
    assert_eq!(cargo.len(), 1, "{cargo:?}");
    assert!(
        cargo[0].contains("cargo build --release --locked"),
        "{}",
        cargo[0]
    );
    // CI runs `make test` (.ci/run), i.e. `cargo test --release`: the
    // default features, as the image.
    let ci = read(".ci/run") + &read("Makefile");
    for text in [cargo[0], ci.as_str()] {
        assert!(!text.contains("--features"), "feature flags differ: {text}");
        assert!(
            !text.contains("--no-default-features"),
            "feature flags differ: {text}"
        );
        assert!(
            !text.contains("--all-features"),
            "feature flags differ: {text}"
        );
    }
}

#[test]
fn the_image_ships_what_the_default_settings_name() {
    let runtime = stages().last().expect("stages").clone();
    let defaults = Settings::default();
    let model = defaults
        .model
        .file_name()
        .and_then(|n| n.to_str())
        .expect("model file");
    assert!(
        runtime.contains(&format!("/models/{model} models/")),
        "the runtime stage copies {model}"
    );
    assert!(runtime.contains(&format!("CANDOR_MODEL=/var/lib/candor/models/{model}")));
    let embedder = defaults.knowledge.model_dir.display().to_string();
    assert!(
        runtime.contains(&format!(" {embedder}")),
        "copies {embedder}"
    );
    let prompts = defaults.prompts_dir.display().to_string();
    assert!(
        runtime.contains(&format!("COPY {prompts} {prompts}")),
        "copies {prompts}"
    );
}
