//! The rules flags must follow before they become a [`super::model::Config`]: argument counts
//! and formats, flags that exclude or need each other, quantities, names and the TLS files.
//! Every problem names the flag or argument; credential values are never quoted.

use super::flags::{CUSTOM_POSITIONALS, CUSTOM_USAGE, CustomFlags, StorageFlags, StorageTarget};
use super::resources::is_positive;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::quantity::parse_quantity;

/// What the checks of `deploy custom` found out besides problems.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomChecked {
    /// etcd's volume size in GiB (the second argument).
    pub volume_size: u32,
    /// pachd's certificate and key (PEM), read from `--tls`.
    pub tls: Option<(String, String)>,
    /// Things worth telling the user that do not stop the deploy.
    pub warnings: Vec<String>,
}

/// Reads a file as text, or says why not.
pub type ReadFile<'a> = &'a dyn Fn(&str) -> Result<String, String>;

/// Problems found so far, all reported together.
#[derive(Default)]
struct Problems(Vec<Diagnostic>);

impl Problems {
    fn flag(&mut self, flag: &str, message: impl Into<String>, help: Option<&str>) {
        let mut d = Diagnostic::bad_input(message).at_path(flag);
        if let Some(help) = help {
            d = d.with_help(help);
        }
        self.0.push(d);
    }

    fn general(&mut self, message: impl Into<String>, help: impl Into<String>) {
        self.0
            .push(Diagnostic::bad_input(message).with_help(help.into()));
    }

    fn finish<T>(self, value: T) -> Result<T, Diagnostics> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(Diagnostics(self.0))
        }
    }
}

/// Checks every flag of `deploy custom` and reads the `--tls` files.
pub fn check_custom(
    flags: &CustomFlags,
    read_file: ReadFile,
) -> Result<CustomChecked, Diagnostics> {
    let mut p = Problems::default();
    let mut warnings = Vec::new();
    let volume_size = check_custom_positionals(flags, &mut p);
    check_etcd(flags, &mut p, &mut warnings);
    if flags.secure && !flags.is_s3_v2 {
        p.flag(
            "-s/--secure",
            "only applies with --isS3V2",
            Some("the default S3v4 driver already connects to the endpoint with TLS; add --isS3V2 for an S3v2 store, or drop -s"),
        );
    }
    if flags.dashboard_only && flags.no_dashboard {
        p.general(
            "--dashboard-only and --no-dashboard exclude each other",
            "keep one of them",
        );
    }
    for (flag, value) in [
        ("--etcd-cpu-request", &flags.etcd_cpu_request),
        ("--etcd-memory-request", &flags.etcd_memory_request),
        ("--pachd-cpu-request", &flags.pachd_cpu_request),
        ("--pachd-memory-request", &flags.pachd_memory_request),
    ] {
        if let Some(text) = value {
            check_quantity(flag, text, &mut p);
            warnings.extend(unit_surprise(flag, text));
        }
    }
    if flags.shards == Some(0) {
        p.flag("--shards", "must be at least 1", Some("the default is 16"));
    }
    check_namespace(&flags.namespace, &mut p);
    for (flag, value) in [
        ("--image-pull-secret", &flags.image_pull_secret),
        ("--etcd-storage-class", &flags.etcd_storage_class),
    ] {
        if let Some(name) = value {
            check_object_name(flag, name, &mut p);
        }
    }
    for (flag, value) in [
        ("--registry", &flags.registry),
        ("--dash-image", &flags.dash_image),
    ] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            p.flag(flag, "is empty", None);
        }
    }
    let tls = flags
        .tls
        .as_deref()
        .and_then(|spec| read_tls(spec, read_file, &mut p));
    p.finish(CustomChecked {
        volume_size: volume_size.unwrap_or(0),
        tls,
        warnings,
    })
}

/// The six positional arguments: their count, the size, and that none is empty. Returns the
/// size when it is valid.
fn check_custom_positionals(flags: &CustomFlags, p: &mut Problems) -> Option<u32> {
    if flags.args.len() != CUSTOM_POSITIONALS.len() {
        p.general(
            format!(
                "expected 6 arguments ({}), got {}",
                CUSTOM_POSITIONALS.join(" "),
                flags.args.len()
            ),
            format!("usage: {CUSTOM_USAGE}"),
        );
        return None;
    }
    for (name, value) in CUSTOM_POSITIONALS.iter().zip(&flags.args).skip(2) {
        if value.trim().is_empty() {
            p.flag(name, "is empty", None);
        }
    }
    let size = &flags.args[1];
    match size.trim().parse::<u32>() {
        Ok(0) => {
            p.flag(
                CUSTOM_POSITIONALS[1],
                "must be at least 1",
                Some("10 suits most deployments"),
            );
            None
        }
        Ok(n) => Some(n),
        Err(_) => {
            p.flag(
                CUSTOM_POSITIONALS[1],
                format!("must be a whole number of gigabytes, got {size:?}"),
                Some("e.g. 10 (10 suits most deployments)"),
            );
            None
        }
    }
}

/// Exactly one of the two etcd modes (none needed with --dashboard-only), and what each allows.
fn check_etcd(flags: &CustomFlags, p: &mut Problems, warnings: &mut Vec<String>) {
    let pv_name = flags.args.first().filter(|_| flags.args.len() == 6);
    match (flags.dynamic_etcd_nodes, &flags.static_etcd_volume) {
        (Some(_), Some(_)) => p.general(
            "only one of --dynamic-etcd-nodes and --static-etcd-volume may be given, not both",
            "--dynamic-etcd-nodes N runs etcd as a StatefulSet on dynamically provisioned volumes; --static-etcd-volume NAME runs it on an existing disk",
        ),
        (None, None) if !flags.dashboard_only => p.general(
            "either --dynamic-etcd-nodes or --static-etcd-volume is required",
            "--dynamic-etcd-nodes 1 runs etcd as a StatefulSet on dynamically provisioned volumes; --static-etcd-volume NAME runs it on an existing disk",
        ),
        (Some(0), None) => p.flag(
            "--dynamic-etcd-nodes",
            "must be at least 1",
            Some("Pachyderm recommends 1"),
        ),
        (Some(nodes), None) => {
            if nodes > 1 {
                warnings.push(format!(
                    "--dynamic-etcd-nodes {nodes}: Pachyderm recommends a single etcd member; {nodes} members are rendered as asked"
                ));
            }
            if let Some(name) = pv_name.filter(|_| !flags.dashboard_only) {
                warnings.push(format!(
                    "the first argument ({name:?}) is unused with --dynamic-etcd-nodes: the StatefulSet's volumes are provisioned dynamically"
                ));
            }
        }
        (None, Some(volume)) => {
            if volume.trim().is_empty() {
                p.flag(
                    "--static-etcd-volume",
                    "needs the name of an existing disk",
                    None,
                );
            }
            if flags.etcd_storage_class.is_some() {
                p.flag(
                    "--etcd-storage-class",
                    "only applies with --dynamic-etcd-nodes",
                    Some("a static volume is an existing disk and uses no StorageClass"),
                );
            }
            if let Some(name) = pv_name.filter(|n| n != &volume) {
                warnings.push(format!(
                    "the first argument ({name:?}) is unused: etcd's PersistentVolume is backed by --static-etcd-volume {volume:?}"
                ));
            }
        }
        (None, None) => {}
    }
}

fn check_quantity(flag: &str, text: &str, p: &mut Problems) {
    let help = Some("a Kubernetes quantity such as 2G, 1.5Gi, 500m or 1");
    match parse_quantity(text).and_then(|_| is_positive(text)) {
        Ok(true) => {}
        Ok(false) => p.flag(flag, format!("must be more than 0, got {text:?}"), help),
        Err(why) => p.flag(flag, format!("is not a Kubernetes quantity: {why}"), help),
    }
}

/// A warning when a valid request is almost certainly not what was meant.
fn unit_surprise(flag: &str, text: &str) -> Option<String> {
    let resource = if flag.ends_with("memory-request") {
        "memory"
    } else {
        "cpu"
    };
    crate::quantity::unit_surprise(resource, text).map(|why| format!("{flag} {why}"))
}

fn check_namespace(namespace: &str, p: &mut Problems) {
    if !is_dns_label(namespace) {
        p.flag(
            "--namespace",
            format!("{namespace:?} is not a valid namespace name"),
            Some("lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters"),
        );
    }
}

fn check_object_name(flag: &str, name: &str, p: &mut Problems) {
    let valid = crate::names::dns_subdomain_problem(name).is_none();
    if !valid {
        p.flag(
            flag,
            format!("{name:?} is not a valid Kubernetes object name"),
            Some("lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"),
        );
    }
}

/// RFC 1123 label: what Kubernetes accepts as a namespace name.
fn is_dns_label(s: &str) -> bool {
    crate::names::dns_label_problem(s).is_none()
}

/// Splits `--tls "<cert path>,<key path>"` and reads both files, checking they hold PEM.
fn read_tls(spec: &str, read_file: ReadFile, p: &mut Problems) -> Option<(String, String)> {
    let parts: Vec<&str> = spec.split(',').map(str::trim).collect();
    let [cert_path, key_path] = parts.as_slice() else {
        p.flag(
            "--tls",
            "takes \"<cert path>,<key path>\"",
            Some("two file names separated by a comma"),
        );
        return None;
    };
    if cert_path.is_empty() || key_path.is_empty() {
        p.flag(
            "--tls",
            "takes \"<cert path>,<key path>\"",
            Some("both file names are needed"),
        );
        return None;
    }
    let read = |what: &str, path: &str, marker: &str, p: &mut Problems| match read_file(path) {
        Err(why) => {
            p.flag(
                "--tls",
                format!("cannot read the {what} {path:?}: {why}"),
                None,
            );
            None
        }
        Ok(text) if !text.contains(marker) => {
            p.flag(
                "--tls",
                format!("{path:?} does not hold a PEM {what}"),
                Some(&format!("expected a block starting with {marker}")),
            );
            None
        }
        Ok(text) => Some(text),
    };
    let cert = read("certificate", cert_path, "-----BEGIN CERTIFICATE-----", p);
    let key = read("private key", key_path, "PRIVATE KEY-----", p);
    cert.zip(key)
}

/// Checks `deploy storage`: the argument count of the backend, its flags, and the Google
/// credentials file (returned, read).
pub fn check_storage(
    flags: &StorageFlags,
    read_file: ReadFile,
) -> Result<Option<String>, Diagnostics> {
    let mut p = Problems::default();
    let target = flags.target;
    let (required, optional) = target.positionals();
    let count = flags.args.len();
    let mut credentials = None;
    if count < required.len() || count > required.len() + optional.len() {
        let expected = if optional.is_empty() {
            required.len().to_string()
        } else {
            format!("{} or {}", required.len(), required.len() + optional.len())
        };
        let names: Vec<String> = required
            .iter()
            .map(|n| (*n).to_owned())
            .chain(optional.iter().map(|n| format!("[{n}]")))
            .collect();
        p.general(
            format!(
                "deploy storage {} expects {expected} arguments ({}), got {count}",
                target.as_str(),
                names.join(" ")
            ),
            format!(
                "usage: paddock deploy storage {} {}",
                target.as_str(),
                names.join(" ")
            ),
        );
    } else {
        for (name, value) in required.iter().zip(&flags.args) {
            if value.trim().is_empty() {
                p.flag(name, "is empty", None);
            }
        }
        if target == StorageTarget::Google {
            let path = &flags.args[1];
            match read_file(path) {
                Ok(text) if !text.trim().is_empty() => credentials = Some(text),
                Ok(_) => p.flag("<credentials-file>", format!("{path:?} is empty"), None),
                Err(why) => p.flag(
                    "<credentials-file>",
                    format!("cannot read {path:?}: {why}"),
                    None,
                ),
            }
        }
    }
    let minio_like = matches!(target, StorageTarget::Minio | StorageTarget::S3);
    if flags.is_s3_v2 && !minio_like {
        p.flag(
            "--isS3V2",
            format!(
                "only applies to the minio and s3 backends, not {}",
                target.as_str()
            ),
            None,
        );
    }
    if flags.secure && !minio_like {
        p.flag(
            "-s/--secure",
            format!(
                "only applies to the minio and s3 backends, not {}",
                target.as_str()
            ),
            None,
        );
    } else if flags.secure && target == StorageTarget::S3 && !flags.is_s3_v2 {
        p.flag(
            "-s/--secure",
            "only applies with --isS3V2",
            Some("the default S3v4 driver already connects to the endpoint with TLS"),
        );
    }
    check_namespace(&flags.namespace, &mut p);
    p.finish(credentials)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_files(_: &str) -> Result<String, String> {
        Err("no such file".into())
    }

    fn flags() -> CustomFlags {
        let mut f = CustomFlags::new(
            [
                "foobar",
                "10",
                "b",
                "AKIDEXAMPLE",
                "wJalrXUtnFEMIK7MDENG",
                "minio:9000",
            ]
            .map(String::from)
            .to_vec(),
        );
        f.dynamic_etcd_nodes = Some(1);
        f
    }

    fn messages(flags: &CustomFlags) -> Vec<String> {
        match check_custom(flags, &no_files) {
            Ok(_) => Vec::new(),
            Err(d) => d.0.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn the_seed_example_passes_with_a_warning_about_the_first_argument() {
        let checked = check_custom(&flags(), &no_files).unwrap();
        assert_eq!(checked.volume_size, 10);
        assert_eq!(checked.warnings.len(), 1);
        assert!(checked.warnings[0].contains("\"foobar\") is unused"));
    }

    #[test]
    fn argument_count_is_exact() {
        let mut f = flags();
        f.args.pop();
        let m = messages(&f);
        assert!(m[0].starts_with("expected 6 arguments"), "{m:?}");
        assert!(
            !m[0].contains("wJalrXUtnFEMIK7MDENG"),
            "secret echoed: {m:?}"
        );
        f.args.extend(["x".into(), "y".into(), "z".into()]);
        assert!(messages(&f)[0].contains("got 8"));
    }

    #[test]
    fn etcd_modes_exclude_each_other() {
        let mut f = flags();
        f.static_etcd_volume = Some("disk".into());
        assert!(messages(&f)[0].contains("not both"));
        f.dynamic_etcd_nodes = None;
        f.static_etcd_volume = None;
        assert!(messages(&f)[0].contains("either --dynamic-etcd-nodes or --static-etcd-volume"));
        f.dashboard_only = true;
        assert!(messages(&f).is_empty());
    }

    #[test]
    fn static_volume_takes_no_storage_class() {
        let mut f = flags();
        f.dynamic_etcd_nodes = None;
        f.static_etcd_volume = Some("foobar".into());
        f.etcd_storage_class = Some("fast".into());
        assert_eq!(
            messages(&f),
            [
                "--etcd-storage-class: only applies with --dynamic-etcd-nodes\n  help: a static volume is an existing disk and uses no StorageClass"
            ]
        );
    }

    #[test]
    fn several_problems_are_reported_at_once() {
        let mut f = flags();
        f.args[1] = "ten".into();
        f.secure = true;
        f.pachd_memory_request = Some("2GB".into());
        f.etcd_cpu_request = Some("0".into());
        f.shards = Some(0);
        f.namespace = "Prod".into();
        let m = messages(&f);
        let flags: Vec<&str> = m.iter().map(|l| l.split(':').next().unwrap()).collect();
        assert_eq!(
            flags,
            [
                "<pv-size-GB>",
                "-s/--secure",
                "--etcd-cpu-request",
                "--pachd-memory-request",
                "--shards",
                "--namespace"
            ]
        );
    }

    #[test]
    fn more_than_one_member_warns() {
        let mut f = flags();
        f.dynamic_etcd_nodes = Some(3);
        let w = check_custom(&f, &no_files).unwrap().warnings;
        assert!(w[0].contains("recommends a single etcd member"), "{w:?}");
        f.dynamic_etcd_nodes = Some(0);
        assert!(messages(&f)[0].starts_with("--dynamic-etcd-nodes: must be at least 1"));
    }

    #[test]
    fn tls_files_must_exist_and_hold_pem() {
        let files = |path: &str| match path {
            "cert.pem" => {
                Ok("-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n".into())
            }
            "key.pem" => Ok(
                "-----BEGIN PRIVATE KEY-----\nsecret-material\n-----END PRIVATE KEY-----\n".into(),
            ),
            "notes.txt" => Ok("secret-material".into()),
            _ => Err("no such file".into()),
        };
        let mut f = flags();
        f.tls = Some("cert.pem,key.pem".into());
        let (cert, key) = check_custom(&f, &files).unwrap().tls.unwrap();
        assert!(cert.contains("CERTIFICATE") && key.contains("PRIVATE KEY"));
        f.tls = Some("missing.pem,key.pem".into());
        let m = check_custom(&f, &files).unwrap_err().to_string();
        assert!(
            m.contains("--tls: cannot read the certificate \"missing.pem\": no such file"),
            "{m}"
        );
        f.tls = Some("cert.pem,notes.txt".into());
        let m = check_custom(&f, &files).unwrap_err().to_string();
        assert!(
            m.contains("\"notes.txt\" does not hold a PEM private key"),
            "{m}"
        );
        assert!(!m.contains("secret-material"));
        f.tls = Some("cert.pem".into());
        assert!(
            check_custom(&f, &files)
                .unwrap_err()
                .to_string()
                .contains("takes \"<cert path>,<key path>\"")
        );
    }

    #[test]
    fn storage_arguments_follow_the_backend() {
        let base = StorageFlags {
            target: StorageTarget::Amazon,
            args: ["us-east-1", "b", "id", "SECRETVALUE"]
                .map(String::from)
                .to_vec(),
            is_s3_v2: false,
            secure: false,
            namespace: "default".into(),
        };
        assert!(check_storage(&base, &no_files).is_ok());
        let mut five = base.clone();
        five.args.push("token".into());
        assert!(check_storage(&five, &no_files).is_ok());
        let mut three = base.clone();
        three.args.truncate(3);
        let m = check_storage(&three, &no_files).unwrap_err().to_string();
        assert!(m.contains("expects 4 or 5 arguments"), "{m}");
        let mut v2 = base.clone();
        v2.is_s3_v2 = true;
        assert!(
            check_storage(&v2, &no_files)
                .unwrap_err()
                .to_string()
                .contains("--isS3V2")
        );
        let google = StorageFlags {
            target: StorageTarget::Google,
            args: ["b", "key.json"].map(String::from).to_vec(),
            ..base
        };
        let m = check_storage(&google, &no_files).unwrap_err().to_string();
        assert!(m.contains("cannot read \"key.json\""), "{m}");
        let read = |_: &str| Ok::<_, String>("{\"type\": \"service_account\"}".to_owned());
        assert!(check_storage(&google, &read).unwrap().is_some());
    }
}

#[cfg(test)]
mod unit_tests {
    use super::unit_surprise;

    #[test]
    fn surprising_units_are_warned_about() {
        assert!(unit_surprise("--pachd-memory-request", "500m").is_some());
        assert!(unit_surprise("--etcd-cpu-request", "1.5Gi").is_some());
        assert!(unit_surprise("--pachd-memory-request", "2Gi").is_none());
        assert!(unit_surprise("--pachd-cpu-request", "500m").is_none());
        assert!(unit_surprise("--etcd-cpu-request", "1").is_none());
    }
}
