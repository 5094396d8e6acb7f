"""Which files a SOURCE stands for, and how paths and load problems are named in every output.

A folder is untrusted input (a pull request can add anything to it), so the walk follows symbolic links only
while they stay inside the SOURCE folder, skips FIFOs, sockets and devices, and never reads a Helm chart or a
kustomization as manifests (it names the command whose output to check instead). What this module does not do:
read or parse a file (``files.py``).
"""

from __future__ import annotations

import errno
import os
import re
import shlex
import stat

from inspector.catalogue import INPUT_SKIPPED, NO_OBJECTS, UNREADABLE_SOURCE
from inspector.model import LoadProblem

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
"""The names kustomize looks for in a folder (``konfig.RecognizedKustomizationFileNames``)."""
HELM_CHART_FILE = "Chart.yaml"


def problem(check_id: str, file: str, line: int, text: str) -> LoadProblem:
    where = f"{file}:{line}" if line else file
    return LoadProblem(check_id, f"{where}: {text}", file, line)


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def shown(path: str) -> str:
    """A path as it may appear in origins and messages: valid UTF-8, no control characters (one line, always).

    A file name that is not UTF-8 reaches Python as surrogate escapes, which no output can encode; its bytes
    are shown as ``\\xNN`` instead (the file itself is still opened by its real name).
    """
    try:
        path.encode("utf-8")
        text = path
    except UnicodeEncodeError:
        text = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if _CONTROL.search(text):
        text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text


def reason(err: BaseException) -> str:
    if isinstance(err, OSError):
        if err.errno == errno.ELOOP:
            return "symbolic link loop (too many levels of symbolic links)"
        if err.strerror:
            return err.strerror
    return str(err) or type(err).__name__


def source_problem(path: str) -> str | None:
    """Why a SOURCE given on the command line cannot be opened at all (one line), or None when it exists."""
    try:
        os.stat(path)
    except OSError as err:
        if err.errno == errno.ENOENT:
            return f"{shown(path)}: no such file or directory" + (
                " (a symbolic link to a missing target)" if os.path.islink(path) else ""
            )
        return f"{shown(path)}: {reason(err)}"
    except ValueError as err:  # embedded NUL
        return f"{shown(path)}: {err}"
    return None


RENDER_HINT = " | mtls-inspect check -"
"""Ends every message that names a command whose output to check."""


class Walk:
    """Files to read for each SOURCE, and the problems of finding them.

    A folder is read recursively in sorted order (deterministic output); hidden files and folders (``.git``,
    editor swap files) are skipped, a file named explicitly is always read. What a folder holds is untrusted (a
    pull request can add anything to it): symbolic links are only followed when their target stays inside the
    SOURCE folder, and FIFOs, sockets and devices are skipped, each with a problem. A Helm chart or a
    kustomization is not read as manifests: it gets one problem naming the command whose output to check.
    """

    def __init__(self) -> None:
        self.problems: list[LoadProblem] = []
        self.render_first = False
        """A chart or kustomization was met: its problem already says what to do, no NO_OBJECTS on top."""

    def expand(self, path: str) -> list[str]:
        try:
            st = os.stat(path)
        except (OSError, ValueError) as err:
            self._unreadable(path, "no such file or folder" if _is_enoent(err) else f"cannot read: {reason(err)}")
            return []
        if stat.S_ISDIR(st.st_mode):
            if self._render_first(path, top=True):
                return []
            return self._folder(path)
        chart = _chart_of_template(path)
        if chart is not None:
            self._chart(path, chart, template=True)
            return []
        if os.path.basename(path) in KUSTOMIZATION_FILES:
            self._kustomization(os.path.dirname(path) or ".", os.path.basename(path))
            return []
        return [path]  # a regular file, or a FIFO / device named explicitly: read with the size bound

    def _unreadable(self, path: str, text: str) -> None:
        self.problems.append(problem(UNREADABLE_SOURCE, shown(path), 0, text))

    def _skipped(self, path: str, text: str) -> None:
        self.problems.append(problem(INPUT_SKIPPED, shown(path), 0, text))

    def _render_first(self, folder: str, *, top: bool) -> bool:
        """A chart or kustomization folder: one problem naming the command to run, and the folder is not read."""
        if top:
            chart = _chart_of_template(folder)
            if chart is not None:
                self._chart(folder, chart, template=True)
                return True
        try:
            names = set(os.listdir(folder))
        except OSError:
            return False  # reported when the folder itself is read
        if HELM_CHART_FILE in names:
            self._chart(folder, folder, template=False)
            return True
        found = next((name for name in KUSTOMIZATION_FILES if name in names), None)
        if found is not None:
            self._kustomization(folder, found)
            return True
        return False

    def _chart(self, path: str, chart: str, *, template: bool) -> None:
        self.render_first = True
        what = f"a template of the Helm chart {shown(chart)}" if template else "a Helm chart (Chart.yaml)"
        command = f"helm template {shlex.quote(shown(chart))}{RENDER_HINT}"
        self._unreadable(path, f"{what}, not manifests: check what it renders: {command}")

    def _kustomization(self, folder: str, name: str) -> None:
        self.render_first = True
        command = f"kubectl kustomize {shlex.quote(shown(folder))}{RENDER_HINT}"
        self._unreadable(folder, f"a kustomization ({name}), not plain manifests: check what it builds: {command}")

    def _folder(self, root: str) -> list[str]:
        real_root = os.path.realpath(root)
        problems_before = len(self.problems)
        linked_seen = False
        visited: set[str] = set()
        files: list[tuple[str, str, bool]] = []  # (path, real path, reached through a link)
        linked_dirs: list[str] = []
        pending = [root]
        while pending:
            folder = pending.pop()
            real_folder = os.path.realpath(folder)
            if real_folder in visited:
                continue  # two links to one folder, or a link back up: its files are read once
            visited.add(real_folder)
            try:
                with os.scandir(folder) as scan:
                    entries = sorted(scan, key=lambda e: e.name)
            except OSError as err:
                self._unreadable(folder, f"cannot read folder: {reason(err)}")
                continue
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                self._entry(entry, real_root, files, linked_dirs, pending)
            if not pending:
                linked_seen = linked_seen or any(linked for _, _, linked in files) or bool(linked_dirs)
                # Linked folders inside the root whose content no plain walk reaches (e.g. a hidden target).
                pending = [d for d in linked_dirs if os.path.realpath(d) not in visited]
                linked_dirs = []
        # A link to a file that is read under its own name too is skipped (else MTLS005 for the same object).
        real_files = {os.path.realpath(path) for path, _, linked in files if not linked} if linked_seen else set()
        out: list[str] = []
        for path, real, linked in sorted(files):
            if linked:
                if real in real_files:
                    continue  # the same file is read under its own name (or an earlier link's)
                real_files.add(real)
            out.append(path)
        if not out and len(self.problems) == problems_before:
            self.problems.append(problem(NO_OBJECTS, shown(root), 0, "folder holds no *.yaml, *.yml or *.json files"))
        return out

    def _entry(
        self,
        entry: os.DirEntry[str],
        real_root: str,
        files: list[tuple[str, str, bool]],
        linked_dirs: list[str],
        pending: list[str],
    ) -> None:
        path, name = entry.path, entry.name
        manifest = name.lower().endswith(MANIFEST_SUFFIXES)
        try:
            linked = entry.is_symlink()
            if linked:
                real = os.path.realpath(path)
                if os.path.commonpath([real, real_root]) != real_root:
                    self._skipped(path, "symbolic link to a path outside the source folder: not followed")
                    return
                st = os.stat(path)
            else:
                st = entry.stat(follow_symlinks=False)
                real = ""  # only needed when links exist (see _folder)
        except (OSError, ValueError) as err:
            if manifest or not _is_enoent(err):
                what = "broken symbolic link" if _is_enoent(err) else f"cannot read: {reason(err)}"
                self._unreadable(path, what)
            return
        if stat.S_ISDIR(st.st_mode):
            if linked:
                linked_dirs.append(path)
            elif not self._render_first(path, top=False):
                pending.append(path)
            return
        if not manifest:
            return
        if not stat.S_ISREG(st.st_mode):
            self._skipped(path, f"{_file_type(st.st_mode)}, not a regular file: skipped")
            return
        files.append((path, real, linked))


def _is_enoent(err: BaseException) -> bool:
    return isinstance(err, OSError) and err.errno in (errno.ENOENT, errno.ENOTDIR)


def _file_type(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def _chart_of_template(path: str) -> str | None:
    """The chart folder when ``path`` lies inside a chart's ``templates/`` folder (Chart.yaml beside it).

    Named relative to the current folder when it is below it (as a user types it), else absolute.
    """
    folder = os.path.abspath(path)
    while True:
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        if os.path.basename(folder) == "templates" and os.path.isfile(os.path.join(parent, HELM_CHART_FILE)):
            relative = os.path.relpath(parent)
            return relative if not relative.startswith("..") else parent
        folder = parent
