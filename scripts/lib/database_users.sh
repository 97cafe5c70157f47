# The database users of the chat programs, each with the least it needs (sourced, not run):
#
#   chat_migrate  every privilege on the database, and the grant option: it alone changes the
#                 schema, and its migrations (sql/009_program_privileges.sql and later) grant the
#                 two roles below what the programs need of each table they create;
#   chat_worker   role chat_worker_role: reads and writes sessions, messages, the answer cache
#                 and the session starts; reads nothing else and changes no schema;
#   chat_admin    role chat_admin_role: reads the conversations, erases and purges them, keeps
#                 the search index and the report rollups; changes no schema.
#
#   database_users_sql DATABASE HOST WORKER_PASSWORD ADMIN_PASSWORD MIGRATE_PASSWORD
#       prints the SQL that creates (or updates) them; run it as the server's root, before
#       chat-migrate. HOST is the users' host part: localhost for a unix socket, or the address
#       (or pattern, e.g. 10.0.0.%) the programs connect from. Passwords: letters and digits.

database_users_sql() {
  local database="$1" host="$2" worker="$3" admin="$4" migrate="$5" password
  for password in "$worker" "$admin" "$migrate"; do
    [[ "$password" =~ ^[A-Za-z0-9]+$ ]] || { echo "database_users_sql: passwords are letters and digits" >&2; return 2; }
  done
  [[ "$database" =~ ^[A-Za-z0-9_]+$ && "$host" =~ ^[A-Za-z0-9_.%:-]+$ ]] ||
    { echo "database_users_sql: bad database name or host" >&2; return 2; }
  cat <<SQL
CREATE DATABASE IF NOT EXISTS \`$database\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE ROLE IF NOT EXISTS chat_worker_role;
CREATE ROLE IF NOT EXISTS chat_admin_role;
CREATE USER IF NOT EXISTS 'chat_migrate'@'$host' IDENTIFIED BY '$migrate';
ALTER USER 'chat_migrate'@'$host' IDENTIFIED BY '$migrate';
GRANT ALL PRIVILEGES ON \`$database\`.* TO 'chat_migrate'@'$host' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS 'chat_worker'@'$host' IDENTIFIED BY '$worker';
ALTER USER 'chat_worker'@'$host' IDENTIFIED BY '$worker';
GRANT chat_worker_role TO 'chat_worker'@'$host';
SET DEFAULT ROLE chat_worker_role FOR 'chat_worker'@'$host';
CREATE USER IF NOT EXISTS 'chat_admin'@'$host' IDENTIFIED BY '$admin';
ALTER USER 'chat_admin'@'$host' IDENTIFIED BY '$admin';
GRANT chat_admin_role TO 'chat_admin'@'$host';
SET DEFAULT ROLE chat_admin_role FOR 'chat_admin'@'$host';
SQL
}
