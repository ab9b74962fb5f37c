#!/usr/bin/env python3
"""Verify a Wegweiser district's event log on your own machine.

Recomputes the district's hash chain from its audit feed (GET /audit/events, CloudEvents) and
checks it against a signed checkpoint (GET /audit/checkpoints) with the server's public key
(GET /.well-known/wegweiser-checkpoint-key). Reports the first broken link and exits 1, or
reports the chain intact and exits 0. Needs Python 3.9+ and the `cryptography` package.

From files (what the auditor saved, e.g. with --save):
    verify-feed.py --feed feed.json --checkpoint checkpoint.json --key key.json
From a running server:
    verify-feed.py --server https://wegweiser.example --token "$TOKEN" [--save DIR]

hash(n) = SHA-256(hash(n-1) || canonical(event n)), hash(0) = 32 zero bytes; canonical is the
concatenation of global position, stream, stream version, event id, type, schema version,
payload, metadata and recording time in microseconds, each as a 4-byte big-endian length
followed by its UTF-8 bytes (numbers in decimal).
"""
import argparse
import base64
import hashlib
import json
import os
import re
import sys
import time
import urllib.request

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
except ImportError:  # pragma: no cover
    sys.exit("verify-feed.py needs the `cryptography` package: pip install cryptography")

GENESIS = "0" * 64


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical(event):
    fields = [
        str(event["wwglobalposition"]).encode(),
        event["subject"].encode(),
        str(event["wwstreamversion"]).encode(),
        event["id"].lower().encode(),
        event["type"].encode(),
        str(event["wwschemaversion"]).encode(),
        base64.b64decode(event["data_base64"]),
        event["wwmetadata"].encode(),
        str(event["wwrecordedatus"]).encode(),
    ]
    return b"".join(len(field).to_bytes(4, "big") + field for field in fields)


def fetch(server, token, path):
    request = urllib.request.Request(server.rstrip("/") + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as response:
        return json.load(response), response.headers.get("Link")


def download(server, token, limit):
    events, path = [], f"/audit/events?limit={limit}"
    started = time.monotonic()
    while path:
        batch, link = fetch(server, token, path)
        events.extend(batch)
        match = re.search(r'<([^>]+)>;\s*rel="next"', link or "")
        path = match.group(1) if match else None
    seconds = time.monotonic() - started
    print(f"fetched {len(events)} events in {seconds:.1f} s ({len(events) / max(seconds, 1e-9):,.0f} events/s)")
    checkpoints, _ = fetch(server, token, "/audit/checkpoints?limit=1")
    key, _ = fetch(server, token, "/.well-known/wegweiser-checkpoint-key")
    return events, (checkpoints["items"][0] if checkpoints["items"] else None), key


def check_signature(checkpoint, key):
    """The checkpoint's signed statement as a dict, or an error message."""
    if key.get("kty") != "OKP" or key.get("crv") != "Ed25519":
        return None, "the key is not an Ed25519 JSON Web Key"
    if checkpoint["key_id"] != key.get("kid"):
        return None, f"the checkpoint names key {checkpoint['key_id']}, the key given is {key.get('kid')}"
    try:
        Ed25519PublicKey.from_public_bytes(b64url(key["x"])).verify(
            b64url(checkpoint["signature"]), checkpoint["statement"].encode()
        )
    except InvalidSignature:
        return None, "the checkpoint's signature does not verify with this key"
    lines = checkpoint["statement"].split("\n")
    if lines[0] != "wegweiser-checkpoint/v1":
        return None, "unknown checkpoint statement version"
    return dict(line.split("=", 1) for line in lines[1:]), None


def verify(events, checkpoint, key):
    """Prints what it found; returns the exit status."""
    signed = None
    if checkpoint is not None:
        signed, error = check_signature(checkpoint, key)
        if error:
            print(f"CHECKPOINT INVALID: {error}")
            return 1
    previous, expected = GENESIS, 1
    sources = {event.get("source") for event in events}
    if signed and sources - {f"urn:wegweiser:district:{signed['district']}"}:
        print(f"BROKEN: the feed holds events of {sorted(sources)}, the checkpoint is of district {signed['district']}")
        return 1
    covered = int(signed["district_position"]) if signed else 0
    started = time.monotonic()
    for event in events:
        position = event["wwposition"]
        where = f"position {position} (event {event['id']}, log position {event['wwlogposition']})"
        if position != expected:
            print(f"BROKEN at position {expected}: the link is missing (the feed goes on at {position})")
            return 1
        if event["wwprevioushash"] != previous:
            print(f"BROKEN at {where}: its previous hash is not the hash of position {position - 1}")
            return 1
        recomputed = hashlib.sha256(bytes.fromhex(previous) + canonical(event)).hexdigest()
        if recomputed != event["wwhash"]:
            print(f"BROKEN at {where}: the event's bytes do not match its hash")
            return 1
        if position == covered and recomputed != signed["district_hash"]:
            print(f"BROKEN at {where}: the chain differs from the signed checkpoint taken {signed['taken_at']}")
            return 1
        previous, expected = recomputed, expected + 1
    seconds = time.monotonic() - started
    rate = len(events) / max(seconds, 1e-9)
    if covered > expected - 1:
        print(f"INCOMPLETE: the checkpoint covers position {covered}, the feed ends at {expected - 1}")
        return 1
    print(f"INTACT: {expected - 1} events recomputed in {seconds:.2f} s ({rate:,.0f} events/s)")
    if signed:
        print(
            f"the signed checkpoint of district {signed['district']} taken {signed['taken_at']} covers positions 1 to "
            f"{covered} (key {checkpoint['key_id']}); {expected - 1 - covered} later event(s) are linked but not yet signed"
        )
    else:
        print("no checkpoint given: the chain holds together, but nothing vouches for its head")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feed", help="the feed: a JSON array of the district's events (CloudEvents)")
    parser.add_argument("--checkpoint", help="a signed checkpoint as the API answers it")
    parser.add_argument("--key", help="the public key as a JSON Web Key")
    parser.add_argument("--server", help="fetch feed, latest checkpoint and key from this server")
    parser.add_argument("--token", default=os.environ.get("WEGWEISER_TOKEN"), help="an auditor's bearer token")
    parser.add_argument("--limit", type=int, default=1000, help="events per page when fetching (default 1000)")
    parser.add_argument("--save", help="with --server: save feed.json, checkpoint.json and key.json in this folder")
    arguments = parser.parse_args()
    if arguments.server:
        events, checkpoint, key = download(arguments.server, arguments.token, arguments.limit)
        if arguments.save:
            os.makedirs(arguments.save, exist_ok=True)
            for name, value in [("feed", events), ("checkpoint", checkpoint), ("key", key)]:
                with open(os.path.join(arguments.save, f"{name}.json"), "w") as file:
                    json.dump(value, file)
    elif arguments.feed and arguments.key:
        with open(arguments.feed) as file:
            events = json.load(file)
        with open(arguments.key) as file:
            key = json.load(file)
        checkpoint = None
        if arguments.checkpoint:
            with open(arguments.checkpoint) as file:
                checkpoint = json.load(file)
    else:
        parser.error("give --server and --token, or --feed and --key (and --checkpoint)")
    sys.exit(verify(events, checkpoint, key))


if __name__ == "__main__":
    main()
