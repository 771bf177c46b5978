//! pachctl's configuration file (`~/.pachyderm/config.json`, or `$PACH_CONFIG`): the address
//! pachctl uses for a deployment behind the one-port proxy, and an update of the file that
//! keeps everything else in it (other contexts, tokens, unknown fields) as it was.
//!
//! The v2 format: `{"user_id": ..., "v2": {"active_context": NAME, "contexts": {NAME:
//! {"pachd_address": "grpc://host:port", ...}}, "metrics": true}}`.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::diagnostic::Diagnostic;
use crate::platform::model::Values;

/// The environment variable pachctl reads its config path from.
pub const CONFIG_ENV: &str = "PACH_CONFIG";

/// A context to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextRequest {
    /// The context's name.
    pub name: String,
    /// `grpc://host:port` or `grpcs://host:port`.
    pub pachd_address: String,
    /// Trusted CA certificates (base64 of PEM), for a proxy certificate no system trusts.
    pub server_cas: Option<String>,
    /// Replace a context of the same name that differs.
    pub overwrite: bool,
    /// Make it the active context.
    pub activate: bool,
}

/// What an update did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The file did not exist and was created.
    CreatedFile,
    /// The context was added.
    Added,
    /// A different context of that name was replaced (`overwrite`).
    Replaced,
    /// The context was already exactly this.
    Unchanged,
}

/// The outcome of [`update_config`].
#[derive(Debug, Clone, PartialEq)]
pub struct Updated {
    /// The whole new document.
    pub document: Value,
    /// What happened to the context.
    pub change: Change,
    /// Whether the context is now the active one.
    pub active: bool,
}

/// The pachd address pachctl should use: from `address` (`HOST`, `HOST:PORT` or
/// `grpc[s]://HOST[:PORT]`), else the public host in `values` (`ingress.host` when the Ingress
/// is on, else `proxy.host`). Scheme and default port follow the TLS settings: `grpcs://` on
/// `proxy.service.httpsPort` with `proxy.tls.enabled`, 443 behind a TLS Ingress, 80 behind a
/// plain one, else `grpc://` on `proxy.service.httpPort`.
pub fn pachd_address(values: &Values, address: Option<&str>) -> Result<String, Diagnostic> {
    let proxy = &values.proxy;
    let ingress = values.ingress.enabled;
    let (mut tls, default_port) = if proxy.tls.enabled {
        (true, proxy.service.https_port)
    } else if ingress && values.ingress.tls.enabled {
        (true, 443)
    } else if ingress {
        (false, 80)
    } else {
        (false, proxy.service.http_port)
    };
    let (given, key) = match address.map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => (a.to_owned(), "--address"),
        None if ingress && !values.ingress.host.is_empty() => {
            (values.ingress.host.clone(), "ingress.host")
        }
        None if !proxy.host.is_empty() => (proxy.host.clone(), "proxy.host"),
        None => {
            return Err(Diagnostic::bad_input(
                "no address for the proxy: pass --address, set proxy.host in the values, or give a kubeconfig to read it from the cluster",
            )
            .with_help(
                "the proxy Service's external IP or DNS name, e.g. --address 203.0.113.7 \
                 (kubectl get service pachyderm-proxy shows it)",
            ));
        }
    };
    let mut rest = given.as_str();
    if let Some((scheme, after)) = given.split_once("://") {
        tls = match scheme {
            "grpc" => false,
            "grpcs" => true,
            other => {
                return Err(Diagnostic::bad_input(format!(
                    "{key}: scheme `{other}://` is not one pachctl uses"
                ))
                .with_help("use grpc://, grpcs:// or just HOST[:PORT]"));
            }
        };
        rest = after;
    }
    let rest = rest.trim_end_matches('/');
    let (host, port) = split_host_port(rest).ok_or_else(|| {
        Diagnostic::bad_input(format!("{key}: {given:?} is not HOST or HOST:PORT"))
            .with_help("e.g. pachyderm.example.com, 203.0.113.7:8080 or [2001:db8::7]:80")
    })?;
    let port = match port {
        Some(p) => p,
        None => u16::try_from(default_port).map_err(|_| {
            Diagnostic::bad_input(format!("port {default_port} is out of range"))
                .at_path("proxy.service")
        })?,
    };
    let scheme = if tls { "grpcs" } else { "grpc" };
    Ok(format!("{scheme}://{host}:{port}"))
}

/// Splits `host`, `host:port`, `[v6]` or `[v6]:port`; None when it is none of those.
fn split_host_port(text: &str) -> Option<(String, Option<u16>)> {
    let valid_host = |h: &str| {
        !h.is_empty()
            && h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    };
    if let Some(v6) = text.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        if host.is_empty() || !host.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
            return None;
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?.parse().ok().filter(|p| *p > 0)?),
        };
        return Some((format!("[{host}]"), port));
    }
    match text.split_once(':') {
        None => valid_host(text).then(|| (text.to_owned(), None)),
        Some((host, port)) => {
            let port: u16 = port.parse().ok().filter(|p| *p > 0)?;
            valid_host(host).then(|| (host.to_owned(), Some(port)))
        }
    }
}

/// The config file pachctl reads: `$PACH_CONFIG`, else `~/.pachyderm/config.json`.
pub fn config_path(
    pach_config: Option<PathBuf>,
    home: Option<PathBuf>,
) -> Result<PathBuf, Diagnostic> {
    if let Some(p) = pach_config.filter(|p| !p.as_os_str().is_empty()) {
        return Ok(p);
    }
    home.filter(|h| !h.as_os_str().is_empty())
        .map(|h| h.join(".pachyderm").join("config.json"))
        .ok_or_else(|| {
            Diagnostic::bad_input(
                "cannot find pachctl's config: neither PACH_CONFIG nor HOME is set",
            )
        })
}

/// Reads the config file; None when it does not exist yet.
pub fn read_config(path: &Path) -> Result<Option<Value>, Diagnostic> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Diagnostic::failed(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        Diagnostic::bad_input(format!(
            "{}:{}:{}: not pachctl's JSON config: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })
}

fn shape_error(path: &str, what: &str) -> Diagnostic {
    Diagnostic::bad_input(format!("pachctl config: `{path}` is not {what}"))
        .with_help("fix or move the file; paddock only changes well-formed v2 configs")
}

/// Adds (or with `overwrite` replaces) the context and, with `activate` or when no context is
/// active yet, makes it the active one. Everything else in the document is kept. `new_user_id`
/// is called when a new file needs pachctl's random `user_id`.
pub fn update_config(
    existing: Option<Value>,
    request: &ContextRequest,
    new_user_id: impl FnOnce() -> String,
) -> Result<Updated, Diagnostic> {
    let created = existing.is_none();
    let mut document = existing.unwrap_or_else(|| json!({ "user_id": new_user_id() }));
    let root = document
        .as_object_mut()
        .ok_or_else(|| shape_error("(root)", "an object"))?;
    if !root.contains_key("v2") {
        if root.contains_key("v1") {
            return Err(Diagnostic::bad_input(
                "pachctl config is in the old v1 format",
            )
            .with_help("run any pachctl 2.x command once (e.g. `pachctl config get active-context`) to upgrade it"));
        }
        root.insert("v2".into(), json!({ "metrics": true }));
    }
    let v2 = root["v2"]
        .as_object_mut()
        .ok_or_else(|| shape_error("v2", "an object"))?;
    let contexts = v2
        .entry("contexts")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(|| shape_error("v2.contexts", "an object"))?;
    let mut wanted = Map::new();
    wanted.insert("pachd_address".into(), json!(request.pachd_address));
    if let Some(cas) = &request.server_cas {
        wanted.insert("server_cas".into(), json!(cas));
    }
    let change = match contexts.get(&request.name) {
        None => Change::Added,
        Some(Value::Object(current))
            if wanted.iter().all(|(k, v)| current.get(k) == Some(v))
                && (request.server_cas.is_some() || !current.contains_key("server_cas")) =>
        {
            Change::Unchanged
        }
        Some(current) if !request.overwrite => {
            let address = current["pachd_address"].as_str().unwrap_or("(none)");
            return Err(Diagnostic::bad_input(format!(
                "pachctl context `{}` already exists (pachd_address {address})",
                request.name
            ))
            .with_help("pass --overwrite to replace it, or pick another context name"));
        }
        Some(_) => Change::Replaced,
    };
    if change != Change::Unchanged {
        contexts.insert(request.name.clone(), Value::Object(wanted));
    }
    let no_active = v2
        .get("active_context")
        .and_then(Value::as_str)
        .is_none_or(|a| a.is_empty() || !v2_has_context(v2, a));
    if request.activate || no_active {
        v2.insert("active_context".into(), json!(request.name));
    }
    let active = v2.get("active_context").and_then(Value::as_str) == Some(request.name.as_str());
    Ok(Updated {
        document,
        change: if created { Change::CreatedFile } else { change },
        active,
    })
}

fn v2_has_context(v2: &Map<String, Value>, name: &str) -> bool {
    v2.get("contexts")
        .and_then(Value::as_object)
        .is_some_and(|c| c.contains_key(name))
}

/// A random version-4 UUID, as pachctl puts in `user_id`.
pub fn random_uuid() -> Result<String, Diagnostic> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b)
        .map_err(|e| Diagnostic::failed(format!("no randomness available: {e}")))?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

/// Writes `document` to `path` atomically: a private (0600) temporary file in the same
/// directory, flushed to disk, then renamed over the old file. `create_parent` makes the
/// directory (0700) when missing, as pachctl does for its default location only.
pub fn write_config(path: &Path, document: &Value, create_parent: bool) -> Result<(), Diagnostic> {
    let failed = |what: &str, e: std::io::Error| {
        Diagnostic::failed(format!("cannot {what} {}: {e}", path.display()))
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        if !create_parent {
            return Err(Diagnostic::bad_input(format!(
                "cannot write {}: directory {} does not exist",
                path.display(),
                dir.display()
            ))
            .with_help(format!("create it, or point {CONFIG_ENV} elsewhere")));
        }
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .map_err(|e| failed("create the directory of", e))?;
    }
    let mut text = serde_json::to_string_pretty(document).expect("JSON values serialize");
    text.push('\n');
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "config.json".into());
    let temp = dir.join(format!(".{file_name}.paddock-{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let _ = std::fs::remove_file(&temp);
    let result = options
        .open(&temp)
        .and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&temp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temp);
        return Err(failed("write", e));
    }
    // Make the rename itself durable; not every platform can sync a directory.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;
    use crate::platform::{STACK, typed_values};
    use crate::values::parse_values;

    fn values(yaml: &str) -> Values {
        let stack = catalog::builtin_stack(STACK).unwrap();
        typed_values(&stack, &parse_values(yaml, "v.yaml").unwrap()).unwrap()
    }

    fn request(name: &str, address: &str) -> ContextRequest {
        ContextRequest {
            name: name.into(),
            pachd_address: address.into(),
            server_cas: None,
            overwrite: false,
            activate: false,
        }
    }

    #[test]
    fn addresses_follow_ports_and_tls() {
        let plain = values("{}");
        assert_eq!(
            pachd_address(&plain, Some("127.0.0.1")).unwrap(),
            "grpc://127.0.0.1:80"
        );
        assert_eq!(
            pachd_address(&plain, Some("example.com:8080")).unwrap(),
            "grpc://example.com:8080"
        );
        assert_eq!(
            pachd_address(&plain, Some("grpcs://example.com")).unwrap(),
            "grpcs://example.com:80"
        );
        assert_eq!(
            pachd_address(&plain, Some("[::1]")).unwrap(),
            "grpc://[::1]:80"
        );
        let tls = values(
            "proxy: {host: pach.example.com, tls: {enabled: true, secretName: s}, service: {httpsPort: 8443}}",
        );
        assert_eq!(
            pachd_address(&tls, None).unwrap(),
            "grpcs://pach.example.com:8443"
        );
        let ingress = values(
            "ingress: {enabled: true, host: i.example.com, tls: {enabled: true, secretName: x}}",
        );
        assert_eq!(
            pachd_address(&ingress, None).unwrap(),
            "grpcs://i.example.com:443"
        );
        let port = values("proxy: {service: {httpPort: 30080}}");
        assert_eq!(
            pachd_address(&port, Some("10.0.0.1")).unwrap(),
            "grpc://10.0.0.1:30080"
        );
    }

    #[test]
    fn bad_addresses_are_explained() {
        let v = values("{}");
        assert!(
            pachd_address(&v, None)
                .unwrap_err()
                .message
                .contains("--address")
        );
        for bad in ["http://x", "a b", "host:0", "host:99999", "[zz]:1", "x/y"] {
            let err = pachd_address(&v, Some(bad)).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn a_new_file_gets_the_context_active() {
        let u = update_config(None, &request("local", "grpc://127.0.0.1:80"), || {
            "uid".into()
        })
        .unwrap();
        assert_eq!(u.change, Change::CreatedFile);
        assert!(u.active);
        assert_eq!(
            u.document,
            json!({"user_id": "uid", "v2": {"metrics": true, "contexts": {"local": {"pachd_address": "grpc://127.0.0.1:80"}}, "active_context": "local"}})
        );
    }

    #[test]
    fn other_contexts_and_fields_are_kept() {
        let existing = json!({
            "user_id": "u1",
            "v2": {
                "active_context": "prod",
                "contexts": {
                    "prod": {"pachd_address": "grpcs://prod:443", "session_token": "t"},
                },
                "metrics": false,
                "max_shell_completions": 64
            },
            "unknown": [1]
        });
        let u = update_config(
            Some(existing.clone()),
            &request("dev", "grpc://dev:80"),
            || unreachable!(),
        )
        .unwrap();
        assert_eq!(u.change, Change::Added);
        assert!(
            !u.active,
            "an active context is only replaced with --activate"
        );
        let mut want = existing;
        want["v2"]["contexts"]["dev"] = json!({"pachd_address": "grpc://dev:80"});
        assert_eq!(u.document, want);
    }

    #[test]
    fn existing_contexts_need_overwrite_unless_identical() {
        let existing = json!({"v2": {"active_context": "a", "contexts": {"a": {"pachd_address": "grpc://old:80", "session_token": "t"}}}});
        let err = update_config(
            Some(existing.clone()),
            &request("a", "grpc://new:80"),
            String::new,
        )
        .unwrap_err();
        assert!(err.message.contains("already exists"), "{err}");
        assert!(err.help.unwrap().contains("--overwrite"));
        let same = update_config(
            Some(existing.clone()),
            &request("a", "grpc://old:80"),
            String::new,
        )
        .unwrap();
        assert_eq!(same.change, Change::Unchanged);
        assert_eq!(
            same.document, existing,
            "an identical context keeps its token"
        );
        let mut r = request("a", "grpc://new:80");
        r.overwrite = true;
        r.activate = true;
        let replaced = update_config(Some(existing), &r, String::new).unwrap();
        assert_eq!(replaced.change, Change::Replaced);
        assert_eq!(
            replaced.document["v2"]["contexts"]["a"],
            json!({"pachd_address": "grpc://new:80"})
        );
        assert!(replaced.active);
    }

    #[test]
    fn activate_switches_the_active_context() {
        let existing = json!({"v2": {"active_context": "a", "contexts": {"a": {}}}});
        let mut r = request("b", "grpc://b:80");
        r.activate = true;
        let u = update_config(Some(existing), &r, String::new).unwrap();
        assert_eq!(u.document["v2"]["active_context"], "b");
    }

    #[test]
    fn malformed_documents_are_refused() {
        let r = request("a", "grpc://a:80");
        assert!(update_config(Some(json!([])), &r, String::new).is_err());
        assert!(update_config(Some(json!({"v2": {"contexts": []}})), &r, String::new).is_err());
        let v1 = update_config(Some(json!({"v1": {"pachd_address": "x"}})), &r, String::new)
            .unwrap_err();
        assert!(v1.message.contains("v1"));
    }

    #[test]
    fn paths_follow_pach_config() {
        assert_eq!(
            config_path(Some("/x/c.json".into()), Some("/home/u".into())).unwrap(),
            PathBuf::from("/x/c.json")
        );
        assert_eq!(
            config_path(None, Some("/home/u".into())).unwrap(),
            PathBuf::from("/home/u/.pachyderm/config.json")
        );
        assert!(config_path(None, None).is_err());
    }

    #[test]
    fn writes_are_atomic_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/config.json");
        assert!(
            write_config(&path, &json!({}), false).is_err(),
            "no parent, no create"
        );
        write_config(&path, &json!({"a": 1}), true).unwrap();
        write_config(&path, &json!({"a": 2}), true).unwrap();
        assert_eq!(read_config(&path).unwrap(), Some(json!({"a": 2})));
        let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert_eq!(read_config(&dir.path().join("none.json")).unwrap(), None);
        std::fs::write(dir.path().join("bad.json"), "{\n  nope").unwrap();
        let err = read_config(&dir.path().join("bad.json")).unwrap_err();
        assert!(err.message.contains("bad.json:2:"), "{err}");
    }

    #[test]
    fn uuids_are_version_4() {
        let u = random_uuid().unwrap();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }
}
