use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use drydock_core::time::{format_date, parse_rfc3339};

declare_rule! {
    /// ## What it does
    /// Reports a built image whose creation time (`created` in its
    /// configuration) lies more than the maximum age before now. It judges
    /// only when a maximum is given (`drydock image --max-age DAYS`) and the
    /// image records a valid RFC 3339 creation time.
    ///
    /// Not judged: a creation time at or before 1980-01-01 (reproducible
    /// builds set it to the Unix epoch or to `SOURCE_DATE_EPOCH`, often
    /// 1970-01-01 or 1980-01-01, so it says nothing about the image's age),
    /// and one in the future (a wrong clock on the build machine).
    ///
    /// ## Why is this bad?
    /// An image is a snapshot: its operating system packages and libraries
    /// are as old as its last build, and security fixes published since
    /// then are not in it. An image that has not been rebuilt for months
    /// almost certainly carries known vulnerabilities, even when its
    /// Dockerfile and base image tag have not changed.
    ///
    /// ## Example
    /// `drydock image --max-age 90 app.tar` on an image whose configuration
    /// says `"created": "2019-01-01T00:00:00Z"`.
    ///
    /// ## How to fix
    /// Rebuild the image regularly (a scheduled CI build with `docker build
    /// --pull --no-cache`, so that the base image and the packages are
    /// fetched fresh), and redeploy the result.
    pub struct ImageTooOld {
        id: "IMG079",
        name: "image-too-old",
        title: "Image built longer ago than the maximum age",
        severity: Medium,
        category: SupplyChain,
        references: [],
        fix: None,
    }
}

/// 1980-01-01T00:00:00Z: at or before it, a creation time is a
/// reproducible-build placeholder.
const PLACEHOLDER_LIMIT: i64 = 315_532_800;

impl Rule for ImageTooOld {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        let (Some(now), Some(max_days), Some(created)) = (
            cx.settings.now,
            cx.settings.max_image_age_days,
            image.created.as_ref(),
        ) else {
            return;
        };
        let Some(at) = parse_rfc3339(&created.value) else {
            return;
        };
        if at <= PLACEHOLDER_LIMIT || at > now {
            return;
        }
        let age_days = (now - at) / 86_400;
        if u64::try_from(age_days).is_ok_and(|d| d > max_days) {
            cx.report(
                &created.origin,
                format!(
                    "the image was built on {} ({age_days} days ago), more than the maximum age of {max_days} day{}",
                    format_date(at),
                    if max_days == 1 { "" } else { "s" }
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::image::files::testkit::Img;

    fn run(created: Option<&str>, now: Option<&str>, max: Option<u64>) -> Vec<String> {
        let mut img = Img::new();
        img.created = created.map(str::to_string);
        img.settings.now = now.and_then(parse_rfc3339);
        img.settings.max_image_age_days = max;
        img.check(&ImageTooOld)
            .iter()
            .map(|f| format!("{} {}", img.place(f), f.message))
            .collect()
    }

    #[test]
    fn ages() {
        let now = Some("2026-11-23T00:00:00Z");
        assert_eq!(
            run(Some("2019-01-01T00:00:00Z"), now, Some(90)),
            [
                "api:created the image was built on 2019-01-01 (2883 days ago), more than the maximum age of 90 days"
            ]
        );
        // Exactly at the limit: fine.
        assert!(run(Some("2026-08-25T00:00:00Z"), now, Some(90)).is_empty());
        assert_eq!(run(Some("2026-08-24T00:00:00Z"), now, Some(90)).len(), 1);
        // Placeholders, future dates, unparseable dates, missing settings.
        assert!(run(Some("1970-01-01T00:00:00Z"), now, Some(1)).is_empty());
        assert!(run(Some("1980-01-01T00:00:00Z"), now, Some(1)).is_empty());
        assert!(run(Some("2027-01-01T00:00:00Z"), now, Some(1)).is_empty());
        assert!(run(Some("yesterday"), now, Some(1)).is_empty());
        assert!(run(Some("2019-01-01T00:00:00Z"), None, Some(1)).is_empty());
        assert!(run(Some("2019-01-01T00:00:00Z"), now, None).is_empty());
        assert!(run(None, now, Some(1)).is_empty());
    }
}
