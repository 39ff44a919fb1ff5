//! Known vulnerabilities of the packages in an image (`VUL`). Their
//! findings come from matching the package catalogue against the OSV
//! database (`drydock image --vulns`, crate `drydock-vulndb`), not from a
//! check over a spec: the declaration here is what `drydock rules`,
//! `drydock explain` and the reports show.

pub mod vulnerable_package;
