//! A minimal image assembled locally (no registry): static busybox and its applets, plus
//! optional extra files, imported through the Engine API and tagged by content hash.

use std::path::{Path, PathBuf};

use bollard::query_parameters::{CreateImageOptions, TagImageOptions};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::backend::{api_message, block_on, Backend};
use crate::error::ContainerError;

/// The repository name of jailwright's images.
pub const IMAGE_REPO: &str = "jailwright-test";

/// What goes into a busybox image.
#[derive(Clone, Debug)]
pub struct ImageSpec {
    /// The static busybox binary on this host.
    pub busybox: PathBuf,
    /// Extra files: (host path, absolute path in the image), installed mode 0755.
    pub extra_files: Vec<(PathBuf, String)>,
}

impl Default for ImageSpec {
    fn default() -> ImageSpec {
        ImageSpec {
            busybox: find_busybox().unwrap_or_else(|| PathBuf::from("/bin/busybox")),
            extra_files: Vec::new(),
        }
    }
}

/// A static busybox on this host (`/bin/busybox`, Debian's `busybox-static`).
pub fn find_busybox() -> Option<PathBuf> {
    ["/bin/busybox", "/usr/bin/busybox", "/usr/local/bin/busybox"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

fn read(path: &Path) -> Result<Vec<u8>, ContainerError> {
    std::fs::read(path)
        .map_err(|e| ContainerError::io(format!("cannot read {}", path.display()), e))
}

fn applets(busybox: &Path) -> Result<Vec<String>, ContainerError> {
    let out = std::process::Command::new(busybox)
        .arg("--list")
        .output()
        .map_err(|e| ContainerError::io(format!("cannot run {} --list", busybox.display()), e))?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .filter(|a| !a.is_empty() && *a != "busybox" && !a.contains('/'))
        .map(str::to_string)
        .collect())
}

/// The root filesystem as a tar archive, and its tag (`jailwright-test:<sha256 prefix>`).
pub fn rootfs_tar(spec: &ImageSpec) -> Result<(Vec<u8>, String), ContainerError> {
    let busybox = read(&spec.busybox)?;
    let applets = applets(&spec.busybox)?;
    let mut extra = Vec::new();
    for (host, dst) in &spec.extra_files {
        if !dst.starts_with('/') || dst.contains("..") {
            return Err(ContainerError::InvalidOptions(format!(
                "image path `{dst}` must be absolute and without `..`"
            )));
        }
        extra.push((read(host)?, dst.trim_start_matches('/').to_string()));
    }
    let io = |e| ContainerError::io("cannot assemble the image's root filesystem", e);
    let mut b = tar::Builder::new(Vec::new());
    let header = |path: &str, kind: tar::EntryType, mode: u32, size: u64| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_size(size);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(0);
        let _ = h.set_path(path);
        h
    };
    for d in [
        "bin", "etc", "tmp", "proc", "sys", "dev", "root", "home", "usr", "usr/bin",
    ] {
        let mode = if d == "tmp" { 0o1777 } else { 0o755 };
        let mut h = header(d, tar::EntryType::Directory, mode, 0);
        h.set_cksum();
        b.append(&h, std::io::empty()).map_err(io)?;
    }
    let mut h = header(
        "bin/busybox",
        tar::EntryType::Regular,
        0o755,
        busybox.len() as u64,
    );
    h.set_cksum();
    b.append(&h, busybox.as_slice()).map_err(io)?;
    for a in &applets {
        let mut h = header(&format!("bin/{a}"), tar::EntryType::Symlink, 0o777, 0);
        h.set_link_name("busybox").map_err(io)?;
        h.set_cksum();
        b.append(&h, std::io::empty()).map_err(io)?;
    }
    let passwd = b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/tmp:/bin/sh\n";
    let group = b"root:x:0:\nnogroup:x:65534:\n";
    for (p, data) in [("etc/passwd", &passwd[..]), ("etc/group", &group[..])] {
        let mut h = header(p, tar::EntryType::Regular, 0o644, data.len() as u64);
        h.set_cksum();
        b.append(&h, data).map_err(io)?;
    }
    for (data, dst) in &extra {
        if let Some(parent) = Path::new(dst)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            let mut h = header(
                &parent.to_string_lossy(),
                tar::EntryType::Directory,
                0o755,
                0,
            );
            h.set_cksum();
            b.append(&h, std::io::empty()).map_err(io)?;
        }
        let mut h = header(dst, tar::EntryType::Regular, 0o755, data.len() as u64);
        h.set_cksum();
        b.append(&h, data.as_slice()).map_err(io)?;
    }
    let tar = b.into_inner().map_err(io)?;
    let digest = Sha256::digest(&tar);
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    Ok((tar, format!("{IMAGE_REPO}:{hex}")))
}

/// Imports the image unless a daemon already has it; returns its reference.
pub(crate) async fn ensure_image_async(
    backend: &Backend,
    spec: &ImageSpec,
) -> Result<String, ContainerError> {
    let (tar, reference) = rootfs_tar(spec)?;
    let docker = backend.connect().await?;
    if docker.inspect_image(&reference).await.is_ok() {
        return Ok(reference);
    }
    let tag = reference.rsplit(':').next().unwrap_or("latest").to_string();
    let opts = CreateImageOptions {
        from_src: Some("-".into()),
        repo: Some(IMAGE_REPO.into()),
        tag: Some(tag.clone()),
        ..Default::default()
    };
    let mut stream = docker.create_image(Some(opts), Some(bollard::body_full(tar.into())), None);
    let mut id = None;
    while let Some(item) = stream.next().await {
        let info = item.map_err(|e| ContainerError::Api {
            backend: backend.name(),
            operation: "import image",
            message: api_message(&e),
        })?;
        if let Some(s) = info.status.as_deref().or(info.id.as_deref()) {
            if s.starts_with("sha256:") {
                id = Some(s.to_string());
            }
        }
    }
    if docker.inspect_image(&reference).await.is_err() {
        // Podman 4's compat import ignores `tag`; tag the new image explicitly.
        let id = id.ok_or_else(|| ContainerError::Api {
            backend: backend.name(),
            operation: "import image",
            message: "the daemon did not return the imported image's id".into(),
        })?;
        docker
            .tag_image(
                &id,
                Some(TagImageOptions {
                    repo: Some(IMAGE_REPO.into()),
                    tag: Some(tag),
                }),
            )
            .await
            .map_err(|e| ContainerError::Api {
                backend: backend.name(),
                operation: "tag image",
                message: api_message(&e),
            })?;
    }
    Ok(reference)
}

/// Makes sure the daemon has a busybox image built from `spec` and returns its reference
/// (`jailwright-test:<hash>`); imports it the first time (blocking).
pub fn ensure_image(backend: &Backend, spec: &ImageSpec) -> Result<String, ContainerError> {
    block_on(ensure_image_async(backend, spec))?
}
