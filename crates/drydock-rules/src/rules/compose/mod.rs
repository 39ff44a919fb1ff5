//! Rules that judge a Compose project as a whole: top-level keys and facts
//! across services.

mod build_and_image;
mod duplicate_container_name;
mod duplicate_host_port;
mod env_file_missing;
mod overlay_not_encrypted;
mod shared_volume;
mod version_field;

pub use build_and_image::BuildAndImage;
pub use duplicate_container_name::DuplicateContainerName;
pub use duplicate_host_port::DuplicateHostPort;
pub use env_file_missing::EnvFileMissing;
pub use overlay_not_encrypted::OverlayNetworkNotEncrypted;
pub use shared_volume::SharedVolume;
pub use version_field::ObsoleteVersionField;
