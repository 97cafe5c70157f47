# Container image of the AtonixDev chatbot backend.
#
#   docker build -t atonix-chat .                 the default target, "runtime": chat-worker,
#                                                 chat-admin and chat-migrate, non-root
#   docker build --target web -t atonix-chat-web . nginx with the widget, demo and dashboard,
#                                                 for the compose file's nginx service
#
# Stages: "build" installs the build dependencies with the same script and package list as
# scripts/run and scripts/test (scripts/lib/common.sh: ensure_packages $BUILD_PACKAGES) and builds
# with build_tree (CMake, Release, no tests); "runtime" holds only the shared libraries the
# programs need; "dashboard" installs the dashboard's npm packages with scripts/lib/dashboard.sh;
# "web" is Debian's nginx (1.22, as the nginx:1.22 image) configured by docker/nginx.conf.
#
# The runtime image's entrypoint (docker/entrypoint.sh) runs `chat-worker --listen 0.0.0.0:9000`
# by default, after `chat-migrate` when CHAT_MIGRATE=1; any other command replaces the default:
#   docker run --env-file .env atonix-chat chat-admin --listen 0.0.0.0:9001
# Configuration is the environment of CONTRACT.md (CHAT_DATABASE_URL, HUGGINGFACE_API_KEY, ...).
# Mount your own knowledge file over /opt/atonix-chat/config/knowledge.md (and, for your own
# wording, assistant.json beside it).
#
# Needs BuildKit (Docker's default builder since 23.0) or buildah, for the ccache cache mount.
# Base images are only ever debian:12, so the image also builds where a minimal Debian 12 root
# was imported under that name (tests/deploy/test_container.py does that with debootstrap).

FROM debian:12 AS build
COPY scripts/lib/common.sh /opt/atonix-chat/scripts/lib/common.sh
RUN cd /opt/atonix-chat \
 && bash -c 'REPO_DIR=$PWD && . scripts/lib/common.sh && ensure_packages $BUILD_PACKAGES ccache' \
 && rm -rf /var/lib/apt/lists/*
# The whole context (.dockerignore keeps it to sources, schema, scripts and static files); ccache
# in a cache mount makes a rebuild after an unrelated change cheap. The source directory is the
# install directory, so the compiled-in defaults (sql/, config/knowledge.md) hold in "runtime".
# /install is what the runtime stage gets, in one layer.
COPY . /opt/atonix-chat/
RUN --mount=type=cache,target=/root/.cache/ccache,id=atonix-chat-ccache \
    cd /opt/atonix-chat \
 && bash -c 'REPO_DIR=$PWD && . scripts/lib/common.sh && export CCACHE_DIR=/root/.cache/ccache \
      && build_tree build -DCMAKE_BUILD_TYPE=Release -DCHAT_TESTS=OFF \
           -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache' \
 && mkdir -p /install/usr/local/bin /install/opt/atonix-chat/config \
 && install -m 755 -s build/chat-worker build/chat-admin build/chat-migrate /install/usr/local/bin/ \
 && install -m 755 docker/entrypoint.sh /install/usr/local/bin/chat-entrypoint \
 && install -m 755 docker/healthcheck.sh /install/usr/local/bin/chat-healthcheck \
 && cp -r sql /install/opt/atonix-chat/ \
 && cp config/knowledge.md config/assistant.json /install/opt/atonix-chat/config/ \
 && chmod -R a+rX /install/opt


FROM debian:12 AS dashboard
WORKDIR /opt/atonix-chat
COPY scripts/lib/common.sh scripts/lib/dashboard.sh scripts/lib/
COPY admin/dashboard/package.json admin/dashboard/package-lock.json admin/dashboard/
RUN bash -c 'REPO_DIR=$PWD && . scripts/lib/common.sh && . scripts/lib/dashboard.sh && prepare_dashboard'


FROM debian:12 AS web
WORKDIR /usr/share/atonix-chat
COPY scripts/lib/common.sh scripts/lib/nginx.sh scripts/lib/
RUN bash -c 'REPO_DIR=$PWD && . scripts/lib/common.sh && ensure_packages nginx curl' \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default
COPY nginx/snippets nginx/snippets/
COPY widget widget/
COPY admin/dashboard admin/dashboard/
COPY --from=dashboard /opt/atonix-chat/admin/dashboard/vendor admin/dashboard/vendor/
COPY docker/nginx.conf /etc/nginx/nginx.conf
COPY docker/nginx-entrypoint.sh /usr/local/bin/chat-nginx-entrypoint
EXPOSE 8080 8081
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD curl -fsS -o /dev/null http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/chat-nginx-entrypoint"]
CMD ["nginx", "-g", "daemon off;"]


FROM debian:12 AS runtime
# The image's settings come first: each instruction is a layer, and under the vfs storage driver
# (tests/deploy/test_container.py) every layer is a full copy of the root, so these copy the
# small base rather than the finished image. Docker itself is indifferent to the order.
ENV CHAT_KNOWLEDGE_FILE=/opt/atonix-chat/config/knowledge.md
WORKDIR /opt/atonix-chat
EXPOSE 9000
# /healthz over FastCGI: unhealthy while the database is unreachable. For chat-admin set
# CHAT_HEALTHCHECK_ADDRESS=127.0.0.1:9001 CHAT_HEALTHCHECK_PATH=/admin/api/stats
# CHAT_HEALTHCHECK_STATUS=401 (see docker/compose.yaml).
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/chat-healthcheck"]
ENTRYPOINT ["/usr/local/bin/chat-entrypoint"]
CMD ["chat-worker", "--listen", "0.0.0.0:9000"]
# Only what the programs load (ldd of chat-worker and chat-admin: libfcgi, libcurl with OpenSSL,
# jsoncpp, Connector/C++ on libmariadb), the CA store for the model service's TLS, and cgi-fcgi
# for the health check.
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      libfcgi0ldbl libcurl4 libjsoncpp25 libmysqlcppconn7v5 libssl3 ca-certificates libfcgi-bin \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin chat
# The programs (/usr/local/bin), the entrypoint and health check, sql/ and config/knowledge.md.
COPY --from=build /install/ /
# A numeric user, so that "run as non-root" policies (Kubernetes runAsNonRoot) can verify it.
USER 10001:10001
