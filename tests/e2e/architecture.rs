//! The shape of the code, checked: which crate may depend on which, and that no area's
//! route module reaches into another's. A new arrow the architecture forbids fails here
//! before it becomes a habit.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The workspace crates a crate depends on, from its manifest's `[dependencies]`.
fn servdesk_dependencies(manifest: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join(manifest)).unwrap();
    let mut in_dependencies = false;
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
            continue;
        }
        if in_dependencies && let Some(name) = line.split(['.', ' ', '=']).next().filter(|n| n.starts_with("servdesk-")) {
            found.insert(name.trim_start_matches("servdesk-").to_owned());
        }
    }
    found
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

#[test]
fn each_crate_depends_only_on_the_crates_the_architecture_allows() {
    // api -> usecases -> persistence -> domain; usecases -> documents -> domain;
    // channels -> usecases. Nothing depends on api; documents never touch the database.
    let allowed = [
        ("crates/domain/Cargo.toml", set(&[])),
        ("crates/documents/Cargo.toml", set(&["domain"])),
        ("crates/persistence/Cargo.toml", set(&["domain", "migrations"])),
        ("crates/usecases/Cargo.toml", set(&["domain", "persistence", "documents"])),
        ("crates/channels/Cargo.toml", set(&["domain", "persistence", "usecases"])),
        ("crates/api/Cargo.toml", set(&["domain", "persistence", "usecases", "channels", "documents"])),
    ];
    for (manifest, allowed) in allowed {
        let found = servdesk_dependencies(manifest);
        let extra: Vec<_> = found.difference(&allowed).collect();
        assert!(extra.is_empty(), "{manifest} depends on {extra:?}, which the architecture does not allow");
    }
    assert!(servdesk_dependencies("crates/usecases/Cargo.toml").contains("persistence"), "the manifests were not read");
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The area a route file belongs to: its first path component under `routes/`.
fn area(routes: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(routes).unwrap();
    relative.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_owned()
}

#[test]
fn no_route_module_imports_another_areas_route_module() {
    let routes = root().join("crates/api/src/routes");
    let mut files = Vec::new();
    rust_files(&routes, &mut files);
    assert!(files.len() > 20, "only {} route files found", files.len());
    let mut crossings = Vec::new();
    for file in &files {
        let own = area(&routes, file);
        let is_area_root = file.file_name().is_some_and(|n| n == "mod.rs") && file.parent() != Some(routes.as_path());
        let text = std::fs::read_to_string(file).unwrap();
        for (i, line) in text.lines().enumerate() {
            for (at, _) in line.match_indices("crate::routes::") {
                let target = line[at + "crate::routes::".len()..].split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or("");
                if target != own {
                    crossings.push(format!("{}:{}: {}", file.display(), i + 1, line.trim()));
                }
            }
            // `super::x` from a file directly under routes/ names another area.
            if file.parent() == Some(routes.as_path()) && !is_area_root {
                for (at, _) in line.match_indices("super::") {
                    let target = line[at + "super::".len()..].split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or("");
                    if target != own && !target.is_empty() {
                        crossings.push(format!("{}:{}: {}", file.display(), i + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(crossings.is_empty(), "route modules importing another area's:\n{}", crossings.join("\n"));
}
