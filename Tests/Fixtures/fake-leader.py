#!/usr/bin/env python3
"""A leader that lies, for ReplicationTests: serves `POST /v1/subscribe` over TLS with records
read from a file (the `read` answer's records of a real ledger, one JSON object per line), the
one at seq --tamper changed in its content (its hash left as it was), so that a follower must
refuse it.

Usage: fake-leader.py RECORDS.jsonl --tamper SEQ --dir DIR [--address IP]
Makes a throwaway CA, a server certificate for the address (127.0.0.1) and a client certificate in
DIR, listens on a free port of that address (run it in a network namespace to serve a lab's node), prints one JSON line {"url", "ca", "cert", "key"}, and serves until killed.
"""
import argparse
import json
import pathlib
import signal
import socket
import ssl
import subprocess
import threading


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def certificates(directory, address):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "2", "-subj", "/CN=fake leader CA", cwd=directory)
    for name, subject, extensions in (("server", "/CN=localhost", f"subjectAltName=IP:{address}\nextendedKeyUsage=serverAuth\n"),
                                      ("replica", "/CN=follower-1", "extendedKeyUsage=clientAuth\n")):
        (directory / f"{name}.ext").write_text(extensions)
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                "-subj", subject, cwd=directory)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", f"{name}.pem",
                "-days", "2", "-extfile", f"{name}.ext", cwd=directory)


def serve(connection, lines):
    try:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = connection.recv(65536)
            if not chunk:
                return
            request += chunk
        head, _, body = request.partition(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length:
            body += connection.recv(65536)
        first = json.loads(body)["from"]
        chosen = [line for line in lines if json.loads(line)["event"]["seq"] >= first]
        payload = [json.dumps({"id": None, "ok": True, "result": {"subscribed": True, "from": first, "head": len(lines)}}).encode()] + chosen
        data = b"".join(line + b"\n" for line in payload)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nContent-Length: " + str(len(data)).encode()
                           + b"\r\nConnection: close\r\n\r\n" + data)
    finally:
        connection.close()


def main():
    # Foundation's Process starts children with signals blocked: SIGTERM must end this one.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    parser = argparse.ArgumentParser()
    parser.add_argument("records")
    parser.add_argument("--tamper", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--address", default="127.0.0.1")
    args = parser.parse_args()
    directory = pathlib.Path(args.dir)
    certificates(directory, args.address)
    lines = []
    for text in pathlib.Path(args.records).read_text().splitlines():
        record = json.loads(text)
        if record["seq"] == args.tamper:
            # A changed value in the content; the hash still the original's.
            record["body"]["decisionNo"] = record["body"].get("decisionNo", "") + "（改）"
        lines.append(json.dumps({"event": record}, ensure_ascii=False).encode())
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(directory / "server.pem", directory / "server.key")
    listener = socket.socket()
    listener.bind((args.address, 0))
    listener.listen(16)
    print(json.dumps({"url": f"https://{args.address}:{listener.getsockname()[1]}", "ca": str(directory / "ca.pem"),
                      "cert": str(directory / "replica.pem"), "key": str(directory / "replica.key")}), flush=True)
    with context.wrap_socket(listener, server_side=True) as server:
        while True:
            try:
                connection, _ = server.accept()
            except (ssl.SSLError, OSError):
                continue
            threading.Thread(target=serve, args=(connection, lines), daemon=True).start()


main()
