#!/bin/sh
# Entrypoint of the atonix-chat image (Dockerfile, runtime stage). With CHAT_MIGRATE=1 it applies
# the pending schema migrations first (chat-migrate is idempotent and records what it applied);
# then it replaces itself with the command, by default
#   chat-worker --listen 0.0.0.0:9000
# so that the program runs as the container's main process and gets `docker stop`'s SIGTERM.
# Other commands of the same image: `chat-admin --listen 0.0.0.0:9001`, `chat-migrate`.
set -eu
if [ "${CHAT_MIGRATE:-0}" = 1 ]; then
  chat-migrate --dir /opt/atonix-chat/sql
fi
exec "$@"
