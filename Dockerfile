# mtls-inspect with Debian's nginx, so that `rehearse` works in the image too.
#
#   docker build -t mtls-inspect .
#   docker run --rm -v "$PWD:/work:ro" mtls-inspect check k8s/
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/work" mtls-inspect check k8s/ -o sarif=mtls.sarif -o text
#
# The tool runs as an unprivileged user; mount the manifests at /work (read-only is enough unless an output file is
# written there: then run as your own user, as in the second line).
FROM python:3.12-slim

RUN apt-get update \
    && RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx openssl \
    && rm -rf /var/lib/apt/lists/*

COPY . /tmp/mtls-inspect
RUN python -m pip install --no-cache-dir --disable-pip-version-check /tmp/mtls-inspect \
    && rm -rf /tmp/mtls-inspect \
    && useradd --create-home --uid 10001 inspector

USER inspector
WORKDIR /work
ENTRYPOINT ["mtls-inspect"]
CMD ["check", "--help"]
