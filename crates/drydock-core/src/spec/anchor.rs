//! Insertion points that file-based sources record so that a rule can add a
//! missing setting as a fix. Specs from the Engine API have none: fixes exist
//! only where the origin is a file.

use crate::finding::Edit;
use crate::source::FileId;

/// Where a new `key: value` line can be added to a YAML block mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlMapAnchor {
    pub file: FileId,
    /// Start of the line after the mapping's last line (or the end of the
    /// file, after a newline is ensured by `needs_newline`).
    pub offset: u32,
    /// The indentation of the mapping's keys.
    pub indent: String,
    /// The line the insertion follows has no terminating newline.
    pub needs_newline: bool,
    /// The file's line ending (`"\r\n"` for a CRLF file), which inserted
    /// lines use too.
    pub newline: &'static str,
}

impl YamlMapAnchor {
    /// An edit inserting `snippet` (one or more lines, written at indent 0
    /// with two-space nesting) as entries of this mapping.
    pub fn insert(&self, snippet: &str) -> Edit {
        let mut out = String::new();
        if self.needs_newline {
            out.push_str(self.newline);
        }
        for line in snippet.lines() {
            out.push_str(&self.indent);
            out.push_str(line);
            out.push_str(self.newline);
        }
        Edit::insert(self.file, self.offset, out)
    }
}

/// Where a new member can be added to a JSON object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonObjectAnchor {
    pub file: FileId,
    /// Offset just after the object's opening `{`.
    pub open_brace_end: u32,
    /// The indentation of the object's members (two spaces if unknown).
    pub indent: String,
    /// The object has no members yet.
    pub is_empty: bool,
}

impl JsonObjectAnchor {
    /// An edit inserting `"key": value_json` as the object's first member.
    pub fn insert_member(&self, key: &str, value_json: &str) -> Edit {
        let key = key.replace('\\', "\\\\").replace('"', "\\\"");
        let text = if self.is_empty {
            format!("\n{}\"{key}\": {value_json}\n", self.indent)
        } else {
            format!("\n{}\"{key}\": {value_json},", self.indent)
        };
        Edit::insert(self.file, self.open_brace_end, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_insert() {
        let a = YamlMapAnchor {
            file: FileId(0),
            offset: 10,
            indent: "    ".into(),
            needs_newline: false,
            newline: "\n",
        };
        assert_eq!(a.insert("read_only: true").content, "    read_only: true\n");
        assert_eq!(
            a.insert("cap_drop:\n  - ALL").content,
            "    cap_drop:\n      - ALL\n"
        );
        let crlf = YamlMapAnchor {
            newline: "\r\n",
            needs_newline: true,
            ..a
        };
        assert_eq!(
            crlf.insert("cap_drop:\n  - ALL").content,
            "\r\n    cap_drop:\r\n      - ALL\r\n"
        );
    }

    #[test]
    fn json_insert() {
        let a = JsonObjectAnchor {
            file: FileId(0),
            open_brace_end: 1,
            indent: "  ".into(),
            is_empty: false,
        };
        assert_eq!(
            a.insert_member("icc", "false").content,
            "\n  \"icc\": false,"
        );
    }
}
