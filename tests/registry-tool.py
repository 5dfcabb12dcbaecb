#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Registry helpers for box's pull tests, standard library only.

  registry-tool.py make-tar OUT KIND
      Writes a small layer tarball. KIND: hello (one file, content from $HELLO or
      "hello"), dotdot (an entry "../escape-marker"), abs-symlink (a symlink "evil"
      to an absolute directory $ESCAPE_DIR, then "evil/escape-marker" through it),
      random (a 1 MiB file of random bytes), zeros (a file of $ZEROS_MB MiB of zeros),
      fill ($FILL_MB MiB in files of up to 4 MiB, half pseudo-random bytes and half hex
      text, the same for the same $FILL_SEED: gzip gets it to about 0.7 of its size).
  registry-tool.py push-image REGISTRY REPO TAG TAR... [--arch A] [--variant V]
                   [--layer-mt MT] [--blob FILE] [--user U:P]
      Pushes an image (gzip layers unless --layer-mt names another type; the layer is
      then uploaded as is, or FILE's bytes with --blob) through the registry API and
      prints the manifest digest.
  registry-tool.py push-stack REGISTRY REPO TAG TAR... [--base SRC_REPO:SRC_TAG]
      Pushes an image of the layers of SRC_REPO:SRC_TAG (mounted, with its config)
      and then one gzip layer (level 1, no timestamp: the same tar always gives the same
      blob) for each TAR, and prints the manifest digest.
  registry-tool.py push-env REGISTRY SRC_REPO SRC_TAG REPO TAG [--env K=V]...
      Pushes SRC_REPO:SRC_TAG again as REPO:TAG with its config's Env replaced by the
      --env values (none: no Env at all). The layers are mounted from SRC_REPO, not
      uploaded again. Prints the manifest digest.
  registry-tool.py push-index REGISTRY REPO TAG SRC_TAG...
      Pushes an OCI index of the manifests tagged SRC_TAG (platforms from their
      configs) and prints its digest.
  registry-tool.py proxy UPSTREAM PORTFILE [--token] [--tamper DIGEST] [--truncate DIGEST]
                   [--rate BYTES_PER_SEC] [--stall DIGEST] [--flaky N] [--status CODE]
                   [--redirect] [--redirect-to URL] [--cut DIGEST] [--log FILE]
      Serves 127.0.0.1:<random port> (written to PORTFILE) in front of UPSTREAM
      (http://host:port). --token demands an anonymous bearer token from its own
      /token realm, like Docker Hub. --tamper flips a byte of that blob, --truncate
      closes the connection half way through it, --stall sends half of it and then
      nothing for ten minutes, --rate throttles blob bodies. --flaky answers the first N
      registry requests with 503, --status answers every one with CODE. --redirect
      sends blob requests to http://localhost:PORT/cdn/... (another host name), which
      refuses any request carrying an Authorization header; --redirect-to sends them to
      URL/v2/... instead. --cut sends half of that blob and closes the connection the
      first time only; later requests (with Range) are served. --log appends one line per
      request: "METHOD PATH auth=AUTHORIZATION range=RANGE".
  registry-tool.py recorder PORTFILE LOG [--challenge REALM]
      Serves 127.0.0.1:<random port>, appends "METHOD PATH auth=AUTHORIZATION" to LOG
      for every request, and answers 401 with a bearer challenge naming REALM (a CDN that
      asks for credentials), or without --challenge a token (a token realm).
"""
import argparse
import base64
import gzip
import hashlib
import http.server
import io
import json
import os
import random
import socketserver
import sys
import tarfile
import time
import urllib.error
import urllib.request

MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def make_tar(out, kind):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        def add_file(name, data):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = 1700000000
            t.addfile(ti, io.BytesIO(data))

        if kind == "hello":
            add_file("hello.txt", os.environ.get("HELLO", "hello").encode() + b"\n")
        elif kind == "random":
            add_file("random.bin", os.urandom(1 << 20))
        elif kind == "zeros":
            add_file("zeros.bin", bytes(int(os.environ.get("ZEROS_MB", "64")) << 20))
        elif kind == "fill":
            rnd = random.Random(int(os.environ.get("FILL_SEED", "1")))
            left, n = int(os.environ.get("FILL_MB", "16")) << 20, 0
            while left > 0:
                size = min(left, rnd.choice((64 << 10, 1 << 20, 4 << 20)))
                half = size // 2
                text = rnd.randbytes((size - half) // 2).hex().encode()
                add_file(f"fill/{n:05d}.bin", rnd.randbytes(half) + text)
                left -= size
                n += 1
        elif kind == "dotdot":
            add_file("ok.txt", b"fine\n")
            add_file("../escape-marker", b"escaped\n")
        elif kind == "abs-symlink":
            ti = tarfile.TarInfo("evil")
            ti.type = tarfile.SYMTYPE
            ti.linkname = os.environ["ESCAPE_DIR"]
            t.addfile(ti)
            add_file("evil/escape-marker", b"escaped\n")
        else:
            sys.exit("unknown kind " + kind)
    with open(out, "wb") as f:
        f.write(buf.getvalue())


class Registry:
    def __init__(self, base, user=None):
        self.base = base if base.startswith("http") else "http://" + base
        self.auth = None
        if user:
            self.auth = "Basic " + base64.b64encode(user.encode()).decode()

    def req(self, method, path, data=None, headers=None):
        url = path if path.startswith("http") else self.base + path
        r = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        if self.auth:
            r.add_header("Authorization", self.auth)
        return urllib.request.urlopen(r)

    def push_blob(self, repo, data):
        d = sha(data)
        try:
            self.req("HEAD", f"/v2/{repo}/blobs/{d}")
            return d
        except urllib.error.HTTPError:
            pass
        loc = self.req("POST", f"/v2/{repo}/blobs/uploads/").headers["Location"]
        sep = "&" if "?" in loc else "?"
        if not loc.startswith("http"):
            loc = self.base + loc
        self.req("PUT", f"{loc}{sep}digest={d}", data,
                 {"Content-Type": "application/octet-stream"})
        return d

    def mount_blob(self, repo, digest, src_repo):
        try:
            self.req("HEAD", f"/v2/{repo}/blobs/{digest}")
            return
        except urllib.error.HTTPError:
            pass
        r = self.req("POST", f"/v2/{repo}/blobs/uploads/?mount={digest}&from={src_repo}")
        if r.status != 201:  # not mounted: an upload was opened instead
            sys.exit(f"cannot mount {digest} from {src_repo} into {repo}")

    def put_manifest(self, repo, tag, obj, mt):
        data = json.dumps(obj).encode()
        self.req("PUT", f"/v2/{repo}/manifests/{tag}", data, {"Content-Type": mt})
        return sha(data), len(data)

    def get_manifest(self, repo, tag):
        r = self.req("GET", f"/v2/{repo}/manifests/{tag}", headers={"Accept": MT_MANIFEST})
        data = r.read()
        return json.loads(data), sha(data), len(data)

    def get_blob(self, repo, digest):
        return self.req("GET", f"/v2/{repo}/blobs/{digest}").read()


def put_image(reg, repo, tag, config, layers):
    """Push config and a manifest of it and layers; return the manifest digest."""
    cdata = json.dumps(config).encode()
    manifest = {"schemaVersion": 2, "mediaType": MT_MANIFEST,
                "config": {"mediaType": MT_CONFIG, "digest": reg.push_blob(repo, cdata),
                           "size": len(cdata)},
                "layers": layers}
    return reg.put_manifest(repo, tag, manifest, MT_MANIFEST)[0]


def push_image(a):
    reg = Registry(a.registry, a.user)
    layers, diff_ids = [], []
    for path in a.tars:
        raw = open(path, "rb").read()
        if a.blob:
            blob, mt = open(a.blob, "rb").read(), a.layer_mt or MT_GZIP
        elif a.layer_mt:
            blob, mt = raw, a.layer_mt
        else:
            blob, mt = gzip.compress(raw, mtime=0), MT_GZIP
        layers.append({"mediaType": mt, "digest": reg.push_blob(a.repo, blob),
                       "size": len(blob)})
        diff_ids.append(sha(raw))
    config = {"architecture": a.arch, "os": "linux",
              "config": {"Env": ["PATH=/usr/bin:/bin"], "Cmd": ["/bin/sh"]},
              "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    if a.variant:
        config["variant"] = a.variant
    print(put_image(reg, a.repo, a.tag, config, layers))


def push_stack(a):
    reg = Registry(a.registry)
    layers, config = [], {"architecture": "amd64", "os": "linux",
                          "config": {"Env": ["PATH=/usr/bin:/bin"], "Cmd": ["/bin/sh"]},
                          "rootfs": {"type": "layers", "diff_ids": []}}
    if a.base:
        src_repo, src_tag = a.base.rsplit(":", 1)
        m, _, _ = reg.get_manifest(src_repo, src_tag)
        config = json.loads(reg.get_blob(src_repo, m["config"]["digest"]))
        config.pop("history", None)
        for layer in m["layers"]:
            reg.mount_blob(a.repo, layer["digest"], src_repo)
            layers.append(layer)
    for path in a.tars:
        raw = open(path, "rb").read()
        blob = gzip.compress(raw, compresslevel=1, mtime=0)
        layers.append({"mediaType": MT_GZIP, "digest": reg.push_blob(a.repo, blob),
                       "size": len(blob)})
        config["rootfs"]["diff_ids"].append(sha(raw))
    print(put_image(reg, a.repo, a.tag, config, layers))


def push_env(a):
    reg = Registry(a.registry)
    m, _, _ = reg.get_manifest(a.src_repo, a.src_tag)
    cfg = json.loads(reg.get_blob(a.src_repo, m["config"]["digest"]))
    cfg.setdefault("config", {}).pop("Env", None)
    if a.env:
        cfg["config"]["Env"] = a.env
    for layer in m["layers"]:
        reg.mount_blob(a.repo, layer["digest"], a.src_repo)
    cdata = json.dumps(cfg).encode()
    m["config"] = {"mediaType": MT_CONFIG, "digest": reg.push_blob(a.repo, cdata),
                   "size": len(cdata)}
    print(reg.put_manifest(a.repo, a.tag, m, m.get("mediaType", MT_MANIFEST))[0])


def push_index(a):
    reg = Registry(a.registry)
    entries = []
    for t in a.src_tags:
        m, d, n = reg.get_manifest(a.repo, t)
        cfg = json.loads(reg.get_blob(a.repo, m["config"]["digest"]))
        plat = {"architecture": cfg["architecture"], "os": cfg["os"]}
        if cfg.get("variant"):
            plat["variant"] = cfg["variant"]
        entries.append({"mediaType": MT_MANIFEST, "digest": d, "size": n, "platform": plat})
    idx = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": entries}
    print(reg.put_manifest(a.repo, a.tag, idx, MT_INDEX)[0])


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    opts = None
    token = "box-test-token-" + hashlib.sha256(os.urandom(8)).hexdigest()[:16]

    def log_message(self, *args):
        pass

    def send_plain(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def authorized(self):
        if not self.opts.token or not self.path.startswith("/v2/"):
            return True
        if self.headers.get("Authorization") == "Bearer " + self.token:
            return True
        port = self.server.server_address[1]
        repo = self.path[4:].split("/manifests/")[0].split("/blobs/")[0]
        chal = (f'Bearer realm="http://127.0.0.1:{port}/token",service="box-test",'
                f'scope="repository:{repo}:pull"')
        self.send_plain(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}',
                        [("WWW-Authenticate", chal), ("Content-Type", "application/json")])
        return False

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        if self.opts.log:
            with open(self.opts.log, "a") as f:
                print(self.command, self.path, "auth=" + self.headers.get("Authorization", ""),
                      "range=" + self.headers.get("Range", ""), file=f, flush=True)
        if self.path.startswith("/cdn/"):
            if self.headers.get("Authorization"):
                return self.send_plain(403, b"credentials leaked to another host\n")
            self.path = self.path[4:]
            print("cdn", self.path, file=sys.stderr, flush=True)
            return self.forward()
        if self.path.startswith("/v2/") and self.opts.status:
            return self.send_plain(self.opts.status, b'{"errors":[]}')
        if self.path.startswith("/v2/") and Proxy.flaky > 0:
            Proxy.flaky -= 1
            return self.send_plain(503, b'{"errors":[]}')
        if self.path.startswith("/token"):
            if not self.opts.token:
                return self.send_plain(404)
            body = json.dumps({"token": self.token, "expires_in": 300}).encode()
            return self.send_plain(200, body, [("Content-Type", "application/json")])
        if not self.authorized():
            return
        if self.opts.redirect and "/blobs/" in self.path:
            port = self.server.server_address[1]
            return self.send_plain(307, b"", [("Location", f"http://localhost:{port}/cdn{self.path}")])
        if self.opts.redirect_to and "/blobs/" in self.path:
            return self.send_plain(307, b"", [("Location", self.opts.redirect_to + self.path)])
        self.forward()

    def forward(self):
        hdrs = {k: v for k, v in self.headers.items() if k.lower() in ("accept", "range")}
        try:
            up = urllib.request.urlopen(urllib.request.Request(
                self.opts.upstream + self.path, headers=hdrs, method=self.command))
        except urllib.error.HTTPError as e:
            return self.send_plain(e.code, e.read(), [("Content-Type", "application/json")])
        body = up.read()
        digest = self.path.rsplit("/", 1)[-1]
        blob = "/blobs/" in self.path
        if blob and digest == self.opts.tamper:
            body = bytearray(body)
            body[len(body) // 2] ^= 0xFF
            body = bytes(body)
        self.send_response(up.status)
        for k, v in up.headers.items():
            if k.lower() in ("content-type", "docker-content-digest", "content-range"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if blob and digest == self.opts.stall:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            time.sleep(600)
            return
        if blob and digest == self.opts.cut and digest not in Proxy.cut_done:
            Proxy.cut_done.add(digest)
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if blob and digest == self.opts.truncate:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        step = 64 * 1024
        for i in range(0, len(body), step):
            self.wfile.write(body[i:i + step])
            if blob and self.opts.rate:
                time.sleep(step / self.opts.rate)


class Recorder(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    opts = None

    def log_message(self, *args):
        pass

    def do_GET(self):
        with open(self.opts.log, "a") as f:
            print(self.command, self.path, "auth=" + self.headers.get("Authorization", ""),
                  file=f, flush=True)
        if self.opts.challenge:
            body, code = b'{"errors":[{"code":"UNAUTHORIZED"}]}', 401
            hdrs = [("WWW-Authenticate", f'Bearer realm="{self.opts.challenge}",service="cdn"')]
        else:
            body, code, hdrs = json.dumps({"token": "realm-token"}).encode(), 200, []
        self.send_response(code)
        for k, v in hdrs + [("Content-Type", "application/json")]:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(handler, portfile):
    srv = ThreadingServer(("127.0.0.1", 0), handler)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, portfile)
    srv.serve_forever()


class ThreadingServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def proxy(a):
    a.upstream = a.upstream if a.upstream.startswith("http") else "http://" + a.upstream
    Proxy.opts = a
    Proxy.flaky = a.flaky
    Proxy.cut_done = set()
    serve(Proxy, a.portfile)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    s = p.add_subparsers(dest="cmd", required=True)
    t = s.add_parser("make-tar")
    t.add_argument("out")
    t.add_argument("kind")
    i = s.add_parser("push-image")
    i.add_argument("registry")
    i.add_argument("repo")
    i.add_argument("tag")
    i.add_argument("tars", nargs="+")
    i.add_argument("--arch", default="amd64")
    i.add_argument("--variant")
    i.add_argument("--layer-mt")
    i.add_argument("--blob")
    i.add_argument("--user")
    k = s.add_parser("push-stack")
    k.add_argument("registry")
    k.add_argument("repo")
    k.add_argument("tag")
    k.add_argument("tars", nargs="+")
    k.add_argument("--base")
    e = s.add_parser("push-env")
    e.add_argument("registry")
    e.add_argument("src_repo")
    e.add_argument("src_tag")
    e.add_argument("repo")
    e.add_argument("tag")
    e.add_argument("--env", action="append", default=[])
    x = s.add_parser("push-index")
    x.add_argument("registry")
    x.add_argument("repo")
    x.add_argument("tag")
    x.add_argument("src_tags", nargs="+")
    y = s.add_parser("proxy")
    y.add_argument("upstream")
    y.add_argument("portfile")
    y.add_argument("--token", action="store_true")
    y.add_argument("--tamper")
    y.add_argument("--truncate")
    y.add_argument("--rate", type=float)
    y.add_argument("--stall")
    y.add_argument("--flaky", type=int, default=0)
    y.add_argument("--status", type=int)
    y.add_argument("--redirect", action="store_true")
    y.add_argument("--redirect-to")
    y.add_argument("--cut")
    y.add_argument("--log")
    r = s.add_parser("recorder")
    r.add_argument("portfile")
    r.add_argument("log")
    r.add_argument("--challenge")
    a = p.parse_args()
    if a.cmd == "make-tar":
        make_tar(a.out, a.kind)
    elif a.cmd == "push-image":
        push_image(a)
    elif a.cmd == "push-stack":
        push_stack(a)
    elif a.cmd == "push-env":
        push_env(a)
    elif a.cmd == "push-index":
        push_index(a)
    elif a.cmd == "recorder":
        Recorder.opts = a
        serve(Recorder, a.portfile)
    else:
        proxy(a)


if __name__ == "__main__":
    main()
