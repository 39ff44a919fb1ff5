//! The one table of every rule. To add a rule: write its file under
//! `src/rules/<family>/`, declare it in that family's `mod.rs`, add a line
//! here in its family's section, add a fixture `tests/fixtures/<ID>.*`, and
//! run `cargo test -p drydock-rules` (then review the new snapshot and
//! regenerate `docs/rules/` with `cargo run -p drydock -- rules --write-docs docs/rules`).
//!
//! IDs are stable: never reuse or renumber one. Families:
//! `SYN` files that do not parse · `IMG` images and their build steps
//! (`ImageSpec`) · `DKF` Dockerfile structure across stages · `CTR`
//! containers (`ContainerSpec`) · `CMP` Compose projects · `DMN` the daemon
//! (`DaemonSpec`) · `SEC` secret values in images and containers · `DRY`
//! drydock itself.

use crate::rule::Rule;
use crate::rules::*;

pub static RULES: &[&dyn Rule] = &[
    // --- SYN: syntax -------------------------------------------------------
    &syntax::DockerfileSyntax,
    &syntax::ComposeSyntax,
    &syntax::DaemonJsonSyntax,
    &script_syntax::ScriptSyntax,
    // --- IMG: images and build steps ---------------------------------------
    &image::missing_user::MissingUser,
    &image::last_user_root::LastUserRoot,
    &image::sudo_in_run::SudoInRun,
    &image::image_tag::ImageLatestTag,
    &image::image_tag::ImageUntagged,
    &image::image_digest::ImageNotPinned,
    &image::untrusted_registry::UntrustedRegistry,
    &image::add_instead_of_copy::AddInsteadOfCopy,
    &image::remote_script_to_shell::RemoteScriptToShell,
    &image::tls_verification_disabled::TlsVerificationDisabled,
    &image::package_tls_disabled::PackageTlsDisabled,
    &image::signature_check_disabled::SignatureCheckDisabled,
    &image::apt_no_install_recommends::AptNoInstallRecommends,
    &image::apt_missing_yes::AptMissingYes,
    &image::expose_ssh::ExposeSsh,
    &image::missing_healthcheck::MissingHealthcheck,
    &image::secret_in_arg_env::SecretInArgEnv,
    &image::maintainer::Maintainer,
    &image::relative_workdir::RelativeWorkdir,
    &image::shell_form_command::ShellFormCommand,
    &image::insecure_build_step::InsecureBuildStep,
    &image::sensitive_volume::SensitiveVolume,
    &image::setuid_bit::SetuidBit,
    &image::apt_package_not_pinned::AptPackageNotPinned,
    &image::apk_package_not_pinned::ApkPackageNotPinned,
    &image::pip_package_not_pinned::PipPackageNotPinned,
    &image::npm_package_not_pinned::NpmPackageNotPinned,
    &image::gem_not_pinned::GemNotPinned,
    &image::go_install_not_pinned::GoInstallNotPinned,
    &image::rpm_package_not_pinned::RpmPackageNotPinned,
    &image::update_without_install::UpdateWithoutInstall,
    &image::full_upgrade::FullUpgrade,
    &image::apt_instead_of_apt_get::AptInsteadOfAptGet,
    &image::rpm_missing_yes::RpmMissingYes,
    &image::apt_lists_not_removed::AptListsNotRemoved,
    &image::apk_add_no_cache::ApkAddNoCache,
    &image::rpm_cache_not_cleaned::RpmCacheNotCleaned,
    &image::pip_cache_kept::PipCacheKept,
    &image::yarn_cache_not_cleaned::YarnCacheNotCleaned,
    &image::wget_and_curl::WgetAndCurl,
    &image::wget_without_progress::WgetWithoutProgress,
    &image::bashism_in_sh::BashismInSh,
    &image::cd_failure_ignored::CdFailureIgnored,
    &image::exec_form_shell_syntax::ExecFormShellSyntax,
    &image::invalid_label_key::InvalidLabelKey,
    &image::label_schema::LabelSchemaViolation,
    &image::pointless_command::PointlessCommand,
    &image::empty_password::EmptyPassword,
    &image::duplicate_account::DuplicateAccount,
    &image::content_trust_disabled::ContentTrustDisabled,
    &image::secret_arg_used_in_run::SecretArgUsedInRun,
    // (IMG package-manager rules)
    &image::user_not_numeric::UserNotNumeric,
    &image::useradd_high_uid::UseraddHighUid,
    &image::password_in_run::PasswordInRun,
    &image::chown_runtime_user::ChownRuntimeUser,
    &image::add_url_without_checksum::AddUrlWithoutChecksum,
    &image::download_without_verification::DownloadWithoutVerification,
    &image::pip_extra_index_url::PipExtraIndexUrl,
    &image::expose_port::ExposeInvalidPort,
    &image::expose_port::ExposeProtoCasing,
    &image::cd_in_run::CdInRun,
    &image::workdir_system_dir::WorkdirSystemDir,
    &image::copy_relative_dest::CopyRelativeDest,
    &image::copy_multiple_sources::CopyMultipleSources,
    &image::copy_whole_filesystem::CopyWholeFilesystem,
    &image::env_self_reference::EnvSelfReference,
    &image::pipe_without_pipefail::PipeWithoutPipefail,
    &image::shell_switched_with_ln::ShellSwitchedWithLn,
    &image::credential_file_copied::CredentialFileCopied,
    &image::unneeded_files_copied::UnneededFilesCopied,
    &image::copy_context_without_dockerignore::CopyContextWithoutDockerignore,
    &image::consecutive_run::ConsecutiveRun,
    &image::world_writable_path::WorldWritablePath,
    &image::image_too_old::ImageTooOld,
    &image::base_os_end_of_life::BaseOsEndOfLife,
    &image::npm_cache_left::NpmCacheLeft,
    // (IMG structure rules)
    // --- DKF: Dockerfile structure ------------------------------------------
    &dockerfile::duplicate_stage_name::DuplicateStageName,
    &dockerfile::copy_from::CopyFromOwnStage,
    &dockerfile::copy_from::CopyFromUnknownStage,
    &dockerfile::from_platform::FromPlatformConstant,
    &dockerfile::from_platform::RedundantTargetPlatform,
    &dockerfile::multiple_instructions::MultipleHealthcheck,
    &dockerfile::multiple_instructions::MultipleCmd,
    &dockerfile::multiple_instructions::MultipleEntrypoint,
    &dockerfile::reserved_stage_name::ReservedStageName,
    &dockerfile::undefined_arg_in_from::UndefinedArgInFrom,
    &dockerfile::stage_casing::StageNameCasing,
    &dockerfile::stage_casing::FromAsCasing,
    // (DKF structure rules)
    &dockerfile::bad_onbuild_trigger::BadOnbuildTrigger,
    &dockerfile::instruction_before_from::InstructionBeforeFrom,
    // --- CTR: containers ----------------------------------------------------
    // (CTR rules)
    &container::PrivilegedContainer,
    &container::DockerSocketMounted,
    &container::SensitiveHostPathMounted,
    &container::DangerousCapabilityAdded,
    &container::CapabilitiesNotDropped,
    &container::NoNewPrivilegesNotSet,
    &container::ConfinementDisabled,
    &container::HostNamespaceShared,
    &container::PortBoundToAllInterfaces,
    &container::PrivilegedHostPort,
    &container::DockerApiPortPublished,
    &container::MemoryNotLimited,
    &container::CpuNotLimited,
    &container::PidsNotLimited,
    &container::RootFilesystemWritable,
    &container::RunsAsRoot,
    &container::ImageTagMutable,
    &container::HostDevicesExposed,
    &container::RiskyKernelSettings,
    &container::LoggingDisabled,
    &container::CgroupParentSet,
    &container::MountPropagationShared,
    &container::TmpfsExecAllowed,
    &container::RestartPolicyUnbounded,
    &container::HealthcheckDisabled,
    &container::SecurityOptNotSet,
    &container::ServiceImageNotPinned,
    &container::SecretInBuildArgs,
    &container::InsecureBuildOptions,
    &container::BuildSshAgentForwarded,
    &container::NetworksNotSet,
    &container::InvalidContainerName,
    &container::PrivilegedExec,
    &container::ExecAsRoot,
    // --- CMP: Compose projects ----------------------------------------------
    // (CMP rules)
    &compose::ObsoleteVersionField,
    &compose::DuplicateContainerName,
    &compose::DuplicateHostPort,
    &compose::BuildAndImage,
    &compose::SharedVolume,
    &compose::OverlayNetworkNotEncrypted,
    &compose::EnvFileMissing,
    // --- DMN: the daemon ----------------------------------------------------
    // (DMN rules)
    &daemon::IccEnabled,
    &daemon::InsecureRegistry,
    &daemon::TcpSocketWithoutTls,
    &daemon::NoNewPrivilegesDefault,
    &daemon::LiveRestoreDisabled,
    &daemon::UserlandProxyEnabled,
    &daemon::LogRotationMissing,
    &daemon::DebugEnabled,
    &daemon::UsernsRemapNotSet,
    &daemon::ExperimentalEnabled,
    &daemon::DefaultBindAllInterfaces,
    &daemon::AuthorizationPluginMissing,
    &daemon::LogLevelNotInfo,
    &daemon::IptablesDisabled,
    &daemon::DeprecatedStorageDriver,
    &daemon::DefaultUlimitsNotSet,
    &daemon::SeccompProfileUnconfined,
    &daemon::CgroupParentChanged,
    &daemon::SelinuxNotEnabled,
    &daemon::BaseDeviceSizeChanged,
    &daemon::RemoteLoggingNotConfigured,
    // --- SEC: secrets -------------------------------------------------------
    &secrets::image_config::SecretInImageConfig,
    &secrets::container_environment::SecretInContainerEnvironment,
    &secrets::image_file::SecretInImageFile,
    &vulns::vulnerable_package::VulnerablePackage,
    // --- DRY: drydock itself ------------------------------------------------
    &meta::UnusedSuppression,
    &meta::InlineIgnorePragma,
];

/// Every rule, in table order.
pub fn all_rules() -> impl Iterator<Item = &'static dyn Rule> {
    RULES.iter().copied()
}

/// The rule with this ID (case-insensitive) or kebab-case name.
pub fn find_rule(id_or_name: &str) -> Option<&'static dyn Rule> {
    all_rules().find(|r| {
        let m = r.meta();
        m.id.eq_ignore_ascii_case(id_or_name) || m.name.eq_ignore_ascii_case(id_or_name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_and_names_unique_and_well_formed() {
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
        for r in all_rules() {
            let m = r.meta();
            assert!(ids.insert(m.id), "duplicate rule id {}", m.id);
            assert!(names.insert(m.name), "duplicate rule name {}", m.name);
            let (prefix, num) = m.id.split_at(3);
            assert!(
                [
                    "SYN", "IMG", "DKF", "CTR", "CMP", "DMN", "SEC", "VUL", "DRY"
                ]
                .contains(&prefix),
                "{}: unknown family",
                m.id
            );
            assert!(
                num.len() == 3 && num.chars().all(|c| c.is_ascii_digit()),
                "{}: bad number",
                m.id
            );
            assert!(
                m.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit())
            );
            assert!(
                !m.title.ends_with('.'),
                "{}: title ends with a period",
                m.id
            );
        }
    }

    #[test]
    fn docs_have_required_sections() {
        for r in all_rules() {
            let m = r.meta();
            for s in ["What it does", "Why is this bad?", "How to fix"] {
                assert!(
                    m.section(s).is_some_and(|t| !t.is_empty()),
                    "{}: docs lack `## {s}`",
                    m.id
                );
            }
            if m.fix != drydock_core::FixAvailability::None {
                assert!(
                    m.section("Fix").is_some(),
                    "{}: a fixable rule documents its fix under `## Fix`",
                    m.id
                );
            }
        }
    }

    #[test]
    fn references_well_formed() {
        let known = [
            "cis-docker-1.6",
            "hadolint",
            "checkov",
            "trivy",
            "dockle",
            "kics",
            "concern",
            "buildkit",
            "compose-lint",
            "semgrep",
            "gap",
            "shellcheck",
            "grype",
        ];
        for r in all_rules() {
            let m = r.meta();
            for reference in m.references {
                let (kind, value) = reference
                    .split_once(':')
                    .unwrap_or_else(|| panic!("{}: bad reference {reference}", m.id));
                assert!(
                    known.contains(&kind),
                    "{}: unknown reference kind {kind}",
                    m.id
                );
                assert!(!value.is_empty());
                if kind == "concern" {
                    let n: u32 = value
                        .parse()
                        .unwrap_or_else(|_| panic!("{}: concern:{value}", m.id));
                    assert!((1..=148).contains(&n), "{}: concern:{n} out of range", m.id);
                }
            }
        }
    }
}
