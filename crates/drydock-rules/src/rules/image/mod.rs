//! Rules about images and the build steps that produce them (`ImageSpec`).
//! Today the specs come from Dockerfile stages; built images will feed the
//! same rules.

pub mod add_instead_of_copy;
pub mod apt_missing_yes;
pub mod apt_no_install_recommends;
pub mod expose_ssh;
pub mod image_digest;
pub mod image_tag;
pub mod insecure_build_step;
pub mod last_user_root;
pub mod maintainer;
pub mod missing_healthcheck;
pub mod missing_user;
pub mod package_tls_disabled;
pub mod relative_workdir;
pub mod remote_script_to_shell;
pub mod secret_in_arg_env;
pub mod sensitive_volume;
pub mod setuid_bit;
pub mod shell_form_command;
pub mod signature_check_disabled;
pub mod sudo_in_run;
pub mod tls_verification_disabled;
pub mod untrusted_registry;
// (package-manager rules)
// (structure rules)
