#!/usr/bin/env python3
"""Throwaway certificates for a network lab (NetworkLab.swift): a CA, one server certificate
for every node's address, and client certificates (writer, auditor, admin, public, and two
followers granted `replica`, and the shard router), made by Tools/try-https's helper.

Usage: lab-certificates.py DIR ADDRESS...
"""
import pathlib
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent.parent
source = (REPO / "Tools" / "try-https").read_text().rsplit("\nmain()", 1)[0]
helpers = {"__name__": "try_https", "__file__": str(REPO / "Tools" / "try-https")}
exec(compile(source, str(REPO / "Tools" / "try-https"), "exec"), helpers)
helpers["CLIENTS"].update({"replica": "follower-1", "replica2": "follower-2", "router": "shard-router"})
# The shards' name as the router checks it (Deploy/nginx/creditledger-shards.conf, proxy_ssl_name).
helpers["make_certificates"](pathlib.Path(sys.argv[1]), sys.argv[2:] + ["creditledger-shard"])
