"""``mtls-inspect migrate``: read, translate, write (stdout or a new folder), explain, and optionally verify."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TextIO

from inspector.exit_codes import UNUSABLE_INPUT_CHECKS, ExitCode
from inspector.migrate.translate import Migration, migrate
from inspector.model import Cluster, ControllerSettings
from inspector.sources import RawObject


class MigrateError(Exception):
    """A source or an output folder that cannot be used: exit 2 with this one line."""


def run_migrate(
    paths: Sequence[str],
    *,
    stdin: IO[bytes] | None,
    out_dir: str | None,
    do_verify: bool,
    settings: ControllerSettings,
    do_rehearse: bool = False,
    client: tuple[str, str] | None = None,
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    import yaml

    from inspector.output.diff import printable, to_text
    from inspector.sources.convert import build_cluster
    from inspector.sources.files import load_paths

    raws, problems = load_paths(paths, stdin=stdin)
    cluster = build_cluster(raws, problems, sources=list(paths))
    unreadable = [p for p in cluster.problems if p.check_id in UNUSABLE_INPUT_CHECKS]
    for p in unreadable:
        print(f"mtls-inspect: {printable(p.message)}", file=stderr)
    migrations = migrate(raws, cluster)
    if out_dir is not None:
        _check_out_dir(out_dir)
    if not migrations:
        print(
            "mtls-inspect: no Ingress with ingress-nginx mTLS annotations in the input: nothing to migrate", file=stderr
        )
        return ExitCode.UNUSABLE_INPUT if unreadable or not raws else ExitCode.OK
    files: dict[str, list[Migration]] = {}
    for m in migrations:
        files.setdefault(m.file, []).append(m)
    if out_dir is None:
        docs = [obj for m in migrations for obj in m.objects]
        stdout.write(yaml.safe_dump_all(docs, sort_keys=False, explicit_start=True, allow_unicode=True))
    else:
        for file, ms in files.items():
            target = Path(out_dir) / _mirror(file)
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "x", encoding="utf-8") as handle:
                handle.write(f"# migrated from {file} by mtls-inspect migrate\n")
                handle.write(
                    yaml.safe_dump_all([o for m in ms for o in m.objects], sort_keys=False, explicit_start=True)
                )
    _summary(migrations, out_dir, stderr)
    code: int = ExitCode.UNUSABLE_INPUT if unreadable else ExitCode.OK
    if do_verify:
        from inspector.migrate.verify import verify

        changes = verify(raws, migrations, settings)
        if changes:
            print("verify: what NIC will enforce differs from what ingress-nginx enforced:", file=stderr)
            stderr.write(to_text(changes, "ingress-nginx", "NIC"))
            code = code or ExitCode.FINDINGS
        else:
            print("verify: NIC will enforce what ingress-nginx enforced, host by host and path by path", file=stderr)
    if do_rehearse:
        code = _rehearse(raws, cluster, migrations, settings, client, stderr) or code
    return code


def _rehearse(
    raws: Sequence[RawObject],
    cluster: Cluster,
    migrations: Sequence[Migration],
    settings: ControllerSettings,
    client: tuple[str, str] | None,
    stderr: TextIO,
) -> int:
    """Both controllers' client-certificate directives in real nginx, the same clients: the status codes compared."""
    from inspector.migrate.ingress_nginx import parse
    from inspector.migrate.rehearse import rehearse_migration, render_rows
    from inspector.migrate.verify import migrated_raws
    from inspector.rehearse.material import MaterialError, load_material
    from inspector.rehearse.run import RehearsalError
    from inspector.report import build_report
    from inspector.sources.convert import build_cluster

    hosts = sorted(
        {
            r.host
            for m in migrations
            if (ing := cluster.ingresses.get(m.ingress.key)) is not None and parse(ing).auth is not None
            for r in ing.rules
            if r.host
        }
    )
    if not hosts:
        print("rehearse: no migrated host checks client certificates: nothing to rehearse", file=stderr)
        return ExitCode.OK
    try:
        material = load_material("given client", *client) if client is not None else None
        report = build_report(build_cluster(migrated_raws(raws, migrations)), settings)
        rows = rehearse_migration(cluster, report, hosts, client=material)
    except (RehearsalError, MaterialError) as exc:
        raise MigrateError(f"migrate --rehearse: {exc}") from None
    print("rehearse: ingress-nginx's and NIC's client-certificate directives in real nginx, same clients:", file=stderr)
    stderr.write(render_rows(rows))
    return ExitCode.FINDINGS if any(not r.same for r in rows) else ExitCode.OK


def _check_out_dir(out_dir: str) -> None:
    """Never overwrite: the folder must be new or empty (the user's own files are never changed)."""
    path = Path(out_dir)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise MigrateError(f"-o {out_dir}: exists and is not an empty folder; give a new folder")


def _mirror(file: str) -> str:
    if file == "<stdin>":
        return "stdin.yaml"
    relative = os.path.relpath(file)
    return relative if not relative.startswith("..") else os.path.basename(file)


def _summary(migrations: Sequence[Migration], out_dir: str | None, stderr: TextIO) -> None:
    from inspector.output.diff import printable

    policies = sum(1 for m in migrations for o in m.objects if o.get("kind") == "Policy")
    secrets = sum(1 for m in migrations for o in m.objects if o.get("kind") == "Secret")
    where = f" into {out_dir}" if out_dir else ""
    print(
        f"migrated {len(migrations)} Ingress(es){where}: {policies} Policy object(s), {secrets} nginx.org/ca Secret(s)",
        file=stderr,
    )
    for m in migrations:
        for n in m.notes:
            print(f"  {n.kind:<10} {n.ingress} ({printable(n.source)}): {printable(n.message)}", file=stderr)
