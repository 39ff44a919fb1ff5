//! Rules that judge a Compose project as a whole: top-level keys and facts
//! across services.

mod build_and_image;
mod duplicate_container_name;
mod duplicate_host_port;
mod version_field;

pub use build_and_image::BuildAndImage;
pub use duplicate_container_name::DuplicateContainerName;
pub use duplicate_host_port::DuplicateHostPort;
pub use version_field::ObsoleteVersionField;
