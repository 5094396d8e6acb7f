"""Sources turn manifests (files, stdin, a live cluster) into the model's Cluster snapshot.

The contract between a source and the converter is ``RawObject``: a plain dict shaped exactly like
``kubectl get -o json`` output for one object, plus its Origin. The file loader and the live-cluster adapter both
produce RawObjects; ``sources.convert.build_cluster`` is the only place that turns them into model objects (and
applies the API server's behaviour: defaults, pruning, type checks).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from inspector.model import Origin


@dataclass(frozen=True)
class RawObject:
    obj: dict[str, Any]
    origin: Origin
    raw_scalars: Mapping[str, str] = field(default_factory=dict)
    """Source text of plain YAML scalars that became bool/int/float (``on`` for True) by field path, so a type
    refusal can say what to quote; empty for JSON and live objects."""
