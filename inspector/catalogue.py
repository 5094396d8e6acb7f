"""Stable check ids, shared by every stage that can produce a finding.

Ids are ``MTLS`` + three digits, never reused (istioctl's ISTnnnn habit). Ranges keep stages apart:
001-009 input and API-server admission (sources/), 010-059 what NIC itself enforces, 060-099 lints NIC does not
enforce, 100-129 certificate facts, 130-139 live cluster. The full registry with titles, severities and
remediations lives in ``inspector.analysis.checks``; this module only holds the ids sources/ needs, so that the
bottom layers do not import the analysis layer.
"""

from __future__ import annotations

UNREADABLE_SOURCE = "MTLS001"
"""A file or document that cannot be read or parsed (syntax error, binary, encoding, alias bomb, too deep)."""
NOT_AN_OBJECT = "MTLS002"
"""A document that is not a Kubernetes object (not a mapping, missing kind/apiVersion/metadata.name)."""
API_SERVER_REJECTS = "MTLS003"
"""A field of the wrong type or value the API server's schema would refuse: the object never reaches NIC."""
PRUNED_FIELD = "MTLS004"
"""An unknown field of a CRD that the structural schema prunes (e.g. a misspelled ``ingress_MTLS``)."""
DUPLICATE_OBJECT = "MTLS005"
"""The same kind/namespace/name twice in the sources: the later one replaces the earlier, as ``kubectl apply`` would."""
NO_OBJECTS = "MTLS006"
"""The whole input holds no Kubernetes object (empty stdin, an empty folder, only comments): nothing to check."""
SUPPRESSION_EXPIRED = "MTLS007"
"""A config-file suppression past its ``expires:`` date: it no longer suppresses, and says so."""
UNKNOWN_CHECK_ID = "MTLS008"
"""An ``mtls-inspect/ignore`` annotation or a config suppression names a check id that does not exist."""
INPUT_SKIPPED = "MTLS009"
"""Input deliberately not read: a link leaving the source folder, a non-regular file, findings past the per-file cap."""
INGRESS_NGINX_ANNOTATION = "MTLS072"
"""An Ingress NIC handles carries the community ingress-nginx controller's mTLS annotations, which NIC ignores."""
SECRET_CONTENT_UNKNOWN = "MTLS112"
"""A Secret another object makes (cert-manager, External Secrets, Sealed Secrets, declared): content unknown."""
SECRET_UNREADABLE = "MTLS130"
"""Live mode: a Secret a policy or TLS section references could not be read (RBAC): it cannot be verified."""
KIND_NOT_INSTALLED = "MTLS131"
"""Live mode: a kind's API (CRD) is not installed in the cluster (404 on its list); reported once per kind."""
KIND_UNREADABLE = "MTLS132"
"""Live mode: listing a kind was refused (RBAC 403 or a server error): objects of that kind are missing."""
PREDICTION_DISAGREES = "MTLS133"
"""Live mode: NIC's own status or latest event says something else than the prediction."""
