"""Helpers of the TUI tests: inputs that carry real private keys, and the markers no copy may contain."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import yaml

from inspector import samples
from inspector.report import Report
from inspector.tui import clipboard


def one_line_json_list(tmp_path: Path) -> Path:
    """The sample's webapp (with its real Secrets) as ``kubectl get -o json | jq -c`` prints it: one line."""
    files = sorted((samples.path() / "webapp").glob("*.yaml"))
    items = [doc for f in files for doc in yaml.safe_load_all(f.read_text())]
    for item in items:
        if item and item.get("kind") == "Secret":
            # kubectl apply keeps the whole object, base64 data included, in this annotation.
            applied = json.dumps(item)
            item.setdefault("metadata", {}).setdefault("annotations", {})[clipboard.LAST_APPLIED] = applied
    target = tmp_path / "all.json"
    target.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [i for i in items if i]}) + "\n")
    return target


def key_markers(report: Report) -> list[str]:
    """Strings that only a private key (or its base64) contains: the PEM label and pieces of every key body."""
    markers = ["PRIVATE KEY"]
    for secret in report.cluster.secrets.values():
        for value in secret.data.values():
            if b"PRIVATE KEY" in value:
                body = b"".join(line for line in value.splitlines() if line and not line.startswith(b"-----"))
                markers += [body[:40].decode(), base64.b64encode(value).decode()[:40]]
    return markers
