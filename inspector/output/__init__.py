"""CI and terminal renderings of a Report: text (rich), SARIF 2.1.0, JUnit XML, and explain.

Each renderer is ``render_<fmt>(report) -> str`` and reads only the Report (never re-derives a NIC rule). The
JSON report contract is ``inspector.report.to_json``. Nothing here imports Textual or a Kubernetes client.
"""
