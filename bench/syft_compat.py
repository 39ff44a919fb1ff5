#!/usr/bin/env python3
"""Helpers for bench/syft_compat.sh (standard library only).

  syft_compat.py pack LAYER_TAR OUT_ARCHIVE REPO_TAG
      Wraps one layer tar (made by `tar --numeric-owner --xattrs -C ROOT -cf`)
      into a real classic `docker save` archive: `<id>/layer.tar`,
      `<id>/VERSION`, `<id>/json`, `<config sha256>.json` (rootfs.diff_ids =
      the layer's sha256, a history entry), `manifest.json` (RepoTags) and
      `repositories`. The outer tar is written by GNU tar too.

  syft_compat.py pack-oci LAYER_TAR OUT_DIR REF_NAME
      The same layer as an OCI image layout directory (`oci-layout`,
      `index.json`, `blobs/sha256/…`) with the layer gzip-compressed
      (application/vnd.oci.image.layer.v1.tar+gzip), as registries serve it.

  syft_compat.py diff NAME SYFT_JSON DRYDOCK_CDX [--json OUT]
      Extracts (name, version, type) from `syft -o syft-json` artifacts and
      from drydock's CycloneDX components (type = property
      `drydock:package:type`), prints counts per type and every difference;
      exit status 0 when the sets are identical, 1 otherwise.
"""

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def pack(layer_tar, out, tag):
    diff_id = sha256_file(layer_tar)
    created = "2026-01-01T00:00:00Z"
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": created,
        "config": {
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "Cmd": ["/bin/sh"],
        },
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff_id]},
        "history": [{"created": created, "created_by": "bench/syft_compat.sh: " + tag}],
    }
    cfg_bytes = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
    cfg_id = hashlib.sha256(cfg_bytes).hexdigest()
    # The classic per-layer directory name (a v1 id); any 64-hex id works.
    layer_id = hashlib.sha256(("layer:" + diff_id).encode()).hexdigest()
    repo, _, tagname = tag.rpartition(":")
    with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(out))) as d:
        os.mkdir(os.path.join(d, layer_id))
        os.link(layer_tar, os.path.join(d, layer_id, "layer.tar"))
        with open(os.path.join(d, layer_id, "VERSION"), "w") as f:
            f.write("1.0")
        with open(os.path.join(d, layer_id, "json"), "w") as f:
            json.dump({"id": layer_id, "created": created, "os": "linux"}, f)
        with open(os.path.join(d, cfg_id + ".json"), "wb") as f:
            f.write(cfg_bytes)
        manifest = [
            {
                "Config": cfg_id + ".json",
                "RepoTags": [tag],
                "Layers": [layer_id + "/layer.tar"],
            }
        ]
        with open(os.path.join(d, "manifest.json"), "w") as f:
            json.dump(manifest, f)
        with open(os.path.join(d, "repositories"), "w") as f:
            json.dump({repo: {tagname: layer_id}}, f)
        tmp = out + ".tmp"
        subprocess.run(
            ["tar", "--numeric-owner", "--owner=0", "--group=0", "-C", d, "-cf", tmp,
             cfg_id + ".json", layer_id, "manifest.json", "repositories"],
            check=True,
        )
        os.replace(tmp, out)
    print(f"{out}: layer sha256:{diff_id[:12]}, config {cfg_id[:12]}, {os.path.getsize(out)} bytes")


# (tool, name, version, type) -> purls, filled by syft_set / drydock_set.
PURLS = {}


def pack_oci(layer_tar, out_dir, ref):
    import gzip
    import shutil

    diff_id = sha256_file(layer_tar)
    tmp = out_dir + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    blobs = os.path.join(tmp, "blobs", "sha256")
    os.makedirs(blobs)
    gz_tmp = os.path.join(tmp, "layer.tar.gz")
    with open(layer_tar, "rb") as src, open(gz_tmp, "wb") as raw:
        # mtime=0: reproducible bytes for the same layer.
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz:
            shutil.copyfileobj(src, gz, 1 << 20)
    layer_digest = sha256_file(gz_tmp)
    os.replace(gz_tmp, os.path.join(blobs, layer_digest))

    def blob(obj):
        b = json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()
        d = hashlib.sha256(b).hexdigest()
        with open(os.path.join(blobs, d), "wb") as f:
            f.write(b)
        return d, len(b)

    created = "2026-01-01T00:00:00Z"
    cfg_d, cfg_n = blob({
        "architecture": "amd64",
        "os": "linux",
        "created": created,
        "config": {"Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff_id]},
        "history": [{"created": created, "created_by": "bench/syft_compat.sh: " + ref}],
    })
    man_d, man_n = blob({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": "sha256:" + cfg_d, "size": cfg_n},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": "sha256:" + layer_digest,
                    "size": os.path.getsize(os.path.join(blobs, layer_digest))}],
    })
    with open(os.path.join(tmp, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(tmp, "index.json"), "w") as f:
        json.dump({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": "sha256:" + man_d, "size": man_n,
                "platform": {"architecture": "amd64", "os": "linux"},
                "annotations": {"org.opencontainers.image.ref.name": ref},
            }],
        }, f)
    size = os.path.getsize(os.path.join(blobs, layer_digest))
    shutil.rmtree(out_dir, ignore_errors=True)
    os.replace(tmp, out_dir)
    print(f"{out_dir}: OCI layout, gzip layer sha256:{layer_digest[:12]} ({size} bytes)")


def syft_set(path):
    with open(path) as f:
        doc = json.load(f)
    out = Counter()
    locs = {}
    for a in doc.get("artifacts", []):
        key = (a.get("name", ""), a.get("version", ""), a.get("type", ""))
        out[key] += 1
        locs.setdefault(key, [l.get("path", "") for l in a.get("locations", [])])
        PURLS.setdefault(("syft",) + key, set()).add(a.get("purl", ""))
    return out, locs


def drydock_set(path):
    with open(path) as f:
        doc = json.load(f)
    out = Counter()
    locs = {}
    for c in doc.get("components", []):
        if c.get("type") == "operating-system":
            continue  # the distro; compared separately (Syft's `distro`)
        props = {p.get("name"): p.get("value") for p in c.get("properties", [])}
        key = (c.get("name", ""), c.get("version", ""), props.get("drydock:package:type", "?"))
        out[key] += 1
        locs.setdefault(key, [props.get("drydock:location:path", "")])
        PURLS.setdefault(("drydock",) + key, set()).add(c.get("purl", ""))
    return out, locs


def os_pair(syft_json, cdx):
    with open(syft_json) as f:
        distro = json.load(f).get("distro") or {}
    with open(cdx) as f:
        comps = [c for c in json.load(f).get("components", []) if c.get("type") == "operating-system"]
    s = (distro.get("id", ""), distro.get("versionID", ""))
    d = (comps[0].get("name", ""), comps[0].get("version", "")) if comps else ("", "")
    return s, d


def diff(name, syft_json, cdx, json_out=None):
    s, slocs = syft_set(syft_json)
    d, dlocs = drydock_set(cdx)
    sset, dset = set(s), set(d)
    print(f"== {name}: syft {sum(s.values())} packages ({len(sset)} distinct), "
          f"drydock {sum(d.values())} packages ({len(dset)} distinct), common {len(sset & dset)}")
    sos, dos = os_pair(syft_json, cdx)
    print(f"   os (id, version): syft {sos}, drydock {dos}" + ("" if sos == dos else "  DIFFERENT"))
    for label, c in (("syft", s), ("drydock", d)):
        by_type = Counter()
        for (n, v, t), k in c.items():
            by_type[t] += k
        print(f"   {label:8} by type: " + ", ".join(f"{t}={k}" for t, k in sorted(by_type.items())))
    only_s = sorted(sset - dset, key=lambda k: (k[2], k[0], k[1]))
    only_d = sorted(dset - sset, key=lambda k: (k[2], k[0], k[1]))
    for k in only_s:
        print(f"   only syft:    {k[2]:10} {k[0]} {k[1]}   ({', '.join(slocs[k])})")
    for k in only_d:
        print(f"   only drydock: {k[2]:10} {k[0]} {k[1]}   ({', '.join(dlocs[k])})")
    dup = [(k, s[k], d[k]) for k in sset & dset if s[k] != d[k]]
    for k, a, b in sorted(dup):
        print(f"   count differs: {k[2]} {k[0]} {k[1]}: syft x{a}, drydock x{b}")
    if not (only_s or only_d or dup):
        print("   identical (name, version, type) sets")
    # Informational: the purls of the packages both found.
    purl_diff = []
    for k in sorted(sset & dset, key=lambda k: (k[2], k[0], k[1])):
        a, b = PURLS.get(("syft",) + k, set()), PURLS.get(("drydock",) + k, set())
        if a != b:
            purl_diff.append((k, sorted(a), sorted(b)))
            print(f"   purl differs: {k[2]} {k[0]} {k[1]}: syft {sorted(a)}, drydock {sorted(b)}")
    if not purl_diff:
        print(f"   purls identical for all {len(sset & dset)} common packages")
    if json_out:
        with open(json_out, "w") as f:
            json.dump(
                {
                    "image": name,
                    "syft": sum(s.values()),
                    "drydock": sum(d.values()),
                    "only_syft": [list(k) + [slocs[k]] for k in only_s],
                    "only_drydock": [list(k) + [dlocs[k]] for k in only_d],
                    "count_differs": [[list(k), a, b] for k, a, b in dup],
                    "purl_differs": [[list(k), a, b] for k, a, b in purl_diff],
                },
                f,
                indent=1,
            )
    return 0 if not (only_s or only_d or dup) else 1


def main(argv):
    if len(argv) >= 4 and argv[0] == "pack":
        pack(argv[1], argv[2], argv[3])
        return 0
    if len(argv) >= 4 and argv[0] == "pack-oci":
        pack_oci(argv[1], argv[2], argv[3])
        return 0
    if len(argv) >= 4 and argv[0] == "diff":
        json_out = None
        if len(argv) >= 6 and argv[4] == "--json":
            json_out = argv[5]
        return diff(argv[1], argv[2], argv[3], json_out)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
