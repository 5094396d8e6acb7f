"""Command line: the TUI by default, and the headless twins check, render, explain, rehearse, checks, completion.

Settings come from the command line over the config file (``inspector.config``: its keys are the options' long
names, turned into tokens placed before the user's) over NIC's defaults. ``check`` writes any number of outputs
(``-o FORMAT[=FILE]``), at most one on stdout; the config file's suppressions and a ``--baseline`` are applied to the
built report (pure functions in ``inspector.analysis``).

stdout is data, messages go to stderr, exit codes are an API (``inspector.exit_codes``). The headless commands
never import Textual or a Kubernetes client when they read files: every heavy import sits inside the function
that needs it (a test proves it).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import difflib
import errno
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from inspector import __version__
from inspector.exit_codes import UNUSABLE_INPUT_CHECKS, ExitCode, check_exit, unusable_input_note
from inspector.model import Cluster, ControllerSettings

if TYPE_CHECKING:
    from inspector.report import Report
    from inspector.sources.overlay import Proposed
    from inspector.tui.app import InspectorApp

COMMANDS = ("check", "render", "explain", "rehearse", "checks", "tui", "diff", "migrate", "checklist", "completion")
FORMATS = ("text", "json", "yaml", "sarif", "junit", "github", "markdown")


class UsageError(Exception):
    """Unusable input or command line: one line on stderr, exit 2."""


class _Parser(argparse.ArgumentParser):
    """argparse with "did you mean" for mistyped options and choices (``suggest_on_error`` is Python 3.14 only)."""

    def _all_options(self) -> list[str]:
        opts = list(self._option_string_actions)
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    opts += [o for o in sub._option_string_actions if o not in opts]
        return opts

    def error(self, message: str) -> NoReturn:
        hint = ""
        unknown = re.match(r"unrecognized arguments: (.*)", message)
        if unknown:
            for arg in unknown.group(1).split():
                if arg.startswith("-"):
                    close = difflib.get_close_matches(arg.split("=", 1)[0], self._all_options(), n=1, cutoff=0.6)
                    if close:
                        hint = f" (did you mean {close[0]}?)"
                        break
        choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if choice:
            options = re.findall(r"[\w-]+", choice.group(2))
            close = difflib.get_close_matches(choice.group(1), options, n=1, cutoff=0.5)
            if close:
                hint = f" (did you mean {close[0]}?)"
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}{hint}\n")


EXAMPLES: dict[str, str] = {
    "tui": """\
examples:
  mtls-inspect                              the bundled sample cluster
  mtls-inspect k8s/                         manifests in a folder
  mtls-inspect tui --plus k8s/              predicting NGINX Plus
  mtls-inspect --context prod -A            a live cluster, read-only""",
    "check": """\
examples:
  mtls-inspect check k8s/
  mtls-inspect check -f k8s/ -o json
  mtls-inspect check k8s/ -o sarif=mtls.sarif -o github -o junit=mtls.xml
  helm template chart | mtls-inspect check - --fail-on warning
  mtls-inspect check k8s/ --create-baseline mtls-baseline.json
  mtls-inspect check k8s/ --baseline mtls-baseline.json""",
    "render": """\
examples:
  mtls-inspect render k8s/ --host cafe.example.com
  mtls-inspect render --sample --resource Ingress/default/cafe-ingress""",
    "explain": """\
examples:
  mtls-inspect explain --sample cafe.example.com/tea
  mtls-inspect explain k8s/ webapp.example.com --format json""",
    "rehearse": """\
examples:
  mtls-inspect rehearse --sample --host cafe.example.com
  mtls-inspect rehearse k8s/ --client-cert client.crt --client-key client.key""",
    "checklist": """\
examples:
  mtls-inspect checklist cafe.example.com --sample
  mtls-inspect checklist shop.example.com k8s/ -o json > signoff.json
  mtls-inspect checklist cafe.example.com k8s/ -o markdown=signoff.md""",
    "checks": """\
examples:
  mtls-inspect checks
  mtls-inspect checks MTLS015
  mtls-inspect checks --format json""",
    "completion": """\
examples:
  mtls-inspect completion bash > /etc/bash_completion.d/mtls-inspect
  mtls-inspect completion zsh > "${fpath[1]}/_mtls-inspect"
  mtls-inspect completion fish > ~/.config/fish/completions/mtls-inspect.fish""",
}
"""The Examples section of each command's --help."""


def _add_common_options(p: argparse.ArgumentParser) -> None:
    """Options every command takes: --version, colour, verbosity, the config file."""
    p.add_argument("--version", action="version", version=f"mtls-inspect {__version__}")
    o = p.add_argument_group("output and config")
    o.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colours: auto (a terminal, unless NO_COLOR or TERM=dumb; FORCE_COLOR forces), always, never",
    )
    o.add_argument("-q", "--quiet", action="store_true", help="findings only: no headers, fixes or summary")
    o.add_argument("-v", "--verbose", action="count", default=0, help="more detail (evidence, NIC's outcome)")
    o.add_argument(
        "--config", metavar="FILE", help="config file (default: .mtls-inspect.yaml here or at the git repository root)"
    )
    o.add_argument("--no-config", action="store_true", help="ignore .mtls-inspect.yaml")
    o.add_argument("--show-config", action="store_true", help="print the merged settings and where each came from")


# --- argument parsing ----------------------------------------------------------------------------------------


def _add_source_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("input")
    g.add_argument(
        "sources",
        nargs="*",
        metavar="SOURCE",
        help="manifest files or folders (recursive: *.yaml, *.yml, *.json); '-' reads stdin; with --kubeconfig/"
        "--context: a proposed change, laid over the cluster",
    )
    g.add_argument(
        "-f", "--filename", action="append", default=[], dest="filenames", metavar="SOURCE", help="as kubectl: a SOURCE"
    )
    g.add_argument("--sample", action="store_true", help="use the bundled sample cluster")
    g.add_argument(
        "--stdin-name",
        default=None,
        metavar="NAME",
        help="name stdin's documents NAME in findings (default <stdin>; helm's '# Source:' comments win)",
    )
    g.add_argument(
        "--max-file-size",
        type=_file_size,
        default=None,
        metavar="SIZE",
        help="largest file, FIFO or stdin read, e.g. 64MiB (the default), 200MiB, 1048576",
    )
    g.add_argument("--kubeconfig", metavar="FILE", help="read a live cluster through this kubeconfig (read-only)")
    g.add_argument("--context", metavar="NAME", help="kubeconfig context (default: the current context)")
    g.add_argument(
        "-n", "--namespace", action="append", default=[], metavar="NS", help="live mode: namespace to read (repeatable)"
    )
    g.add_argument("-A", "--all-namespaces", action="store_true", help="live mode: read every namespace")
    c = p.add_argument_group("controller settings (NIC flags and ConfigMap keys; NIC 5.6 defaults)")
    c.add_argument("--plus", action="store_true", help="predict NGINX Plus (default: OSS)")
    c.add_argument("--ingress-class", default=None, metavar="CLASS", help="-ingress-class (default: nginx)")
    c.add_argument("--wildcard-tls-secret", default=None, metavar="NS/NAME", help="-wildcard-tls-secret")
    c.add_argument(
        "--no-ssl-dynamic-reload",
        action="store_true",
        help="-ssl-dynamic-reload=false: literal /etc/nginx/secrets paths instead of $secret_dir_path",
    )
    c.add_argument(
        "--watch-namespace",
        action="append",
        default=[],
        metavar="NS",
        help="-watch-namespace (repeatable or comma-separated)",
    )
    c.add_argument(
        "--no-custom-resources",
        action="store_true",
        help="-enable-custom-resources=false (policies annotations are then not honoured)",
    )
    c.add_argument(
        "--configmap",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a NIC ConfigMap key, e.g. http2=true (repeatable; wins over a ConfigMap found in the sources)",
    )
    c.add_argument("--nic-configmap", default=None, metavar="NS/NAME", help="which ConfigMap in the sources is NIC's")
    c.add_argument(
        "--nic-version",
        default=None,
        metavar="X.Y",
        help="the NIC release to predict: 5.3, 5.4, 5.5 or 5.6 (default: 5.6, or the NIC image's tag in live mode); "
        "docs/nic-versions.md",
    )
    c.add_argument(
        "--enable-cert-manager",
        action="store_true",
        help="-enable-cert-manager: a VirtualServer's spec.tls.cert-manager has cert-manager make spec.tls.secret",
    )
    g.add_argument(
        "--secret-made-elsewhere",
        action="append",
        default=[],
        dest="secret_made_elsewhere",
        metavar="NS/NAME=TYPE",
        help="a Secret not in the input that something else makes (Vault, CSI, ...), with its type "
        "(default Opaque); repeatable",
    )


def _file_size(text: str) -> int:
    from inspector.sources.files import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class _FormatAction(argparse.Action):
    """``--format F`` is ``-o F``; an ``--output FILE`` right after it (the old pairing) says where it goes."""

    def __call__(
        self, parser: argparse.ArgumentParser, ns: argparse.Namespace, value: object, opt: object = None
    ) -> None:
        ns.outputs = [*(ns.outputs or []), [str(value), None, True]]


class _OutputAction(argparse.Action):
    """``-o/--output FORMAT[=FILE]`` (kubectl's habit), repeatable."""

    def __call__(
        self, parser: argparse.ArgumentParser, ns: argparse.Namespace, value: object, opt: object = None
    ) -> None:
        outputs = list(ns.outputs or [])
        fmt, sep, target = str(value).partition("=")
        if fmt in FORMATS:
            if sep and not target:
                parser.error(f"-o {value}: give a file after '=', or no '=' for stdout")
            outputs.append([fmt, target or None, False])
        elif not sep and outputs and outputs[-1][2] and outputs[-1][1] is None:
            outputs[-1][1] = str(value)  # --format sarif --output r.sarif
        else:
            close = difflib.get_close_matches(fmt, FORMATS, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            parser.error(f"-o {value}: expected FORMAT[=FILE], FORMAT one of {', '.join(FORMATS)}{hint}")
        ns.outputs = outputs


def _add_check_options(p: argparse.ArgumentParser) -> None:
    p.set_defaults(outputs=None)
    p.add_argument(
        "-o",
        "--output",
        action=_OutputAction,
        dest="outputs",
        metavar="FORMAT[=FILE]",
        help=f"output: {', '.join(FORMATS)}; to FILE after '=', else stdout (repeatable, at most one on stdout)",
    )
    p.add_argument("--format", action=_FormatAction, dest="outputs", choices=FORMATS, help="same as -o FORMAT")
    p.add_argument(
        "--baseline",
        metavar="FILE",
        help="findings in this baseline (or SARIF log) are reported as such and do not count for the exit code",
    )
    p.add_argument("--create-baseline", metavar="FILE", help="write today's findings as a baseline to FILE")
    p.add_argument(
        "--docs-url",
        metavar="URL",
        help="base URL of the check pages (e.g. your web view of docs/checks.md): docs: lines and SARIF link there "
        "(default: $MTLS_INSPECT_DOCS_URL)",
    )
    p.add_argument(
        "--fail-on",
        choices=("error", "warning", "never"),
        default="error",
        help="exit 1 when a finding at or above this severity remains (default: error)",
    )
    p.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="ID[=Kind/ns/name]",
        help="suppress a check everywhere or on one object (repeatable); suppressed findings stay visible as such",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mtls-inspect",
        description=(
            "Predict what NGINX Ingress Controller does with ingressMTLS/egressMTLS policies, before rollout. "
            "With no command it opens the terminal UI (on the bundled sample when no SOURCE is given)."
        ),
        epilog="examples:\n  mtls-inspect k8s/\n  mtls-inspect check k8s/ -o sarif=mtls.sarif -o github\n"
        "  mtls-inspect explain k8s/ cafe.example.com/tea\n  mtls-inspect checks MTLS016\n\n"
        "exit codes: 0 ok, 1 findings at/above --fail-on (rehearse: a probe differed), 2 unusable input or "
        "command line, 130 interrupted. Config: .mtls-inspect.yaml (see --show-config).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mtls-inspect {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    tui = sub.add_parser(
        "tui", help="the terminal UI (the default command)", description="Open the terminal UI."
    )
    _add_source_options(tui)

    check = sub.add_parser(
        "check",
        help="rollout checks for people and CI (text, json, sarif, junit)",
        description="Run the rollout checks and print findings.",
    )
    _add_source_options(check)
    _add_check_options(check)

    render = sub.add_parser(
        "render",
        help="the NGINX configuration NIC would generate",
        description="Print the configuration files NIC would write to conf.d, as `nginx -T` shows them.",
    )
    _add_source_options(render)
    render.add_argument("--host", action="append", default=[], metavar="HOST", help="only files serving this host")
    render.add_argument(
        "--resource", action="append", default=[], metavar="Kind/ns/name", help="only the file of this resource"
    )

    explain = sub.add_parser(
        "explain",
        help="which policy wins at HOST[/PATH] and what a request gets",
        description="Explain the server and location NGINX picks for HOST[/PATH], the policies on the way, "
        "the effective mTLS settings and what clients get.",
        usage="mtls-inspect explain [options] [SOURCE ...] HOST[/PATH]",
    )
    _add_source_options(explain)
    explain.add_argument("-o", "--format", choices=("text", "json"), default="text", dest="explain_format")

    checklist = sub.add_parser(
        "checklist",
        help="the rollout sign-off of HOST (the TUI's checklist export), for a change ticket",
        description="Walk the seed's \"Checks Before Rollout\" for HOST: every step with its verdict (a step "
        "passes only where its policy takes effect and none of its checks fired), the evidence, the fix, the "
        "findings no step covers, the inputs with their digests and the host's rendered block.",
        usage="mtls-inspect checklist [options] HOST [SOURCE ...]",
    )
    _add_source_options(checklist)
    checklist.add_argument(
        "-o",
        "--format",
        dest="checklist_output",
        default="markdown",
        metavar="markdown|json[=FILE]",
        help="markdown (default) or json, optionally =FILE to write it there (never over an earlier file)",
    )

    rehearse = sub.add_parser(
        "rehearse",
        help="run the rendered config in real nginx, sandboxed, and probe it",
        description="Start real nginx in a sandbox with the configuration NIC would generate, send TLS clients "
        "at it and compare what happens with the prediction.",
    )
    _add_source_options(rehearse)
    rehearse.add_argument("--host", action="append", default=[], metavar="HOST", help="only this host (repeatable)")
    rehearse.add_argument("--client-cert", metavar="FILE", help="a client certificate that should be accepted")
    rehearse.add_argument("--client-key", metavar="FILE")
    rehearse.add_argument("--upstream-cert", metavar="FILE", help="the real upstream's server certificate")
    rehearse.add_argument("--upstream-key", metavar="FILE")
    rehearse.add_argument("-o", "--format", choices=("text", "json"), default="text", dest="rehearse_format")
    rehearse.add_argument("--keep", action="store_true", help="keep the temporary nginx prefix and print its path")
    rehearse.add_argument(
        "--allow-injection",
        action="store_true",
        help="rehearse even with MTLS068 findings (values injected into nginx.conf), sandboxed: for a lab",
    )

    diff = sub.add_parser(
        "diff",
        help="what a change does to mTLS posture: weakened, strengthened, changed",
        usage="%(prog)s [options] BEFORE AFTER | BEFORE... -- AFTER... | --before S... --after S...",
        description="Compare the effective mTLS posture of two states, host by host and location by location: "
        "client verification, 500 / fail-open / refused handshakes, what is sent upstream, which policy wins. "
        "Each side is SOURCE files or folders, git:REF or git:REF:PATH (read from git's object store, nothing is "
        "checked out), or the word 'cluster' (the live cluster of --kubeconfig/--context).",
        epilog="examples:\n  mtls-inspect diff git:HEAD~1 .\n  mtls-inspect diff old/ new/ -o markdown\n"
        "  mtls-inspect diff --kubeconfig K cluster -- manifests/\n"
        "exit codes: 0 no change at/above --fail-on, 1 met, 2 a side cannot be used",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_source_options(diff)
    diff.add_argument("--before", action="append", default=[], metavar="SIDE", help="a source of the before side")
    diff.add_argument("--after", action="append", default=[], metavar="SIDE", help="a source of the after side")
    diff.add_argument(
        "-o", "--output", dest="diff_format", choices=("text", "json", "markdown", "github"), default="text"
    )
    diff.add_argument("--tui", dest="diff_tui", action="store_true", help="open the diff in the terminal UI")
    diff.add_argument(
        "--fail-on",
        dest="diff_fail_on",
        choices=("weakened", "changed", "never"),
        default="weakened",
        help="exit 1 when a weakened change (default) or any change is found",
    )

    migrate = sub.add_parser(
        "migrate",
        help="translate ingress-nginx mTLS annotations to NIC Policies and annotations",
        description="For each Ingress with ingress-nginx auth-tls-*, proxy-ssl-* or backend-protocol annotations, "
        "write the NIC equivalent: ingressMTLS/egressMTLS Policy objects, nginx.org/policies and "
        "nginx.org/ssl-services annotations, and the nginx.org/ca Secrets NIC needs (certificates only, never a "
        "key). What has no NIC equivalent is listed with what is lost. Your files are never changed.",
        epilog="examples:\n  mtls-inspect migrate manifests/ > nic.yaml\n"
        "  mtls-inspect migrate manifests/ -o nic/ --verify\n"
        "exit codes: 0 translated, 1 --verify found a difference, 2 unusable input or output folder",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_source_options(migrate)
    migrate.add_argument("-o", "--output", dest="migrate_dir", metavar="DIR", help="write into this new folder")
    migrate.add_argument(
        "--rehearse",
        action="store_true",
        help="run ingress-nginx's and NIC's client-certificate directives in real nginx and compare the status codes",
    )
    migrate.add_argument("--client-cert", metavar="FILE", help="with --rehearse: a client certificate to try too")
    migrate.add_argument("--client-key", metavar="FILE")
    migrate.add_argument(
        "--verify",
        action="store_true",
        help="compare what ingress-nginx enforced with the original against what NIC will enforce with the result",
    )

    checks = sub.add_parser(
        "checks",
        help="list the check catalogue, or print one check's page",
        description="List every check, or print the page of one (what, why, NIC's text, outcome, fix, example).",
    )
    checks.add_argument("check_id", nargs="?", metavar="ID", help="a check id or slug, e.g. MTLS015")
    checks.add_argument("-o", "--format", choices=("text", "json", "markdown"), default="text", dest="checks_format")
    completion = sub.add_parser(
        "completion",
        help="shell completion script (bash, zsh, fish)",
        description="Print a completion script for the shell.",
    )
    completion.add_argument("shell", choices=("bash", "zsh", "fish"))
    for name, p in sub.choices.items():
        _add_common_options(p)
        if name in EXAMPLES:
            p.epilog = EXAMPLES[name]
            p.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def _normalise_argv(argv: Sequence[str]) -> list[str]:
    """No command means the TUI: ``mtls-inspect cafe.yaml`` is ``mtls-inspect tui cafe.yaml``."""
    args = list(argv)
    if args and (args[0] in COMMANDS or args[0] in ("-h", "--help", "--version")):
        return args
    if args and not args[0].startswith("-") and args[0] != "-" and not Path(args[0]).exists():
        close = difflib.get_close_matches(args[0], COMMANDS, n=1, cutoff=0.6)
        if close:
            raise UsageError(f"{args[0]!r} is neither a command nor a file: did you mean `mtls-inspect {close[0]}`?")
    return ["tui", *args]


# --- settings and input --------------------------------------------------------------------------------------


def settings_from_args(ns: argparse.Namespace, detected: dict[str, object] | None = None) -> ControllerSettings:
    """CLI options over auto-detected controller args (live mode) over NIC's defaults."""
    base = ControllerSettings()
    if detected:
        known = {k: v for k, v in detected.items() if hasattr(base, k)}
        base = replace(base, **known)  # type: ignore[arg-type]
    configmap = dict(base.configmap)
    for item in ns.configmap:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--configmap {item!r}: expected KEY=VALUE, e.g. http2=true")
        configmap[key.strip()] = value.strip()
    watch = tuple(n.strip() for item in ns.watch_namespace for n in item.split(",") if n.strip())
    from inspector.nic.versions import DEFAULT, resolve

    try:
        # A NIC image tag seen in live mode names the release; one that is not modelled leaves the default.
        nic_version = resolve(base.nic_version).name
    except ValueError:
        nic_version = DEFAULT
    if getattr(ns, "nic_version", None) is not None:
        try:
            nic_version = resolve(ns.nic_version).name
        except ValueError as exc:
            raise UsageError(f"--nic-version: {exc}") from None
    return replace(
        base,
        plus=ns.plus or base.plus,
        ingress_class=ns.ingress_class if ns.ingress_class is not None else base.ingress_class,
        wildcard_tls_secret=ns.wildcard_tls_secret if ns.wildcard_tls_secret is not None else base.wildcard_tls_secret,
        ssl_dynamic_reload=False if ns.no_ssl_dynamic_reload else base.ssl_dynamic_reload,
        watch_namespaces=watch or base.watch_namespaces,
        enable_custom_resources=False if ns.no_custom_resources else base.enable_custom_resources,
        configmap=configmap,
        nic_configmap=ns.nic_configmap if ns.nic_configmap is not None else base.nic_configmap,
        nic_version=nic_version,
        enable_cert_manager=bool(getattr(ns, "enable_cert_manager", False)) or base.enable_cert_manager,
    )


def _is_live(ns: argparse.Namespace) -> bool:
    return bool(ns.kubeconfig or ns.context or ns.namespace or ns.all_namespaces)


@dataclass
class Input:
    """What to analyse and how to (re)load it: the TUI reloads with the same callable."""

    label: str
    load: Callable[[], Cluster]
    watch_paths: tuple[Path, ...] = ()
    detected: dict[str, object] | None = None


def resolve_input(ns: argparse.Namespace, *, default_sample: bool) -> Input:
    if _is_live(ns):
        if ns.sample:
            raise UsageError("give either --sample or a live cluster (--kubeconfig/--context/-n/-A), not both")
        return _live_input(ns)
    paths: list[str] = list(ns.sources)
    if ns.sample or (not paths and default_sample):
        from inspector import samples

        sample = samples.path()
        # Inside a checkout the sample reads as ``sample-cluster/...`` (shorter file:line texts, relative SARIF uris).
        relative = os.path.relpath(sample)
        paths.append(relative if not relative.startswith("..") else str(sample))
    if not paths:
        raise UsageError("no input: give SOURCE files or folders, --sample, or --kubeconfig/--context")
    from inspector.sources import files

    for p in paths:
        problem = files.source_problem(p) if p != "-" else None
        if problem is not None:
            raise UsageError(problem)
    max_bytes = getattr(ns, "max_file_size", None) or files.MAX_FILE_BYTES
    stdin_name = getattr(ns, "stdin_name", None) or files.STDIN_NAME
    # Read once, bounded (the TUI reloads from the same bytes): a closed stdin is a finding, /dev/zero ends.
    stdin_data = files.read_stdin(max_bytes) if "-" in paths else None

    def load() -> Cluster:
        from inspector.sources.convert import load_cluster

        return load_cluster(paths, stdin=stdin_data, stdin_name=stdin_name, max_bytes=max_bytes)

    label = "sample cluster" if ns.sample or (not ns.sources and default_sample) else ", ".join(paths)
    return Input(label=label, load=load, watch_paths=tuple(Path(p) for p in paths if p != "-"))


def _proposed_reader(ns: argparse.Namespace) -> Callable[[], Proposed] | None:
    """Overlay mode (SOURCE with a live cluster): a reader of the proposed change, re-run on every reload."""
    if not ns.sources:
        return None
    paths: list[str] = list(ns.sources)
    from inspector.sources import files

    for p in paths:
        problem = files.source_problem(p) if p != "-" else None
        if problem is not None:
            raise UsageError(problem)
    max_bytes = getattr(ns, "max_file_size", None) or files.MAX_FILE_BYTES
    stdin_name = getattr(ns, "stdin_name", None) or files.STDIN_NAME
    stdin_data = files.read_stdin(max_bytes) if "-" in paths else None  # bounded, read once (reloads reuse it)

    def read() -> Proposed:
        from inspector.sources.overlay import read_proposed

        return read_proposed(paths, stdin=stdin_data, stdin_name=stdin_name, max_bytes=max_bytes)

    return read


def _live_input(ns: argparse.Namespace) -> Input:
    import asyncio

    from inspector.sources import live

    opts = live.LiveOptions(
        kubeconfig=ns.kubeconfig,
        context=ns.context,
        namespaces=tuple(ns.namespace),
        # Like kubectl: without -n or -A, the context's own namespace.
        all_namespaces=ns.all_namespaces,
    )
    proposed = _proposed_reader(ns)
    # Authentication (an exec plugin may prompt) happens here, before any UI owns the terminal.
    try:
        cluster, detected = asyncio.run(live.load_live(opts, proposed() if proposed else None))
    except live.LiveError as exc:
        raise UsageError(str(exc)) from None
    first = [cluster]

    def load() -> Cluster:
        if first:
            return first.pop()
        return asyncio.run(live.load_live_cluster(opts, proposed() if proposed else None))

    label = " ".join(cluster.sources) or (ns.context or "current context")
    watch = tuple(Path(p) for p in ns.sources if p != "-")
    return Input(label=label, load=load, watch_paths=watch, detected=detected)


def declared_secrets(ns: argparse.Namespace) -> Callable[[Cluster], Cluster]:
    """``--secret-made-elsewhere``: the snapshot with these Secrets as promised (the input's own makers first)."""
    from inspector.sources import promises

    try:
        declared = [promises.declared(item) for item in getattr(ns, "secret_made_elsewhere", None) or ()]
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return lambda cluster: promises.with_declared(cluster, declared) if declared else cluster


def with_declared_secrets(inp: Input, ns: argparse.Namespace) -> Input:
    """The input whose every load gets ``--secret-made-elsewhere``."""
    add, load = declared_secrets(ns), inp.load
    return replace(inp, load=lambda: add(load()))


def build(
    ns: argparse.Namespace, *, default_sample: bool = False, rendered: bool = True
) -> tuple[Input, ControllerSettings, Report]:
    """Load the input and build the report; ``rendered=False`` when no output reads the rendered directives."""
    from inspector.report import build_report

    ignores = getattr(ns, "ignore", [])
    if ignores:
        from inspector.analysis.checks import parse_ignores

        try:
            parse_ignores(ignores)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    inp = with_declared_secrets(resolve_input(ns, default_sample=default_sample), ns)
    settings = settings_from_args(ns, inp.detected)
    cluster = inp.load()
    report = build_report(cluster, settings, ignores=getattr(ns, "ignore", ()), rendered=rendered)
    return inp, settings, _finish(report, ns)


# --- commands ------------------------------------------------------------------------------------------------


def _write(text: str | Iterator[bytes], target: str | None, stdout: TextIO) -> None:
    """One output, ending in a newline. UTF-8 pieces (the JSON report, 50 MB at 10k objects, written an item at a
    time) go to the stream's binary buffer as they come, never joined or decoded into one text."""
    if not isinstance(text, str):
        _write_pieces(text, target, stdout)
        return
    if target is None or target == "-":
        stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        Path(target).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{target}: cannot write: {exc.strerror}") from None


def _write_pieces(pieces: Iterator[bytes], target: str | None, stdout: TextIO) -> None:
    """UTF-8 pieces that end with their own newline, cut at ASCII layout (each decodes on its own)."""
    if target is None or target == "-":
        buffer = getattr(stdout, "buffer", None)
        if buffer is None or (stdout.encoding or "").lower().replace("-", "") != "utf8":
            for piece in pieces:
                stdout.write(piece.decode("utf-8"))
            return
        stdout.flush()
        for piece in pieces:
            buffer.write(piece)
        buffer.flush()
        return
    try:
        with open(target, "wb") as out:
            for piece in pieces:
                out.write(piece)
    except OSError as exc:
        raise UsageError(f"{target}: cannot write: {exc.strerror}") from None


def _render_format(
    fmt: str, report: Report, *, color: bool, ns: argparse.Namespace | None = None, code: int = 0
) -> str | Iterator[bytes]:
    quiet = bool(getattr(ns, "quiet", False))
    verbose = bool(getattr(ns, "verbose", 0))
    docs_url: str | None = getattr(ns, "docs_url", None)
    if fmt in ("json", "yaml"):
        if fmt == "yaml":
            import yaml

            from inspector.report import to_json

            return yaml.safe_dump(to_json(report), sort_keys=False, allow_unicode=True, width=1000)
        from inspector._json import dump_chunks
        from inspector.report import json_document

        return dump_chunks(*json_document(report))
    if fmt == "sarif":
        from inspector.output.sarif import render_sarif

        return render_sarif(report, exit_code=code, docs_url=docs_url)
    if fmt == "junit":
        from inspector.output.junit import render_junit

        return render_junit(report, fail_on=getattr(ns, "fail_on", "error"))
    if fmt == "github":
        from inspector.output.github import render_github

        return render_github(report, docs_url=docs_url)
    if fmt == "markdown":
        from inspector.output.markdown import render_markdown

        return render_markdown(report, docs_url=docs_url)
    from inspector.output.text import render_text

    return render_text(report, color=color, quiet=quiet, verbose=verbose, docs_url=docs_url)


def _use_color(stream: TextIO, mode: str = "auto") -> bool:
    """``--color``: always/never, or auto: a terminal, unless NO_COLOR or TERM=dumb; FORCE_COLOR forces it."""
    if mode in ("always", "never"):
        return mode == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    return stream.isatty()


def _finish(report: Report, ns: argparse.Namespace) -> Report:
    """The config file's suppressions and the ``--baseline``, applied to a built report (both are pure)."""
    import datetime as dt

    findings = report.findings
    suppressions = getattr(ns, "config_suppressions", ())
    if suppressions:
        from inspector.analysis.suppressions import apply_suppressions

        findings = apply_suppressions(findings, suppressions, dt.datetime.now(dt.UTC).date())
    baseline = getattr(ns, "baseline", None)
    if baseline:
        from inspector.analysis.baseline import BaselineError, apply_baseline, read_baseline

        try:
            text = Path(baseline).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{baseline}: cannot read the baseline: {getattr(exc, 'strerror', None) or exc}") from None
        try:
            findings = apply_baseline(findings, read_baseline(text, baseline))
        except BaselineError as exc:
            raise UsageError(str(exc)) from None
    return replace(report, findings=findings) if findings is not report.findings else report


def _exit_code(report: Report, fail_on: str) -> int:
    """``exit_codes.check_exit`` over the findings that count: one in the ``--baseline`` does not, unless it says
    that input could not be used (that is exit 2 whatever a baseline says)."""
    counted = [f for f in report.findings if f.baseline_state != "unchanged" or f.id in UNUSABLE_INPUT_CHECKS]
    return int(check_exit(counted, fail_on))


READS_RENDERED = frozenset({"json", "yaml"})
"""The ``check`` formats that print rendered directives (the report's hosts); the others need no re-parse."""


def cmd_check(ns: argparse.Namespace, stdout: TextIO) -> int:
    outputs: list[tuple[str, str | None]] = [(o[0], o[1]) for o in (ns.outputs or [["text", None]])]
    if sum(1 for _, o in outputs if o in (None, "-")) > 1:
        raise UsageError("only one output can go to stdout: give the others a file, e.g. -o sarif=mtls.sarif")
    _, _, report = build(ns, rendered=any(fmt in READS_RENDERED for fmt, _ in outputs))
    if ns.create_baseline:
        import json

        from inspector.analysis.baseline import apply_baseline, baseline_json, fingerprint

        data = baseline_json(report.active_findings())
        _write(json.dumps(data, indent=2, ensure_ascii=False), ns.create_baseline, stdout)
        known = frozenset(fingerprint(f) for f in report.active_findings())
        report = replace(report, findings=apply_baseline(report.findings, known))
        if not ns.quiet:
            print(f"mtls-inspect: wrote {len(data['findings'])} findings to {ns.create_baseline}", file=sys.stderr)
    code = _exit_code(report, ns.fail_on)
    for fmt, target in outputs:
        color = target in (None, "-") and _use_color(stdout, ns.color)
        _write(_render_format(fmt, report, color=color, ns=ns, code=code), target, stdout)
    return _unusable_input_exit(report) or code


def _unusable_input_exit(report: Report, *, list_them: bool = False) -> ExitCode | None:
    """Exit 2 (with one stderr line saying why) when part of the input could not be used, whatever was printed.

    ``list_them``: also name those findings on stderr, for commands whose output does not list findings.
    """
    note = unusable_input_note(report.findings)
    if note is None:
        return None
    if list_them:
        unusable = [f for f in report.findings if f.id in UNUSABLE_INPUT_CHECKS]
        for f in unusable[:10]:
            where = f"{f.source}: " if f.source else ""
            print(f"mtls-inspect: {_printable(where + f.message)} [{f.id}]", file=sys.stderr)
        if len(unusable) > 10:
            print(f"mtls-inspect: ... and {len(unusable) - 10} more (see `mtls-inspect check`)", file=sys.stderr)
    print(f"mtls-inspect: {note}", file=sys.stderr)
    return ExitCode.UNUSABLE_INPUT


def cmd_render(ns: argparse.Namespace, stdout: TextIO) -> int:
    from inspector.output.common import printable
    from inspector.render import file_text

    # the report's own rendering (each host's directives) is not printed: each file is rendered once, below
    _, _, report = build(ns, rendered=False)
    wanted_hosts = set(ns.host)
    wanted_resources = {r.lower() for r in ns.resource}
    printed: list[str] = []
    for f in report.nic.files:
        ref = f.resource
        hosts = {h.host for h in report.hosts if h.result.config_file == f.name}
        if wanted_hosts and not (hosts & wanted_hosts):
            continue
        if wanted_resources and f"{ref.kind}/{ref.namespace}/{ref.name}".lower() not in wanted_resources:
            continue
        printed.append(f.name)
        # Manifest values reach the file names and the rendered text: no terminal escape is printed raw.
        stdout.write(printable(f"# configuration file /etc/nginx/{f.name}:", newlines=False) + "\n")
        stdout.write(printable(f"# generated by NIC for {ref.kind} {ref.namespace}/{ref.name}", newlines=False) + "\n")
        text = printable(file_text(f))
        stdout.write(text if text.endswith("\n") else text + "\n")
        stdout.write("\n")
    if not printed:
        if _unusable_input_exit(report, list_them=True):
            return ExitCode.UNUSABLE_INPUT
        what = ", ".join([*ns.host, *ns.resource]) or "any resource"
        raise UsageError(f"nothing to render for {what}: no configuration file NIC would write matches")
    return _unusable_input_exit(report, list_them=True) or ExitCode.OK


def _explain_width(stdout: TextIO) -> int:
    """A terminal's width (or COLUMNS); piped to a file or a program, wide enough that no cell is cut with '…'."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    isatty = getattr(stdout, "isatty", None)
    if isatty is not None and isatty():
        return shutil.get_terminal_size().columns
    return 1000


def cmd_explain(ns: argparse.Namespace, stdout: TextIO) -> int:
    if not ns.sources and not ns.sample and not _is_live(ns):
        raise UsageError("explain needs HOST[/PATH] after the sources, e.g. explain --sample cafe.example.com/tea")
    target = ns.sources.pop() if ns.sources else ""
    if not target:
        raise UsageError("explain needs HOST[/PATH], e.g. explain --sample cafe.example.com/tea")
    host, slash, rest = target.partition("/")
    path = "/" + rest if slash else "/"
    _, _, report = build(ns)
    from inspector.analysis.explain import explain

    exp = explain(report, host, path)
    if ns.explain_format == "json":
        from inspector._json import dumps
        from inspector.output.explain import explanation_json

        stdout.write(dumps(explanation_json(exp)) + "\n")
    else:
        from inspector.output.explain import render_explanation

        stdout.write(render_explanation(exp, color=_use_color(stdout, ns.color), width=_explain_width(stdout)))
    return _unusable_input_exit(report, list_them=True) or ExitCode.OK


def cmd_checklist(ns: argparse.Namespace, stdout: TextIO) -> int:
    """The TUI's sign-off, headless: the same steps and verdicts (``tui/signoff.py`` is pure, no Textual)."""
    import datetime as dt

    fmt, _, target = ns.checklist_output.partition("=")
    if fmt not in ("markdown", "json"):
        raise UsageError(f"checklist -o {fmt}: choose markdown or json (optionally =FILE)")
    if not ns.sources:
        raise UsageError("checklist needs HOST, e.g. checklist cafe.example.com --sample")
    host_name = ns.sources.pop(0)
    inp, _, report = build(ns, default_sample=False)
    host = next((h for h in report.hosts if h.host == host_name), None)
    if host is None:
        known = sorted(h.host for h in report.hosts)
        close = difflib.get_close_matches(host_name, known, n=1)
        hint = f"; did you mean {close[0]}?" if close else f" (hosts: {', '.join(known[:8]) or 'none'})"
        raise UsageError(f"checklist: no host {host_name!r} in the input{hint}")
    from inspector.tui import signoff

    results = signoff.walk(report, host)
    when = dt.datetime.now(dt.UTC)
    inputs = signoff.input_lines(report, host)
    if fmt == "json":
        from inspector._json import dumps

        text = dumps(signoff.as_json(report, host, results, when=when, inputs=inputs)) + "\n"
    else:
        text = signoff.markdown(
            report,
            host,
            results,
            {},
            source_label=inp.label,
            when=when,
            inputs=inputs,
            others=signoff.other_findings(report, host),
        )
    if target:
        path = Path(target)
        if path.exists():
            raise UsageError(f"checklist: {target} exists; an earlier sign-off is never overwritten")
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{target}: cannot write: {exc.strerror}") from None
    else:
        stdout.write(text)
    return _unusable_input_exit(report, list_them=True) or ExitCode.OK


def cmd_rehearse(ns: argparse.Namespace, stdout: TextIO) -> int:
    if bool(ns.client_cert) != bool(ns.client_key):
        raise UsageError("--client-cert and --client-key go together")
    if bool(ns.upstream_cert) != bool(ns.upstream_key):
        raise UsageError("--upstream-cert and --upstream-key go together")
    _, _, report = build(ns)
    from inspector.rehearse import RehearsalError, rehearse

    try:
        code = int(rehearse(report, ns, stdout=stdout, stderr=sys.stderr))
        if code not in (ExitCode.OK, ExitCode.FINDINGS):
            return code  # refused (2) or interrupted (130, 128 + signal) says more than the input note
        return _unusable_input_exit(report, list_them=True) or code
    except RehearsalError as exc:
        raise UsageError(str(exc)) from None


def cmd_diff(ns: argparse.Namespace, stdout: TextIO) -> int:
    from inspector.diff.command import exit_code as diff_exit
    from inspector.diff.command import run_diff
    from inspector.diff.sides import CLUSTER, Side, SideError

    after_dash: list[str] = getattr(ns, "after_dash", [])
    if ns.before or ns.after:
        if ns.sources or after_dash:
            raise UsageError("diff: give the sides either as --before/--after or as BEFORE AFTER, not both")
        before, after = Side("before", tuple(ns.before)), Side("after", tuple(ns.after))
    elif after_dash or "--" in getattr(ns, "raw_argv", ()):
        before, after = Side("before", tuple(ns.sources)), Side("after", tuple(after_dash))
    elif len(ns.sources) == 2:
        before, after = Side("before", (ns.sources[0],)), Side("after", (ns.sources[1],))
    else:
        raise UsageError("diff needs two sides: BEFORE AFTER, BEFORE... -- AFTER..., or --before/--after")
    if ns.sample:
        raise UsageError("diff: --sample is not a side; name the folders to compare")
    detected: dict[str, object] = {}
    live_cache: dict[tuple[str, ...], Cluster] = {}

    def load_paths(paths: Sequence[str]) -> Cluster:
        # A file side is files only: the cluster flags belong to the 'cluster' side.
        files_only: dict[str, object] = {"kubeconfig": None, "context": None, "namespace": [], "all_namespaces": False}
        sub = argparse.Namespace(**{**vars(ns), "sources": list(paths), "sample": False, **files_only})
        return with_declared_secrets(resolve_input(sub, default_sample=False), ns).load()

    def load_cluster(overlay: Sequence[str]) -> Cluster:
        """The live cluster, or with files the cluster with them laid over it (read once per set of files)."""
        if not _is_live(ns):
            raise UsageError("diff: the 'cluster' side needs --kubeconfig or --context")
        key = tuple(overlay)
        if key not in live_cache:
            inp = _live_input(argparse.Namespace(**{**vars(ns), "sources": list(overlay), "sample": False}))
            detected.update(inp.detected or {})
            live_cache[key] = declared_secrets(ns)(inp.load())
        return live_cache[key]

    def settings_for(side: Side) -> ControllerSettings:
        return settings_from_args(ns, detected if CLUSTER in side.specs else None)

    try:
        changes, b, a = run_diff(
            before,
            after,
            settings_for=settings_for,
            load_paths=load_paths,
            load_cluster=load_cluster,
            finish=declared_secrets(ns),
        )
    except SideError as exc:
        raise UsageError(str(exc)) from None
    for unusable in (b.unusable, a.unusable):
        if unusable:
            print(f"mtls-inspect: {_printable(unusable)}", file=sys.stderr)
    code = diff_exit(changes, ns.diff_fail_on, b.unusable, a.unusable)
    if ns.diff_tui:
        if not (sys.stdout.isatty() and sys.stdin.isatty()):
            raise UsageError("diff --tui needs a terminal; without one use -o text|json|markdown|github")
        from inspector.tui.diff_app import DiffApp

        return int(DiffApp(changes, before.label, after.label, exit_code=code).run() or code)
    from inspector.output.diff import render as render_diff

    stdout.write(render_diff(changes, b, a, ns.diff_format))
    return code


def cmd_migrate(ns: argparse.Namespace, stdout: TextIO) -> int:
    from inspector.migrate.command import MigrateError, run_migrate

    if _is_live(ns) or ns.sample:
        raise UsageError("migrate reads manifest files or folders (or '-'), not a live cluster or the sample")
    if not ns.sources:
        raise UsageError("migrate needs SOURCE files or folders, e.g. migrate manifests/")
    for p in ns.sources:
        if p != "-" and not Path(p).exists():
            raise UsageError(f"{p}: no such file or directory")
    try:
        return run_migrate(
            ns.sources,
            stdin=sys.stdin.buffer if "-" in ns.sources else None,
            out_dir=ns.migrate_dir,
            do_verify=ns.verify,
            settings=settings_from_args(ns),
            do_rehearse=ns.rehearse,
            client=(ns.client_cert, ns.client_key) if ns.client_cert else None,
            stdout=stdout,
            stderr=sys.stderr,
        )
    except MigrateError as exc:
        raise UsageError(str(exc)) from None


def cmd_checks(ns: argparse.Namespace, stdout: TextIO) -> int:
    from inspector.analysis.checks import check, check_json, check_page, checks_table

    if ns.check_id:
        try:
            found = check(ns.check_id)
        except KeyError:
            from inspector.analysis.checks import BY_ID, BY_SLUG

            wanted = ns.check_id.upper() if ns.check_id.upper().startswith("MTLS") else ns.check_id.lower()
            close = difflib.get_close_matches(wanted, [*BY_ID, *BY_SLUG], n=1)
            hint = f"; did you mean {close[0]}?" if close else " (see `mtls-inspect checks`)"
            raise UsageError(f"unknown check {ns.check_id!r}{hint}") from None
        if ns.checks_format == "json":
            import json

            stdout.write(json.dumps(check_json(found), indent=2, ensure_ascii=False) + "\n")
        else:
            stdout.write(check_page(found))
        return ExitCode.OK
    stdout.write(checks_table(ns.checks_format))
    return ExitCode.OK


def cmd_completion(ns: argparse.Namespace, stdout: TextIO) -> int:
    """A completion script generated from the parser itself (shtab), so new options complete without edits."""
    import shtab

    from inspector.config import subparsers

    parser = build_parser()
    for sub in [parser, *subparsers(parser).values()]:
        for action in sub._actions:
            if action.metavar in ("SOURCE", "FILE"):
                action.complete = shtab.FILE  # type: ignore[attr-defined,unused-ignore]
    stdout.write(shtab.complete(parser, shell=ns.shell))
    return ExitCode.OK


def _no_terminal(stdout: TextIO) -> bool:
    try:
        return not (sys.stdin.isatty() and stdout.isatty())
    except (AttributeError, ValueError):
        return True


def cmd_tui(ns: argparse.Namespace, stdout: TextIO) -> int:
    from inspector.report import build_report

    if _no_terminal(stdout):
        raise UsageError("no terminal for the TUI: in scripts and CI run `mtls-inspect check [SOURCE ...]`")
    if _is_live(ns):
        return _tui_live(ns)
    inp = with_declared_secrets(resolve_input(ns, default_sample=True), ns)
    settings = settings_from_args(ns, inp.detected)

    from inspector.tui.app import run_tui
    from inspector.tui.loading import LoadProgress, StagedLoad

    def load(progress: LoadProgress) -> Report:
        progress.stage("reading the sources")  # the TUI shows "reading the sources… 1s"
        cluster = inp.load()
        progress.stage(f"NIC's rules on {sum(1 for _ in cluster.all_objects())} objects")
        staged = progress.finishing(lambda report: _finish(report, ns))
        return _finish(build_report(cluster, settings, progress=staged), ns)

    return run_tui(StagedLoad(load), source_label=inp.label, watch_paths=inp.watch_paths)


def _tui_live(ns: argparse.Namespace) -> int:
    """Authenticate (an exec plugin may prompt) and reach the API server before the TUI owns the terminal; then
    load in the TUI's worker and follow changes with a watch in the TUI's own event loop."""
    result = _live_app(ns).run()
    return int(result or 0)


def _live_app(ns: argparse.Namespace) -> InspectorApp:
    """The TUI on a live cluster (with SOURCE: the proposed change laid over it, reloaded when a file changes)."""
    import asyncio

    from inspector.report import build_report
    from inspector.sources import live

    if ns.sample:
        raise UsageError("give either --sample or a live cluster (--kubeconfig/--context/-n/-A), not both")
    opts = live.LiveOptions(
        kubeconfig=ns.kubeconfig, context=ns.context, namespaces=tuple(ns.namespace), all_namespaces=ns.all_namespaces
    )
    proposed = _proposed_reader(ns)
    add_declared = declared_secrets(ns)

    async def connect() -> live.LiveCredentials:
        creds = await live.authenticate(opts)
        session = await live.open_session(creds)  # /version: unreachable, certificate, 401 fail here, in one line
        await session.close()
        return creds

    try:
        creds = asyncio.run(connect())
    except live.LiveError as exc:
        raise UsageError(str(exc)) from None

    from inspector.tui.app import InspectorApp
    from inspector.tui.loading import LoadProgress, StagedLoad

    def load(progress: LoadProgress) -> Report:
        progress.stage("reading the cluster")
        cluster, detected = live.snapshot_with(creds, proposed() if proposed else None)
        cluster = add_declared(cluster)
        progress.stage(f"NIC's rules on {sum(1 for _ in cluster.all_objects())} objects")
        staged = progress.finishing(lambda report: _finish(report, ns))
        return _finish(build_report(cluster, settings_from_args(ns, detected), progress=staged), ns)

    label = f"{creds.context} · " + (
        ", ".join(ns.namespace) if ns.namespace else "all namespaces" if ns.all_namespaces else "context namespace"
    )
    if proposed:
        label += " + " + ", ".join(ns.sources)
    watch = tuple(Path(p) for p in ns.sources if p != "-")
    touched = proposed().in_namespace(creds.namespace).namespaces() if proposed else ()
    return InspectorApp(
        StagedLoad(load), source_label=label, watch_paths=watch, live=live.LiveFollower(creds, touched)
    )


_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF, errno.EPIPE})


def _stdout_to_devnull(out: TextIO) -> None:
    """After a failed write, point stdout's descriptor at /dev/null so the exit-time flush cannot fail again
    (Python would print an ``Exception ignored`` traceback-like block)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # a StringIO in tests, or no descriptor at all
        pass


def _printable(message: str) -> str:
    from inspector.output.common import printable

    return printable(message, newlines=False)


def _fail(message: str) -> NoReturn:
    print(f"mtls-inspect: {_printable(message)}", file=sys.stderr)
    raise SystemExit(ExitCode.UNUSABLE_INPUT)


def parse_args(parser: argparse.ArgumentParser, argv: Sequence[str], stdout: TextIO) -> argparse.Namespace | None:
    """The command line over the config file over the defaults; ``None`` when ``--show-config`` printed it all."""
    args = _normalise_argv(argv)
    after_dash: list[str] | None = None
    if args and args[0] == "diff" and "--" in args:  # diff BEFORE... -- AFTER... [flags]
        cut = args.index("--")
        rest = args[cut + 1 :]
        flags = next((i for i, token in enumerate(rest) if token.startswith("-") and token != "-"), len(rest))
        args, after_dash = args[:cut] + rest[flags:], rest[:flags]
    user = parser.parse_args(args)
    from inspector.config import ConfigError, command_tokens, find_config, load_config, show_config, subparsers

    sub = subparsers(parser)[user.command]
    config = None
    path = None if user.no_config else (Path(user.config) if user.config else find_config())
    if user.config and not user.no_config and not Path(user.config).is_file():
        raise UsageError(f"{user.config}: no such config file")
    try:
        if path is not None:
            config = load_config(path, parser)
        tokens = command_tokens(config, sub, cli_outputs=getattr(user, "outputs", None) is not None) if config else []
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    ns = parser.parse_args([args[0], *tokens, *args[1:]]) if tokens else user
    if after_dash is not None:
        ns.after_dash = after_dash
        ns.raw_argv = ("--",)
    ns.config_suppressions = config.suppressions if config is not None else ()
    if hasattr(ns, "filenames"):
        for name in ns.filenames:
            if name in FORMATS and not Path(name).exists():  # the old `-f json`
                raise UsageError(f"-f {name}: -f names a SOURCE, as in kubectl; the output format is -o {name}")
        # -f SOURCE first: explain's HOST[/PATH] stays the last positional.
        ns.sources = [*ns.filenames, *ns.sources]
    if ns.show_config:
        stdout.write(show_config(sub, ns, args[1:], config))
        return None
    return ns


ONE_SHOT = ("check", "render", "explain", "checks")
"""Commands that build one report, write it and end: no cyclic GC, and no interpreter teardown (``entry``)."""


def entry() -> NoReturn:
    """The process's entry point (console script, ``python -m inspector``): ``main``, then a quick exit.

    A one-shot command's heap is garbage the moment its output is written; tearing it down object by object took
    0.3 s at 10k objects and 2 s at 50k. So stdout and stderr are flushed (every ``--output`` file is already
    closed by ``_write``) and the process ends with ``os._exit`` and main's exit code. The TUI and rehearse keep
    the normal exit (they own terminals, event loops, child processes and temp folders).
    """
    code = main(process=True)
    if _fast_exit:
        # What a normal exit does that matters: atexit handlers (a library's temp files are removed there) and
        # flushing; what it skips is freeing every object of the report one by one.
        atexit._run_exitfuncs()
        try:
            if sys.stdout is not None:
                sys.stdout.flush()
        except BrokenPipeError:  # the reader went away: as in main, not an error
            code = ExitCode.OK
        except OSError:
            code = ExitCode.UNUSABLE_INPUT
        with contextlib.suppress(OSError, AttributeError):
            sys.stderr.flush()
        os._exit(code)
    raise SystemExit(code)


_fast_exit = False
"""Set by ``main`` when this process runs a one-shot command (``entry`` then skips the teardown)."""


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, process: bool = False) -> int:
    """Run one command. ``process`` is set by ``entry`` only: this call is the whole process (see ``entry``)."""
    global _fast_exit
    out = stdout or sys.stdout
    if out is None:  # started with stdout closed (``>&-``): Python has no sys.stdout at all
        print("mtls-inspect: stdout is closed: nothing could be printed (redirect it to a file)", file=sys.stderr)
        return ExitCode.UNUSABLE_INPUT
    parser = build_parser()
    handlers = {
        "check": cmd_check,
        "render": cmd_render,
        "explain": cmd_explain,
        "rehearse": cmd_rehearse,
        "checks": cmd_checks,
        "tui": cmd_tui,
        "diff": cmd_diff,
        "migrate": cmd_migrate,
        "checklist": cmd_checklist,
        "completion": cmd_completion,
    }
    try:
        ns = parse_args(parser, sys.argv[1:] if argv is None else argv, out)
        if ns is None:
            return ExitCode.OK
        if process and ns.command in ONE_SHOT and not (hasattr(ns, "kubeconfig") and _is_live(ns)):
            # Nothing a one-shot command builds needs the cyclic collector (the report is acyclic; the few cycles in
            # libraries are freed at exit anyway); its passes over a growing heap cost 0.5 s at 10k objects. Live mode
            # keeps the normal exit (the Kubernetes client and its temp files).
            import gc

            gc.disable()
            _fast_exit = True
        code = int(handlers[ns.command](ns, out))
        out.flush()  # a full disk or /dev/full fails here, inside the handler below, not at interpreter exit
        return code
    except UsageError as exc:
        _fail(str(exc))
    except KeyboardInterrupt as exc:
        print("mtls-inspect: interrupted", file=sys.stderr)
        signum = getattr(exc, "signum", None)  # rehearse turns SIGTERM/SIGHUP/SIGQUIT into an interrupt
        return 128 + signum if isinstance(signum, int) else ExitCode.INTERRUPTED
    except BrokenPipeError:
        _stdout_to_devnull(out)
        return ExitCode.OK
    except OSError as exc:
        if exc.errno not in _OUTPUT_ERRNOS or exc.filename:
            if os.environ.get("MTLS_INSPECT_DEBUG"):
                raise
            text = f"{exc.filename}: {exc.strerror}" if exc.filename else f"{exc.strerror or exc}"
            print(f"mtls-inspect: {_printable(text)}", file=sys.stderr)
            return ExitCode.UNUSABLE_INPUT
        _stdout_to_devnull(out)
        print(f"mtls-inspect: cannot write the output: {exc.strerror}", file=sys.stderr)
        return ExitCode.UNUSABLE_INPUT
    except Exception as exc:  # a bug must still end in one line, not a traceback (MTLS_INSPECT_DEBUG=1 shows it)
        if os.environ.get("MTLS_INSPECT_DEBUG"):
            raise
        print(
            f"mtls-inspect: internal error: {type(exc).__name__}: {_printable(str(exc))} "
            "(set MTLS_INSPECT_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return ExitCode.UNUSABLE_INPUT


if __name__ == "__main__":
    raise SystemExit(main())
