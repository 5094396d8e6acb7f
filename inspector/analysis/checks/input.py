"""001-009, input and API-server admission: the problems sources/ recorded, and ignore annotations naming no
check.
"""

from __future__ import annotations

from inspector import catalogue
from inspector.analysis.checks.catalogue import BY_ID, IGNORE_ANNOTATION
from inspector.analysis.checks.drafts import Builder, Draft, source_at
from inspector.analysis.checks.suppression import unknown_ignore_ids
from inspector.model import ObjectRef, field_path


def input_findings(b: Builder) -> None:
    for n, problem in enumerate(b.cluster.problems):
        chk = BY_ID.get(problem.check_id) or BY_ID[catalogue.NOT_AN_OBJECT]
        line = f"{problem.file}:{problem.line}" if problem.line else problem.file
        if problem.ref is not None and problem.field:
            line = source_at(b.cluster, problem.ref, problem.field) or line
        # The loader's one-line message starts with its own file:line (it is printed alone when input is unusable);
        # a finding carries the place in ``source`` already.
        message = problem.message
        for prefix in (f"{problem.file}:{problem.line}: ", f"{problem.file}: "):
            if message.startswith(prefix):
                message = message[len(prefix) :]
                break
        b.draft(("input", n), Draft(chk, message, problem.ref, line))
    for n, (key, reason) in enumerate(b.cluster.unreadable_secrets.items()):
        chk = BY_ID[catalogue.SECRET_UNREADABLE]
        ns, _, name = key.partition("/")
        if any(p.check_id == chk.id and p.ref is not None and p.ref.key == key for p in b.cluster.problems):
            continue
        b.draft(
            ("unreadable", n), Draft(chk, f"Secret {key} could not be read: {reason}", ObjectRef("Secret", ns, name))
        )


def ignore_annotation_findings(b: Builder) -> None:
    chk = BY_ID[catalogue.UNKNOWN_CHECK_ID]
    for obj in b.cluster.all_objects():
        value = obj.meta.annotations.get(IGNORE_ANNOTATION)
        if not value:
            continue
        for ident in unknown_ignore_ids(value):
            ref = obj.meta.ref
            where = obj.meta.origin.at(field_path("metadata", "annotations", IGNORE_ANNOTATION))
            message = f"{IGNORE_ANNOTATION} on {ref} names an unknown check {ident!r}: it suppresses nothing"
            b.draft((chk.id, ref, ident), Draft(chk, message, ref, where))


