#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Builds OCI image layouts for tests, with nothing but the standard library.

An OCI image layout (a directory with oci-layout, index.json and blobs/sha256/) is what
`skopeo copy oci:DIR:TAG docker://HOST/NAME:TAG` pushes into a registry, so tests can make
any image they need (extra layers, whiteouts, other architectures, multi-arch indexes) from a
directory or a tarball and serve it from the local registry. Output is deterministic: the same
input gives the same digests (gzip header without name or time, fixed creation date), which lets
callers skip a push when the registry already holds the expected manifest digest.

  oci-layout.py image DIR TAG LAYER... [--arch amd64] [--os linux] [--variant V]
                [--compression gzip|zstd|none] [--env K=V]... [--cmd ARG]... [--keep-owner]
                [--mtime EPOCH]
      Adds an image manifest tagged TAG to the layout DIR (created if needed). Each LAYER is
      a directory (tarred with sorted names, owners 0:0 unless --keep-owner), a .tar file
      (used as is), or blob:sha256:HEX (a layer blob already in DIR, reused without copying).
  oci-layout.py index DIR TAG FROM_TAG...
      Adds an image index tagged TAG listing the manifests tagged FROM_TAG... (multi-arch).
  oci-layout.py digest DIR TAG
      Prints the digest of the manifest or index tagged TAG.
  oci-layout.py layers DIR TAG
      Prints the layer blob digests of the image tagged TAG, one a line.

Whiteouts are ordinary files in the layer directory: `.wh.NAME` hides NAME of a lower layer,
`.wh..wh..opq` makes its directory opaque.
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile

MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = {
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
    "none": "application/vnd.oci.image.layer.v1.tar",
}
REF_NAME = "org.opencontainers.image.ref.name"
CREATED = "2024-01-01T00:00:00Z"
CHUNK = 1 << 20


def blob_path(layout, digest):
    algo, hexd = digest.split(":", 1)
    return os.path.join(layout, "blobs", algo, hexd)


def init_layout(layout):
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    p = os.path.join(layout, "oci-layout")
    if not os.path.exists(p):
        with open(p, "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)
    if not os.path.exists(os.path.join(layout, "index.json")):
        write_index(layout, [])


def read_index(layout):
    with open(os.path.join(layout, "index.json")) as f:
        return json.load(f)


def write_index(layout, manifests):
    doc = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": manifests}
    tmp = os.path.join(layout, "index.json.tmp")
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
    os.replace(tmp, os.path.join(layout, "index.json"))


def put_bytes(layout, data):
    """Stores data as a blob; returns (digest, size)."""
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    path = blob_path(layout, digest)
    if not os.path.exists(path):
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    return digest, len(data)


def put_json(layout, obj):
    return put_bytes(layout, json.dumps(obj, sort_keys=True, separators=(",", ":")).encode())


class HashingWriter(io.RawIOBase):
    """A write-only file that hashes and counts what passes through to `out`."""

    def __init__(self, out):
        self.out, self.h, self.n = out, hashlib.sha256(), 0

    def writable(self):
        return True

    def write(self, b):
        self.h.update(b)
        self.n += len(b)
        if self.out is not None:
            self.out.write(b)
        return len(b)


def tar_directory(src, out, keep_owner, mtime):
    """Writes a deterministic tar of directory src (entries relative to it) to out."""
    def norm(ti):
        if not keep_owner:
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = ""
        if mtime is not None:
            ti.mtime = mtime
        return ti

    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for root, dirs, files in os.walk(src):
            dirs.sort()
            for name in sorted(dirs + files):
                full = os.path.join(root, name)
                arc = os.path.relpath(full, src)
                ti = norm(tar.gettarinfo(full, arcname=arc))
                if ti.isreg():
                    with open(full, "rb") as f:
                        tar.addfile(ti, f)
                else:
                    tar.addfile(ti)
            # os.walk does not descend into symlinks to directories; those were added above.


def write_layer(layout, src, compression, keep_owner, mtime):
    """Compresses one layer into the layout; returns (descriptor, diff_id)."""
    blobs = os.path.join(layout, "blobs", "sha256")
    fd, tmp = tempfile.mkstemp(dir=blobs, prefix=".layer-")
    with os.fdopen(fd, "wb") as raw:
        comp_hash = HashingWriter(raw)
        zproc = None
        if compression == "gzip":
            # mtime=0 and no file name: the same tar always gives the same blob.
            zout = gzip.GzipFile(filename="", mode="wb", fileobj=comp_hash, mtime=0,
                                 compresslevel=6)
        elif compression == "zstd":
            zproc = subprocess.Popen(["zstd", "-q", "-c", "-3", "--no-progress"],
                                     stdin=subprocess.PIPE, stdout=raw)
            zout = zproc.stdin
        else:
            zout = comp_hash
        plain = HashingWriter(zout)
        if os.path.isdir(src):
            tar_directory(src, plain, keep_owner, mtime)
        else:
            with open(src, "rb") as f:
                while True:
                    b = f.read(CHUNK)
                    if not b:
                        break
                    plain.write(b)
        if zout is not comp_hash:
            zout.close()
        if zproc is not None and zproc.wait() != 0:
            sys.exit("oci-layout: zstd failed")
    if compression == "zstd":
        with open(tmp, "rb") as f:
            comp_hash = HashingWriter(None)
            for b in iter(lambda: f.read(CHUNK), b""):
                comp_hash.write(b)
    digest = "sha256:" + comp_hash.h.hexdigest()
    os.chmod(tmp, 0o644)
    os.replace(tmp, blob_path(layout, digest))
    desc = {"mediaType": MT_LAYER[compression], "digest": digest, "size": comp_hash.n}
    return desc, "sha256:" + plain.h.hexdigest()


def existing_layer(layout, digest):
    """Descriptor and diff_id of a layer blob already in the layout (found via any config)."""
    for m in read_index(layout)["manifests"]:
        if m["mediaType"] != MT_MANIFEST:
            continue
        man = json.load(open(blob_path(layout, m["digest"])))
        cfg = json.load(open(blob_path(layout, man["config"]["digest"])))
        for i, layer in enumerate(man["layers"]):
            if layer["digest"] == digest:
                return dict(layer), cfg["rootfs"]["diff_ids"][i]
    sys.exit("oci-layout: no image in the layout uses layer " + digest)


def set_tag(layout, desc, tag):
    desc = dict(desc)
    desc["annotations"] = {REF_NAME: tag}
    manifests = [m for m in read_index(layout)["manifests"]
                 if m.get("annotations", {}).get(REF_NAME) != tag]
    manifests.append(desc)
    write_index(layout, manifests)


def find_tag(layout, tag):
    for m in read_index(layout)["manifests"]:
        if m.get("annotations", {}).get(REF_NAME) == tag:
            return m
    sys.exit("oci-layout: no tag '%s' in %s" % (tag, layout))


def cmd_image(a):
    init_layout(a.dir)
    layers, diff_ids = [], []
    for src in a.layers:
        if src.startswith("blob:"):
            desc, diff_id = existing_layer(a.dir, src[5:])
        else:
            desc, diff_id = write_layer(a.dir, src, a.compression, a.keep_owner, a.mtime)
        layers.append(desc)
        diff_ids.append(diff_id)
    config = {
        "created": CREATED,
        "architecture": a.arch,
        "os": a.os,
        "config": {
            "Env": a.env or ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "Cmd": a.cmd or ["/bin/bash"],
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": CREATED, "created_by": "oci-layout.py"} for _ in layers],
    }
    if a.variant:
        config["variant"] = a.variant
    cdig, csize = put_json(a.dir, config)
    manifest = {
        "schemaVersion": 2,
        "mediaType": MT_MANIFEST,
        "config": {"mediaType": MT_CONFIG, "digest": cdig, "size": csize},
        "layers": layers,
    }
    mdig, msize = put_json(a.dir, manifest)
    platform = {"architecture": a.arch, "os": a.os}
    if a.variant:
        platform["variant"] = a.variant
    set_tag(a.dir, {"mediaType": MT_MANIFEST, "digest": mdig, "size": msize,
                    "platform": platform}, a.tag)
    print(mdig)


def cmd_index(a):
    entries = []
    for t in a.from_tags:
        d = dict(find_tag(a.dir, t))
        d.pop("annotations", None)
        entries.append(d)
    idx = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": entries}
    dig, size = put_json(a.dir, idx)
    set_tag(a.dir, {"mediaType": MT_INDEX, "digest": dig, "size": size}, a.tag)
    print(dig)


def cmd_digest(a):
    print(find_tag(a.dir, a.tag)["digest"])


def cmd_layers(a):
    m = find_tag(a.dir, a.tag)
    man = json.load(open(blob_path(a.dir, m["digest"])))
    for layer in man.get("layers", []):
        print(layer["digest"])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("image")
    s.add_argument("dir")
    s.add_argument("tag")
    s.add_argument("layers", nargs="+")
    s.add_argument("--arch", default="amd64")
    s.add_argument("--os", default="linux")
    s.add_argument("--variant")
    s.add_argument("--compression", choices=sorted(MT_LAYER), default="gzip")
    s.add_argument("--env", action="append")
    s.add_argument("--cmd", action="append")
    s.add_argument("--keep-owner", action="store_true")
    s.add_argument("--mtime", type=int, help="set every entry's mtime (for stable digests)")
    s.set_defaults(fn=cmd_image)
    s = sub.add_parser("index")
    s.add_argument("dir")
    s.add_argument("tag")
    s.add_argument("from_tags", nargs="+")
    s.set_defaults(fn=cmd_index)
    for name, fn in (("digest", cmd_digest), ("layers", cmd_layers)):
        s = sub.add_parser(name)
        s.add_argument("dir")
        s.add_argument("tag")
        s.set_defaults(fn=fn)
    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
