use drydock_core::RuleMeta;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::files::{homes, report_leftover};

declare_rule! {
    /// ## What it does
    /// Reports, in a built image, an npm cache holding files:
    /// `.npm/_cacache` in `/root` or in a home directory under `/home`
    /// (npm's content-addressed cache of every package tarball and
    /// metadata document it fetched). It is reported once per cache, at its
    /// directory, with the number of files, their size and the layers that
    /// added them.
    ///
    /// Dockerfiles are not judged: whether `npm install` or `npm ci` leaves
    /// a cache depends on the npm configuration of the base image
    /// (`cache`, `NPM_CONFIG_CACHE`), which a Dockerfile does not show.
    ///
    /// ## Why is this bad?
    /// The cache is never used by the running application: it only adds
    /// size (often as much as `node_modules` itself) to every pull, every
    /// registry copy and every scan.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN npm ci
    /// ```
    /// leaves `/root/.npm/_cacache` in the image.
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN --mount=type=cache,target=/root/.npm npm ci
    /// ```
    ///
    /// ## How to fix
    /// Keep the cache out of the layer with a BuildKit cache mount
    /// (`RUN --mount=type=cache,target=/root/.npm npm ci`), or end the step
    /// with `npm cache clean --force` (or `rm -rf /root/.npm`), or install
    /// in a build stage and copy only the application into the final one.
    pub struct NpmCacheLeft {
        id: "IMG081",
        name: "npm-cache-left",
        title: "npm cache left in the image",
        severity: Info,
        category: BestPractice,
        references: ["dockle:DKL-LI-0003"],
        fix: None,
    }
}

impl Rule for NpmCacheLeft {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        let Some(files) = &image.files else {
            return;
        };
        for home in homes(files) {
            report_leftover(
                cx,
                files,
                &format!("{home}/.npm/_cacache"),
                |_| false,
                "npm's cache left in the image; use a cache mount or `npm cache clean --force` in the step that installs",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::image::files::testkit::Img;

    #[test]
    fn caches() {
        let img = Img::new()
            .dir("/home/node", 0o755)
            .file("/home/node/.npm/_cacache/index-v5/aa/bb", 0o644, 300)
            .file("/home/node/.npm/_cacache/content-v2/sha512/cc", 0o644, 4096)
            .owned("/home/node/.npm/_cacache/content-v2/sha512/cc", 1000, 1)
            .file("/root/.npm/_logs/debug.log", 0o644, 10);
        let found = img.check(&NpmCacheLeft);
        assert_eq!(found.len(), 1);
        assert_eq!(img.place(&found[0]), "api:/home/node/.npm/_cacache");
        assert_eq!(
            found[0].message,
            "`/home/node/.npm/_cacache` holds 2 files (4.3 KiB) added in layer 0 (sha256:abababababab), layer 1: npm's cache left in the image; use a cache mount or `npm cache clean --force` in the step that installs"
        );
        // A Dockerfile stage has no files: nothing.
        let mut spec = img.spec();
        spec.files = None;
        assert!(img.check_spec(&NpmCacheLeft, &spec).is_empty());
    }
}
