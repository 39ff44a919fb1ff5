//! Small helpers shared by rules.

use drydock_core::{Edit, Origin};

/// An edit replacing the text of `origin` (a file origin) with `content`.
pub(crate) fn replace(origin: &Origin, content: impl Into<String>) -> Option<Edit> {
    let (file, range) = origin.file_range()?;
    Some(Edit::replace(file, range, content))
}

/// An edit inserting `content` right after `origin`.
pub(crate) fn insert_after(origin: &Origin, content: impl Into<String>) -> Option<Edit> {
    let (file, range) = origin.file_range()?;
    Some(Edit::insert(file, range.end, content))
}

/// `true` for `root`, `0`, `root:…`, `0:…`.
pub(crate) fn is_root_user(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user).trim();
    name == "root" || name == "0"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_users() {
        for u in ["root", "0", "0:0", "root:staff", " root "] {
            assert!(is_root_user(u), "{u}");
        }
        for u in ["", "1000", "app", "rooty", "1000:0"] {
            assert!(!is_root_user(u), "{u}");
        }
    }
}
