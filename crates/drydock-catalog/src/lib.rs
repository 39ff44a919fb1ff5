//! The package catalogue: given a file's path and bytes, the packages it
//! declares, plus OS detection. No archive reading here: the image reader
//! calls [`wants`] for each regular file of each layer and [`parse`] with the
//! bytes it asked for, and hands everything that survives in the final
//! filesystem view to [`finish`].
//!
//! Supported: dpkg (`status`, distroless `status.d/`, licences from
//! `/usr/share/doc/<pkg>/copyright`), apk, rpm (`rpmdb.sqlite`), Python
//! (`.dist-info`, `.egg-info`), Node.js (`**/package.json`,
//! `package-lock.json` v2/v3), Go binaries (ELF build info), Java archives
//! (`MANIFEST.MF`, `pom.properties`, nested archives), Rust binaries built
//! with cargo-auditable, Ruby gemspecs and PHP `composer/installed.json`.

use std::collections::{BTreeMap, HashSet};

use drydock_core::package::{OsRelease, Package, PackageKind};

mod apk;
mod dpkg;
mod elf;
mod golang;
mod java;
mod lang;
mod os;
mod rpm;
mod rust_audit;

pub use rpm::{RpmHeader, parse_rpm_header};

/// Something one file declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    Package(Package),
    Os(OsRelease),
    /// Licences of a Debian package, from `/usr/share/doc/<package>/copyright`;
    /// merged into the package by [`finish`].
    DebLicenses {
        package: String,
        licenses: Vec<String>,
    },
}

/// Where a fact came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileRef {
    pub path: String,
    pub layer: Option<usize>,
}

/// The result of cataloguing an image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalogue {
    pub os: Option<OsRelease>,
    /// Sorted by kind, name, version, location.
    pub packages: Vec<Package>,
}

/// Size caps per kind of file, in bytes.
pub mod limits {
    /// OS release files: a few hundred bytes in practice.
    pub const OS_RELEASE: u64 = 64 * 1024;
    /// Package databases (dpkg status, apk installed, composer installed.json,
    /// package-lock.json): a full Debian desktop's status file is ~5 MiB.
    pub const PACKAGE_DB: u64 = 64 * 1024 * 1024;
    /// `rpmdb.sqlite`: a large RHEL install is ~30 MiB; the whole database
    /// is loaded into SQLite's memory.
    pub const RPMDB: u64 = 256 * 1024 * 1024;
    /// Small metadata files (METADATA, package.json, gemspec, copyright).
    pub const METADATA: u64 = 4 * 1024 * 1024;
    /// Executables (Go and cargo-auditable binaries) and Java archives: the
    /// largest real Go binaries (kubelet, terraform providers) are
    /// 100–200 MiB and fat jars reach the same; 256 MiB keeps those while
    /// bounding memory per file.
    pub const BINARY: u64 = 256 * 1024 * 1024;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    OsRelease,
    AlpineRelease,
    DebianVersion,
    RedhatRelease,
    LsbRelease,
    DpkgStatus,
    DebCopyright,
    ApkInstalled,
    RpmSqlite,
    RpmBdb,
    PythonMetadata,
    PackageJson,
    PackageLock,
    Gemspec,
    ComposerInstalled,
    JavaArchive,
    Executable,
}

fn classify(path: &str, mode: Option<u32>) -> Option<Kind> {
    let name = path.rsplit('/').next().unwrap_or(path);
    match path {
        "/etc/os-release" | "/usr/lib/os-release" => return Some(Kind::OsRelease),
        "/etc/alpine-release" => return Some(Kind::AlpineRelease),
        "/etc/debian_version" => return Some(Kind::DebianVersion),
        "/etc/redhat-release"
        | "/etc/centos-release"
        | "/etc/fedora-release"
        | "/etc/system-release" => {
            return Some(Kind::RedhatRelease);
        }
        "/etc/lsb-release" => return Some(Kind::LsbRelease),
        "/var/lib/dpkg/status" => return Some(Kind::DpkgStatus),
        "/lib/apk/db/installed" => return Some(Kind::ApkInstalled),
        "/var/lib/rpm/rpmdb.sqlite" | "/usr/lib/sysimage/rpm/rpmdb.sqlite" => {
            return Some(Kind::RpmSqlite);
        }
        "/var/lib/rpm/Packages"
        | "/var/lib/rpm/Packages.db"
        | "/usr/lib/sysimage/rpm/Packages"
        | "/usr/lib/sysimage/rpm/Packages.db" => return Some(Kind::RpmBdb),
        _ => {}
    }
    if let Some(rest) = path.strip_prefix("/var/lib/dpkg/status.d/") {
        // Distroless: one file per package; `<pkg>.md5sums` files list file digests.
        if !rest.is_empty() && !rest.contains('/') && !rest.ends_with(".md5sums") {
            return Some(Kind::DpkgStatus);
        }
        return None;
    }
    if let Some(rest) = path.strip_prefix("/usr/share/doc/")
        && let Some((pkg, "copyright")) = rest.split_once('/')
        && !pkg.is_empty()
    {
        return Some(Kind::DebCopyright);
    }
    let parent = path.rsplit('/').nth(1).unwrap_or("");
    if (name == "METADATA" && parent.ends_with(".dist-info"))
        || (name == "PKG-INFO" && parent.ends_with(".egg-info"))
        || (name.ends_with(".egg-info") && mode.is_none_or(is_regular))
    {
        return Some(Kind::PythonMetadata);
    }
    // Syft's image cataloger reads every `**/package.json` with a name and a
    // version (inside node_modules or not).
    if name == "package.json" {
        return Some(Kind::PackageJson);
    }
    if name == "package-lock.json" {
        return Some(Kind::PackageLock);
    }
    if name.ends_with(".gemspec") && path.contains("/specifications/") {
        return Some(Kind::Gemspec);
    }
    if name == "installed.json" && path.ends_with("/vendor/composer/installed.json") {
        return Some(Kind::ComposerInstalled);
    }
    if java::is_archive_name(name) {
        return Some(Kind::JavaArchive);
    }
    if mode.is_some_and(|m| is_regular(m) && m & 0o111 != 0) {
        return Some(Kind::Executable);
    }
    None
}

fn is_regular(mode: u32) -> bool {
    // Tar headers may carry only permission bits (type 0); treat that as regular.
    let ty = mode & 0o170000;
    ty == 0o100000 || ty == 0
}

/// One path of every kind of file the catalogue reads (for tests and
/// fuzzing: `wants` and `parse` over each, with any bytes).
pub const EXAMPLE_PATHS: &[&str] = &[
    "/etc/os-release",
    "/usr/lib/os-release",
    "/etc/alpine-release",
    "/etc/debian_version",
    "/etc/redhat-release",
    "/etc/lsb-release",
    "/var/lib/dpkg/status",
    "/var/lib/dpkg/status.d/libc6",
    "/usr/share/doc/bash/copyright",
    "/lib/apk/db/installed",
    "/var/lib/rpm/rpmdb.sqlite",
    "/var/lib/rpm/Packages",
    "/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA",
    "/usr/lib/python3/site-packages/x.egg-info/PKG-INFO",
    "/usr/lib/python3/site-packages/x-1.0.egg-info",
    "/app/node_modules/x/package.json",
    "/app/package-lock.json",
    "/usr/local/bundle/specifications/x-1.0.gemspec",
    "/app/vendor/composer/installed.json",
    "/app/x-1.0.jar",
    "/usr/local/bin/tool",
];

/// Whether the catalogue needs this file's content, and up to how many bytes
/// (files bigger than that are skipped and reported by the caller).
/// `path` is absolute and normalised; `mode` holds the unix mode bits including
/// the file type bits, as in tar headers (`0o100755`).
pub fn wants(path: &str, size: u64, mode: u32) -> Option<u64> {
    // The cap depends on the kind of file only; the caller compares `size` with it.
    let _ = size;
    let cap = match classify(path, Some(mode))? {
        Kind::OsRelease
        | Kind::AlpineRelease
        | Kind::DebianVersion
        | Kind::RedhatRelease
        | Kind::LsbRelease => limits::OS_RELEASE,
        Kind::DpkgStatus | Kind::ApkInstalled | Kind::PackageLock | Kind::ComposerInstalled => {
            limits::PACKAGE_DB
        }
        Kind::RpmSqlite => limits::RPMDB,
        // Asked for under the rpmdb cap so that the caller reports it as an
        // unsupported format rather than as too big; only its magic is read.
        Kind::RpmBdb => limits::RPMDB,
        Kind::DebCopyright | Kind::PythonMetadata | Kind::PackageJson | Kind::Gemspec => {
            limits::METADATA
        }
        Kind::JavaArchive | Kind::Executable => limits::BINARY,
    };
    Some(cap)
}

/// The packages (and OS facts) one file declares. Never panics; malformed
/// content gives `Err` with a reason naming the file and the place.
pub fn parse(path: &str, data: &[u8]) -> Result<Vec<Fact>, String> {
    // `parse` does not get the mode: a file reaching here was asked for by
    // `wants`, so an unknown name is treated as a possible executable.
    let kind = classify(path, None).unwrap_or(Kind::Executable);
    let r = match kind {
        Kind::OsRelease => os::parse_os_release(data).map(|o| vec![Fact::Os(o)]),
        Kind::AlpineRelease => Ok(os::alpine_release(data).map(Fact::Os).into_iter().collect()),
        Kind::DebianVersion => Ok(os::debian_version(data).map(Fact::Os).into_iter().collect()),
        Kind::RedhatRelease => Ok(os::redhat_release(data).map(Fact::Os).into_iter().collect()),
        Kind::LsbRelease => Ok(os::lsb_release(data).map(Fact::Os).into_iter().collect()),
        Kind::DpkgStatus => dpkg::parse_status(path, data).map(packages),
        Kind::DebCopyright => Ok(dpkg::copyright_fact(path, data).into_iter().collect()),
        Kind::ApkInstalled => apk::parse_installed(path, data).map(packages),
        Kind::RpmSqlite => rpm::parse_sqlite(path, data).map(packages),
        Kind::RpmBdb => Err(rpm::unsupported(data)),
        Kind::PythonMetadata => lang::parse_python(path, data).map(packages),
        Kind::PackageJson => lang::parse_package_json(path, data).map(packages),
        Kind::PackageLock => lang::parse_package_lock(path, data).map(packages),
        Kind::Gemspec => lang::parse_gemspec(path, data).map(packages),
        Kind::ComposerInstalled => lang::parse_composer(path, data).map(packages),
        Kind::JavaArchive => java::parse_archive(path, data).map(packages),
        Kind::Executable => parse_executable(path, data).map(packages),
    };
    r.map_err(|e| format!("{path}: {e}"))
}

fn packages(p: Vec<Package>) -> Vec<Fact> {
    p.into_iter().map(Fact::Package).collect()
}

fn parse_executable(path: &str, data: &[u8]) -> Result<Vec<Package>, String> {
    let Some(elf) = elf::Elf::parse(data)? else {
        return Ok(Vec::new()); // not ELF: scripts, other formats
    };
    let mut out = golang::parse(path, data, &elf)?;
    out.extend(rust_audit::parse(path, data, &elf)?);
    Ok(out)
}

/// After all files: pick the OS (os-release over fallbacks), fill purls with
/// the distro, merge dpkg `status` with `status.d`, attach copyright licences.
pub fn finish(facts: Vec<(FileRef, Fact)>) -> Catalogue {
    let mut os_by_rank: BTreeMap<u8, OsRelease> = BTreeMap::new();
    let mut deb_licenses: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut pkgs = Vec::new();
    for (file, fact) in facts {
        match fact {
            Fact::Os(o) => {
                let rank = os::rank(&file.path);
                let entry = os_by_rank.entry(rank).or_default();
                os::merge(entry, o);
            }
            Fact::DebLicenses { package, licenses } => {
                deb_licenses.insert(package, licenses);
            }
            Fact::Package(mut p) => {
                if p.layer.is_none() {
                    p.layer = file.layer;
                }
                if p.location.is_empty() {
                    p.location = file.path;
                }
                pkgs.push(p);
            }
        }
    }
    // Lower rank wins; fallbacks fill fields the better source left empty.
    let mut os: Option<OsRelease> = None;
    for (_, o) in os_by_rank {
        match &mut os {
            None => os = Some(o),
            Some(best) => os::fill_missing(best, o),
        }
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(pkgs.len());
    // `status` before `status.d` (sorted by location), so a duplicate keeps the first.
    pkgs.sort_by(|a, b| {
        (a.kind, &a.name, &a.version, &a.location).cmp(&(b.kind, &b.name, &b.version, &b.location))
    });
    // npm packages both installed (`node_modules/**/package.json`) and listed in
    // a `package-lock.json` are reported once, from the installed copy.
    let installed_npm: HashSet<(String, String)> = pkgs
        .iter()
        .filter(|p| p.kind == PackageKind::Npm && !is_lockfile(&p.location))
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect();
    let mut lock_seen = HashSet::new();
    for mut p in pkgs {
        if p.kind == PackageKind::Npm && is_lockfile(&p.location) {
            let key = (p.name.clone(), p.version.clone());
            if installed_npm.contains(&key) || !lock_seen.insert(key) {
                continue;
            }
        }
        if p.kind == PackageKind::Deb {
            let key = (p.name.clone(), p.version.clone(), p.arch.clone());
            if !seen.insert(key) {
                continue;
            }
            if p.licenses.is_empty()
                && let Some(l) = deb_licenses.get(&p.name)
            {
                p.licenses = l.clone();
            }
        }
        if p.kind.is_os() {
            p.purl = p.compute_purl(os.as_ref());
        }
        out.push(p);
    }
    Catalogue { os, packages: out }
}

fn is_lockfile(location: &str) -> bool {
    location.ends_with("/package-lock.json") || location == "package-lock.json"
}

#[cfg(test)]
mod tests;
