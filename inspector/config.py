"""The config file ``.mtls-inspect.yaml``: settings repeated in every CI job, in one reviewed place.

Found in the current folder, else at the root of the git repository around it, or given with ``--config FILE``
(``--no-config`` ignores it). Every key is a command-line option's long name without the dashes (``ingress-class``,
``configmap``, ``fail-on``, ``ignore``, ``nic-version``, ...), so an option added to the CLI gets its config key for
free; a few keys are spelt for people (``outputs`` for ``-o``, ``secrets-made-elsewhere`` for
``--secret-made-elsewhere``). ``suppressions`` holds suppressions with a reason and an optional expiry date.

Settings become command-line tokens placed before the user's own, so the command line wins for a single value and
adds to a list (``--ignore``, ``--configmap``); a command line with ``-o``/``--format`` replaces the file's
``outputs``. Files named in the config file are relative to its folder. A key that belongs to another command
(``fail-on`` for ``render``) is skipped. An unknown key, a wrong type or a value the option refuses is exit 2 naming
the file and line.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import datetime as dt
import difflib
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    # The check registry is imported only when the file has suppressions (``--version`` stays fast).
    from inspector.analysis.suppressions import Suppression

CONFIG_NAME = ".mtls-inspect.yaml"
SUPPRESSIONS = "suppressions"
KEY_ALIASES: Mapping[str, str] = {
    "outputs": "outputs",
    "secrets-made-elsewhere": "secret_made_elsewhere",
}
"""Config keys spelt otherwise than their option's dest."""
NOT_CONFIGURABLE = frozenset(
    {"help", "version", "sources", "filenames", "command", "config", "no_config", "show_config", "create_baseline"}
)
_SUPPRESSION_KEYS = ("id", "reason", "expires", "objects")


class ConfigError(Exception):
    """An unusable config file: one line naming the file and line (exit 2)."""


@dataclass(frozen=True)
class Entry:
    key: str
    dest: str
    value: Any
    line: int


@dataclass(frozen=True)
class ConfigFile:
    path: Path
    entries: tuple[Entry, ...] = ()
    suppressions: tuple[Suppression, ...] = field(default=())

    def at(self, line: int) -> str:
        return f"{self.path}:{line}"


def find_config(cwd: Path | None = None) -> Path | None:
    """``.mtls-inspect.yaml`` in ``cwd``, else at the root of the git repository that contains ``cwd``."""
    here = (cwd or Path.cwd()).resolve()
    if (here / CONFIG_NAME).is_file():
        return here / CONFIG_NAME
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            candidate = folder / CONFIG_NAME
            return candidate if candidate.is_file() else None
    return None


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def configurable(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """dest -> action for the options a config key can set on this (sub)parser."""
    out: dict[str, argparse.Action] = {}
    for a in parser._actions:
        # The first option of a dest speaks for it (``-o/--output`` before its synonym ``--format``).
        if a.option_strings and a.dest not in NOT_CONFIGURABLE and a.dest != argparse.SUPPRESS:
            out.setdefault(a.dest, a)
    return out


def config_key(dest: str) -> str:
    for key, aliased in KEY_ALIASES.items():
        if aliased == dest:
            return key
    return dest.replace("_", "-")


def _fail(path: Path, line: int, message: str) -> ConfigError:
    return ConfigError(f"{path}:{line}: {message}")


def _date(value: Any, line: int, path: Path) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _fail(path, line, f"expires: expected a date YYYY-MM-DD, got {value!r}")


def _suppressions(node: yaml.Node, loader: yaml.SafeLoader, path: Path) -> tuple[Suppression, ...]:
    from inspector.analysis.suppressions import Suppression

    line = node.start_mark.line + 1
    if not isinstance(node, yaml.SequenceNode):
        raise _fail(path, line, "suppressions: expected a list of {id, reason, expires, objects}")
    out: list[Suppression] = []
    for item in node.value:
        at = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            raise _fail(path, at, "suppressions: each entry is a mapping with id and reason")
        values: dict[str, tuple[Any, int]] = {}
        for k, v in item.value:
            key = str(k.value)
            if key not in _SUPPRESSION_KEYS:
                raise _fail(
                    path,
                    k.start_mark.line + 1,
                    f"suppressions: unknown key {key!r} (expected {', '.join(_SUPPRESSION_KEYS)})",
                )
            values[key] = (loader.construct_object(v, deep=True), v.start_mark.line + 1)
        for required in ("id", "reason"):
            value = values.get(required, (None, at))[0]
            if not isinstance(value, str) or not value.strip():
                raise _fail(
                    path, values.get(required, (None, at))[1], f"suppressions: {required} must be a non-empty string"
                )
        objects: tuple[str, ...] = ()
        if "objects" in values:
            raw, oline = values["objects"]
            raw = [raw] if isinstance(raw, str) else raw
            if not isinstance(raw, list) or not all(isinstance(o, str) and len(o.split("/")) == 3 for o in raw):
                raise _fail(path, oline, "suppressions: objects must be a list of Kind/namespace/name")
            objects = tuple(o.strip() for o in raw)
        expires = _date(*values["expires"], path) if "expires" in values else None
        out.append(
            Suppression(
                check=values["id"][0].strip(),
                reason=values["reason"][0].strip(),
                expires=expires,
                objects=objects,
                origin=f"{path}:{at}",
            )
        )
    return tuple(out)


def load_config(path: Path, parser: argparse.ArgumentParser) -> ConfigFile:
    """Read and check ``path`` against the options of every command of ``parser``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise _fail(path, line, f"not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    finally:
        loader.dispose()
    if node is None:
        return ConfigFile(path=path)
    if not isinstance(node, yaml.MappingNode):
        raise _fail(path, node.start_mark.line + 1, "expected a mapping of settings (key: value)")
    known: dict[str, str] = {}
    for sub in [parser, *subparsers(parser).values()]:
        for dest in configurable(sub):
            known[config_key(dest)] = dest
    entries: list[Entry] = []
    suppressions: tuple[Suppression, ...] = ()
    seen: set[str] = set()
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        key = str(key_node.value)
        if key in seen:
            raise _fail(path, line, f"key {key!r} is already defined")
        seen.add(key)
        if key == SUPPRESSIONS:
            suppressions = _suppressions(value_node, loader, path)
            continue
        if key in KEY_ALIASES and KEY_ALIASES[key] not in known.values():
            option = "--" + KEY_ALIASES[key].replace("_", "-")
            raise _fail(path, line, f"{key}: this mtls-inspect has no {option} option (a newer version has)")
        if key not in known:
            close = difflib.get_close_matches(key, [*known, SUPPRESSIONS], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else " (see --show-config for the keys)"
            raise _fail(path, line, f"unknown key {key!r}{hint}")
        value = loader.construct_object(value_node, deep=True)
        entries.append(Entry(key=key, dest=known[key], value=value, line=value_node.start_mark.line + 1))
    return ConfigFile(path=path, entries=tuple(entries), suppressions=suppressions)


def _scalar(value: Any, key: str, path: Path, line: int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    if value is None:
        raise _fail(path, line, f"{key}: no value (give one, or remove the key)")
    if isinstance(value, float):
        raise _fail(path, line, f"{key}: write {value!r} in quotes (YAML reads it as a number)")
    raise _fail(path, line, f"{key}: expected a string, got {type(value).__name__}")


def tokens(entry: Entry, action: argparse.Action, path: Path) -> list[str]:
    """The command-line tokens that say what ``entry`` says; ConfigError for a wrong type."""
    opt = max(action.option_strings, key=len)
    if isinstance(action, argparse._StoreTrueAction | argparse._StoreFalseAction):
        if not isinstance(entry.value, bool):
            raise _fail(path, entry.line, f"{entry.key}: expected true or false, got {entry.value!r}")
        return [opt] if entry.value == isinstance(action, argparse._StoreTrueAction) else []
    if isinstance(action, argparse._CountAction):
        if isinstance(entry.value, bool) or not isinstance(entry.value, int) or entry.value < 0:
            raise _fail(path, entry.line, f"{entry.key}: expected a number 0 or more, got {entry.value!r}")
        return [opt] * entry.value
    repeatable = isinstance(action, argparse._AppendAction) or entry.dest == "outputs"
    if repeatable:
        value = entry.value
        if isinstance(value, Mapping):
            items = [
                f"{_scalar(k, entry.key, path, entry.line)}={_scalar(v, entry.key, path, entry.line)}"
                for k, v in value.items()
            ]
        elif isinstance(value, list):
            items = [_scalar(v, entry.key, path, entry.line) for v in value]
        else:
            items = [_scalar(value, entry.key, path, entry.line)]
        return [f"{opt}={_relative_to(path, action, item)}" for item in items]
    if isinstance(entry.value, list | Mapping):
        raise _fail(path, entry.line, f"{entry.key}: expected one value, got a {type(entry.value).__name__}")
    return [f"{opt}={_relative_to(path, action, _scalar(entry.value, entry.key, path, entry.line))}"]


def _relative_to(config: Path, action: argparse.Action, value: str) -> str:
    """A file named in the config file is relative to the config file's folder (the repository root, typically),
    wherever the command runs: options whose metavar is FILE, and the FILE of ``outputs: [FORMAT=FILE]``."""
    if action.dest == "outputs":
        fmt, sep, file = value.partition("=")
        return f"{fmt}={_join(config, file)}" if sep and file and file != "-" else value
    return _join(config, value) if action.metavar == "FILE" and value else value


def _join(config: Path, file: str) -> str:
    return file if Path(file).is_absolute() else str(config.parent / file)


def command_tokens(config: ConfigFile, sub: argparse.ArgumentParser, *, cli_outputs: bool) -> list[str]:
    """Tokens for the command ``sub``: each checked by the option itself (its choices, its type), one at a time so
    that a refusal names the line."""
    actions = configurable(sub)
    out: list[str] = []
    for entry in config.entries:
        action = actions.get(entry.dest)
        if action is None or (entry.dest == "outputs" and cli_outputs):
            continue
        toks = tokens(entry, action, config.path)
        # The option alone, in a parser of its own: the command's required arguments are not the file's business.
        alone = argparse.ArgumentParser(prog=sub.prog, add_help=False)
        alone._add_action(copy.copy(action))
        err = io.StringIO()
        try:
            with contextlib.redirect_stderr(err):
                alone.parse_args(toks)
        except SystemExit:
            message = err.getvalue().strip().splitlines()[-1] if err.getvalue().strip() else "invalid value"
            message = message.split("error: ", 1)[-1]
            raise _fail(config.path, entry.line, f"{entry.key}: {message}") from None
        out += toks
    return out


def _on_command_line(action: argparse.Action, argv: Sequence[str]) -> bool:
    """Whether one of the action's option strings is among the user's tokens (``--opt``, ``--opt=v``, ``-o v``)."""
    opts = action.option_strings
    return any(t in opts or any(t.startswith(o + "=") for o in opts if o.startswith("--")) for t in argv) or any(
        len(o) == 2 and t.startswith(o) and not t.startswith("--") for o in opts for t in argv
    )


def show_config(
    sub: argparse.ArgumentParser,
    merged: argparse.Namespace,
    argv: Sequence[str],
    config: ConfigFile | None,
) -> str:
    """Every setting of the command with its value and where it came from (default, file:line, command line)."""
    from_file = {e.dest: e for e in config.entries} if config is not None else {}
    given = {a.dest for a in sub._actions if _on_command_line(a, argv)}
    lines = [f"# config file: {config.path if config is not None else '(none)'}"]
    for dest, action in configurable(sub).items():
        value = getattr(merged, dest, None)
        origins: list[str] = []
        single = not isinstance(action, argparse._AppendAction | argparse._CountAction)
        if dest in from_file and not (dest in given and (single or dest == "outputs")):
            origins.append(config.at(from_file[dest].line) if config is not None else "")
        if dest in given:
            origins.append("command line")
        origin = " + ".join(origins) or "default"
        if dest == "outputs" and isinstance(value, list):
            value = [f"{o[0]}={o[1]}" if o[1] else o[0] for o in value]
        lines.append(f"{config_key(dest)}: {json.dumps(value, default=str)}  # {origin}")
    if config is not None and config.suppressions:
        lines.append(f"{SUPPRESSIONS}:")
        for s in config.suppressions:
            item = {"id": s.check, "reason": s.reason}
            if s.expires:
                item["expires"] = str(s.expires)
            if s.objects:
                item["objects"] = ", ".join(s.objects)
            lines.append(f"- {json.dumps(item)}  # {s.origin}")
    return "\n".join(lines) + "\n"


__all__ = [
    "CONFIG_NAME",
    "ConfigError",
    "ConfigFile",
    "Entry",
    "command_tokens",
    "config_key",
    "configurable",
    "find_config",
    "load_config",
    "show_config",
    "subparsers",
]
