#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# A lying relay for tests/integ/crl_client.sh: it speaks kenh/1
# (docs/protocol.md §1-§2: TLS 1.3, ALPN kenh/1, 10-byte frame headers)
# with the test relay's own TLS certificate, and answers with what the
# test chose, as a relay that is compromised or modified would:
#   CRL_GET     the CRLs and unit CA certificates given (--crl, --ca)
#   DIR_LOOKUP  one entry naming --device
#   KP_CLAIM    the KeyPackage in --kp
#   FETCH       nothing; ACK, KP_UPLOAD, PING: success
#   anything else: status PROTO
# Every request type received is appended to --log as "type=0xNNNN".
import argparse
import socket
import ssl
import struct


def varint(n):
    # RFC 9420 §2.1.2, minimal encoding.
    if n < 1 << 6:
        return bytes([n])
    if n < 1 << 14:
        return struct.pack(">H", 0x4000 | n)
    return struct.pack(">I", 0x80000000 | n)


def opaque(b):
    return varint(len(b)) + b


def vector(items):
    body = b"".join(items)
    return varint(len(body)) + body


def read_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def answer(args, t, body):
    ok = struct.pack(">H", 0)
    if t == 0x0055:
        crls = [opaque(open(p, "rb").read()) for p in args.crl]
        cas = [opaque(open(p, "rb").read()) for p in args.ca]
        return ok + vector(crls) + vector(cas)
    if t == 0x0012 and args.device:
        entry = opaque(args.device.encode()) + struct.pack(">IB", 1, 0)
        return ok + vector([entry])
    if t == 0x0011 and args.kp:
        return ok + opaque(open(args.kp, "rb").read()) + b"\x00"
    if t == 0x0030:
        return ok + vector([]) + b"\x00"
    if t in (0x0031,):
        return ok
    if t == 0x0010:
        return ok + struct.pack(">I", 0)
    if t == 0x0001:
        return ok + body[:8]
    return struct.pack(">HQ", 11, 0)


def serve(args, conn):
    while True:
        try:
            hdr = read_exact(conn, 10)
        except (EOFError, OSError, ssl.SSLError):
            return
        length, t, req = struct.unpack(">IHI", hdr)
        body = read_exact(conn, length)
        with open(args.log, "a") as log:
            log.write("type=0x%04x\n" % t)
        resp = answer(args, t, body)
        conn.sendall(struct.pack(">IHI", len(resp), t | 0x8000, req) + resp)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--crl", action="append", default=[])
    ap.add_argument("--ca", action="append", default=[])
    ap.add_argument("--device")
    ap.add_argument("--kp")
    args = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(args.cert, args.key)
    ctx.set_alpn_protocols(["kenh/1"])
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.port))
    ls.listen(4)
    while True:
        raw, _ = ls.accept()
        try:
            with ctx.wrap_socket(raw, server_side=True) as conn:
                serve(args, conn)
        except (ssl.SSLError, OSError):
            pass


if __name__ == "__main__":
    main()
