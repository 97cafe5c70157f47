# The mariadb container's init step (/docker-entrypoint-initdb.d, sourced once, when the data
# directory is created): the chat programs' database users, each with the least it needs
# (scripts/lib/database_users.sh), reachable from the backend network. An existing data
# directory keeps its users: run the same SQL as root to add these (README, Containers).
source /usr/local/share/atonix-chat/database_users.sh
chat_users_sql="$(database_users_sql chat % "$CHAT_WORKER_DB_PASSWORD" "$CHAT_ADMIN_DB_PASSWORD" \
  "$CHAT_MIGRATE_DB_PASSWORD")" || exit 1
docker_process_sql <<<"$chat_users_sql"
