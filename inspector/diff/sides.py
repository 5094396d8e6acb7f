"""The two sides of a diff: SOURCE lists, a git revision of the current repository, or the live cluster.

A git side is read with plumbing only (``git rev-parse``, ``git ls-tree``, ``git cat-file --batch``): nothing is
checked out, the work tree and the index are never touched, and no file is written; blobs go straight from git's
object store to the loader in memory. The same rules as for a folder apply: ``*.yaml``, ``*.yml`` and ``*.json``
(any case), hidden files and folders skipped, symlinks and submodules not followed, the per-file size limit.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields

from inspector.catalogue import UNREADABLE_SOURCE
from inspector.model import Cluster, LoadProblem
from inspector.sources import RawObject

GIT_PREFIX = "git:"
CLUSTER = "cluster"


class SideError(Exception):
    """A side that cannot be used at all: exit 2, naming the side."""


@dataclass(frozen=True)
class Side:
    """One side as the user wrote it."""

    name: str
    """``before`` or ``after``."""
    specs: tuple[str, ...]

    @property
    def label(self) -> str:
        return " ".join(self.specs)


def load_side(
    side: Side,
    *,
    load_paths: Callable[[Sequence[str]], Cluster],
    load_cluster: Callable[[Sequence[str]], Cluster],
    finish: Callable[[Cluster], Cluster] = lambda cluster: cluster,
) -> Cluster:
    """The snapshot of one side; ``load_paths``/``load_cluster`` are the CLI's own loaders (stdin, live mode),
    ``finish`` what the CLI adds to every snapshot it loads (``--secret-made-elsewhere``), for git revisions too.

    ``cluster`` with files on one side is the cluster with those files laid over it (what applying them gives).
    """
    if not side.specs:
        raise SideError(f"{side.name}: nothing given (a SOURCE, git:REF[:PATH] or 'cluster')")
    gits = [s for s in side.specs if s.startswith(GIT_PREFIX)]
    wants_cluster = CLUSTER in side.specs
    paths = [s for s in side.specs if not s.startswith(GIT_PREFIX) and s != CLUSTER]
    if wants_cluster and gits:
        raise SideError(f"{side.name}: 'cluster' cannot be combined with git revisions on one side")
    if wants_cluster:
        return load_cluster(paths)
    for path in paths:
        if path != "-" and not os.path.exists(path):
            raise SideError(f"{side.name}: {path}: no such file or folder")
    raws: list[RawObject] = []
    problems: list[LoadProblem] = []
    for spec in gits:
        got_raws, got_problems = read_git(spec, side.name)
        raws += got_raws
        problems += got_problems
    from inspector.sources.convert import build_cluster

    if not gits:
        return load_paths(paths)
    revisions = finish(build_cluster(raws, problems, sources=gits))
    return _union(revisions, load_paths(paths), side.specs) if paths else revisions


def _union(first: Cluster, second: Cluster, sources: Sequence[str]) -> Cluster:
    """Everything of both, the second winning on the same key (as a later ``kubectl apply``): every table of the
    snapshot is merged, every list concatenated, whatever fields the snapshot grows."""
    merged: dict[str, object] = {}
    for f in fields(Cluster):
        a, b = getattr(first, f.name), getattr(second, f.name)
        merged[f.name] = {**a, **b} if isinstance(a, Mapping) else a + b
    merged["sources"] = tuple(sources)
    return Cluster(**merged)  # type: ignore[arg-type]


def read_git(spec: str, side: str) -> tuple[list[RawObject], list[LoadProblem]]:
    """Every manifest of ``git:REF[:PATH]`` (PATH relative to the current folder, default the current folder)."""
    from inspector.sources.files import MANIFEST_SUFFIXES, MAX_FILE_BYTES, load_text

    ref, _, path = spec[len(GIT_PREFIX) :].partition(":")
    if not ref:
        raise SideError(f"{side}: {spec}: expected git:REF or git:REF:PATH")
    commit = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], side, spec)
    if commit is None:
        raise SideError(f"{side}: {spec}: unknown git revision {ref!r}")
    listing = _git(["ls-tree", "-r", "-z", "--long", commit.strip(), "--", path or "."], side, spec)
    entries: list[tuple[str, str, int]] = []  # (object id, name, size)
    problems: list[LoadProblem] = []
    for entry in (listing or "").split("\0"):
        if not entry:
            continue
        meta, _, name = entry.partition("\t")
        mode, kind, oid, size = meta.split()
        parts = name.split("/")
        if any(p.startswith(".") and p not in (".", "..") for p in parts) or not name.lower().endswith(
            MANIFEST_SUFFIXES
        ):
            continue
        where = f"{ref}:{name}"
        if kind != "blob" or mode == "120000":
            problems.append(LoadProblem(UNREADABLE_SOURCE, f"{where}: a symlink or submodule, not followed", where))
            continue
        if int(size) > MAX_FILE_BYTES:
            problems.append(LoadProblem(UNREADABLE_SOURCE, f"{where}: too large to be a manifest, not read", where))
            continue
        entries.append((oid, name, int(size)))
    if path and not entries and not problems:
        raise SideError(f"{side}: {spec}: no *.yaml, *.yml or *.json files at {path!r} in {ref}")
    raws: list[RawObject] = []
    for (_, name, _), data in zip(entries, _blobs([e[0] for e in entries], side, spec), strict=True):
        got_raws, got_problems = load_text(data, f"{ref}:{name}")
        raws += got_raws
        problems += got_problems
    return raws, problems


def _git(args: list[str], side: str, spec: str) -> str | None:
    """Run a read-only git command in the current folder; None when git says no (unknown revision)."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}
    try:
        proc = subprocess.run(["git", *args], capture_output=True, text=True, env=env, timeout=60, check=False)
    except FileNotFoundError:
        raise SideError(f"{side}: {spec}: git is not installed") from None
    except subprocess.TimeoutExpired:
        raise SideError(f"{side}: {spec}: git did not answer within 60 s") from None
    if proc.returncode != 0:
        message = proc.stderr.strip().splitlines()
        if message and "not a git repository" in message[0]:
            raise SideError(f"{side}: {spec}: the current folder is not in a git repository")
        if args[0] == "rev-parse":
            return None
        raise SideError(f"{side}: {spec}: git {args[0]} failed: {message[-1] if message else proc.returncode}")
    return proc.stdout


def _blobs(oids: Sequence[str], side: str, spec: str) -> list[bytes]:
    """The content of each blob, read in one ``git cat-file --batch`` (memory only, nothing on disk)."""
    if not oids:
        return []
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    proc = subprocess.run(
        ["git", "cat-file", "--batch"],
        input="".join(f"{oid}\n" for oid in oids).encode(),
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0:
        raise SideError(f"{side}: {spec}: git cat-file failed")
    out: list[bytes] = []
    data = proc.stdout
    at = 0
    for _ in oids:
        header_end = data.index(b"\n", at)
        size = int(data[at:header_end].split()[2])
        start = header_end + 1
        out.append(data[start : start + size])
        at = start + size + 1
    return out
