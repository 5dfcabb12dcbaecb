#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# A TCP relay on 127.0.0.1 in front of a registry, for the tests and the benchmarks:
# listens on a free port, writes "127.0.0.1:PORT" to DIR/relay, and rewrites DIR/sent
# every 0.1 s with the bytes clients sent through it (all connections). With
# --cut-patch N, a connection whose request is a PATCH is cut after N bytes of it:
# a registry that goes away in the middle of an upload.
#
# usage: tests/tcp-relay.py HOST:PORT DIR [--cut-patch N]
import os
import socket
import sys
import threading
import time

host, port = sys.argv[1].rsplit(":", 1)
w = sys.argv[2]
cut = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--cut-patch" else None
sent, lock = [0], threading.Lock()


def close(*socks):
    for x in socks:
        try:
            x.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def pipe(a, b, count):
    got, patch = 0, False
    try:
        while d := a.recv(1 << 18):
            patch = patch or d.startswith(b"PATCH ")
            got += len(d)
            if count and cut is not None and patch and got > cut:
                break
            b.sendall(d)
            if count:
                with lock:
                    sent[0] += len(d)
    except OSError:
        pass
    close(a, b)


def serve(c):
    s = socket.create_connection((host, int(port)))
    t = threading.Thread(target=pipe, args=(s, c, False), daemon=True)
    t.start()
    pipe(c, s, True)
    t.join()
    c.close()
    s.close()


def replace(name, text):
    with open(f"{w}/{name}.tmp", "w") as f:
        f.write(text)
    os.replace(f"{w}/{name}.tmp", f"{w}/{name}")


def dump():
    while True:
        with lock:
            n = sent[0]
        replace("sent", str(n))
        time.sleep(0.1)


ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(64)
threading.Thread(target=dump, daemon=True).start()
replace("relay", f"127.0.0.1:{ls.getsockname()[1]}")
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
