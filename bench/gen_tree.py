#!/usr/bin/env python3
"""Writes a tree of typical project files for drydock's benchmark:
application Dockerfiles, Compose files and the odd daemon.json, with a
fixed seed so every run scans the same tree.

    bench/gen_tree.py OUT_DIR COUNT
"""
import os
import random
import sys

BASES = ["python:3.12-slim", "node:22-alpine", "golang:1.23", "debian:12-slim", "ubuntu:24.04",
         "alpine:3.20", "eclipse-temurin:21-jre", "nginx:1.27", "ruby:3.3", "php:8.3-fpm"]
PKGS = ["curl", "ca-certificates", "git", "make", "gcc", "libpq-dev", "tzdata", "openssl", "jq", "unzip"]


def dockerfile(r):
    base = r.choice(BASES)
    lines = []
    if r.random() < 0.4:
        lines += [f"FROM {r.choice(BASES)} AS build", "WORKDIR /src", "COPY . .",
                  f"RUN make build -j{r.randint(1, 8)} && strip /src/out/app", ""]
    lines += [f"FROM {base}", f"LABEL org.opencontainers.image.source=\"https://example.com/repo{r.randint(1, 999)}\""]
    if r.random() < 0.5:
        lines.append(f"ARG APP_VERSION={r.randint(1, 9)}.{r.randint(0, 20)}.{r.randint(0, 99)}")
    pk = " ".join(r.sample(PKGS, r.randint(2, 6)))
    if "alpine" in base:
        lines.append(f"RUN apk add --no-cache {pk}")
    else:
        lines.append("RUN apt-get update \\\n    && apt-get install -y --no-install-recommends " + pk + " \\\n    && rm -rf /var/lib/apt/lists/*")
    if r.random() < 0.3:
        lines.append("RUN curl -fsSL https://example.com/install.sh | sh")
    lines += ["WORKDIR /app", "COPY . /app"]
    if r.random() < 0.5:
        lines.append(f"RUN useradd --uid {r.randint(1000, 60000)} --create-home app && chown -R app /app")
        lines.append("USER app")
    lines.append(f"ENV PORT={r.choice([80, 3000, 8000, 8080])} LOG_LEVEL=info")
    lines.append(f"EXPOSE {r.choice([80, 3000, 8000, 8080])}")
    if r.random() < 0.5:
        lines.append("HEALTHCHECK --interval=30s CMD curl -fs http://localhost/health || exit 1")
    lines.append(r.choice(['CMD ["python", "-m", "app"]', 'CMD ["node", "server.js"]', "CMD ./app --serve", 'ENTRYPOINT ["/app/entrypoint.sh"]']))
    return "\n".join(lines) + "\n"


def compose(r):
    out = ["services:"]
    for i in range(r.randint(2, 4)):
        name = r.choice(["web", "api", "worker", "db", "cache", "proxy"]) + str(i)
        out += [f"  {name}:", f"    image: {r.choice(BASES)}"]
        if r.random() < 0.3:
            out.append("    build: .")
        out += ["    restart: unless-stopped", "    ports:", f"      - \"{r.randint(1024, 9999)}:{r.choice([80, 8080])}\""]
        out += ["    environment:", f"      LOG_LEVEL: info", f"      DB_HOST: db"]
        if r.random() < 0.3:
            out += ["    volumes:", "      - ./data:/data", "      - type: volume", "        source: cache", "        target: /cache"]
        if r.random() < 0.2:
            out.append("    privileged: true")
        if r.random() < 0.5:
            out += ["    read_only: true", "    cap_drop: [ALL]", "    security_opt: [\"no-new-privileges:true\"]"]
    out += ["volumes:", "  cache: {}"]
    return "\n".join(out) + "\n"


DAEMON = '{\n  "log-driver": "json-file",\n  "log-opts": {"max-size": "10m", "max-file": "3"},\n  "icc": false,\n  "live-restore": true\n}\n'


def main():
    out, count = sys.argv[1], int(sys.argv[2])
    r = random.Random(20261123)
    for n in range(count):
        d = os.path.join(out, f"svc{n // 100:03d}", f"part{(n // 10) % 10}")
        os.makedirs(d, exist_ok=True)
        if n % 50 == 49:
            path, text = os.path.join(d, "daemon.json"), DAEMON
        elif n % 4 == 3:
            path, text = os.path.join(d, f"compose.{n}.yaml"), compose(r)
        else:
            path, text = os.path.join(d, f"{n}.Dockerfile"), dockerfile(r)
        with open(path, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
