//! A parser for `/proc/<pid>/mountinfo` (proc(5)).

use std::path::{Path, PathBuf};

/// One line of mountinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountEntry {
    pub mount_id: u64,
    pub parent_id: u64,
    /// `major:minor` of the mounted filesystem.
    pub device: String,
    /// The root of the mount within its filesystem (not `/` for bind mounts).
    pub fs_root: String,
    pub mount_point: PathBuf,
    pub fs_type: String,
    pub source: String,
    /// 1-based line number.
    pub line: u32,
}

/// Undo the octal escapes (`\040` for a space, …) the kernel writes.
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 3 < bytes.len() {
            let digits = &bytes[i + 1..i + 4];
            if digits.iter().all(|d| (b'0'..=b'7').contains(d)) {
                let value = digits
                    .iter()
                    .fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
                if let Ok(byte) = u8::try_from(value) {
                    out.push(byte);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parse one mountinfo line; `None` for a malformed line.
pub fn parse_line(line: &str, line_no: u32) -> Option<MountEntry> {
    let mut fields = line.split_ascii_whitespace();
    let mount_id = fields.next()?.parse().ok()?;
    let parent_id = fields.next()?.parse().ok()?;
    let device = fields.next()?.to_owned();
    let fs_root = unescape(fields.next()?);
    let mount_point = PathBuf::from(unescape(fields.next()?));
    let _options = fields.next()?;
    // Optional fields up to the "-" separator.
    for field in fields.by_ref() {
        if field == "-" {
            break;
        }
    }
    let fs_type = fields.next()?.to_owned();
    let source = unescape(fields.next().unwrap_or("none"));
    Some(MountEntry {
        mount_id,
        parent_id,
        device,
        fs_root,
        mount_point,
        fs_type,
        source,
        line: line_no,
    })
}

/// Parse a whole mountinfo file, skipping malformed lines.
pub fn parse(text: &str) -> Vec<MountEntry> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| parse_line(line, u32::try_from(i + 1).unwrap_or(u32::MAX)))
        .collect()
}

/// The mount that contains `path`: the longest mount point that is a
/// component-wise prefix of it; of stacked mounts on the same point the
/// last one (the visible one) wins.
pub fn covering_mount<'a>(entries: &'a [MountEntry], path: &Path) -> Option<&'a MountEntry> {
    let mut best: Option<&MountEntry> = None;
    for entry in entries {
        if path.starts_with(&entry.mount_point) {
            let better = match best {
                None => true,
                Some(b) => entry.mount_point.as_os_str().len() >= b.mount_point.as_os_str().len(),
            };
            if better {
                best = Some(entry);
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 27 8:2 / /var/lib/docker rw,relatime shared:20 - xfs /dev/sda2 rw
41 27 8:1 /srv/with\\040space /mnt/a\\040b rw - ext4 /dev/sda1 rw
";

    #[test]
    fn parses_and_unescapes() {
        let entries = parse(SAMPLE);
        assert_eq!(entries.len(), 4);
        assert_eq!(entries[1].mount_point, PathBuf::from("/"));
        assert_eq!(entries[1].fs_type, "ext4");
        assert_eq!(entries[3].mount_point, PathBuf::from("/mnt/a b"));
        assert_eq!(entries[3].fs_root, "/srv/with space");
    }

    #[test]
    fn finds_covering_mount_by_components() {
        let entries = parse(SAMPLE);
        let m = covering_mount(&entries, Path::new("/var/lib/docker/overlay2")).map(|e| e.line);
        assert_eq!(m, Some(3));
        let m = covering_mount(&entries, Path::new("/var/lib/docker-old")).map(|e| e.line);
        assert_eq!(m, Some(2));
    }
}
