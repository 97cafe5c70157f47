"""MariaDB servers on the hosts of hosts.py, for the multi-host suites: one plain server, or a
three-node Galera cluster (Debian's galera-4 provider, SST by rsync), with the chat database, the
programs' users (scripts/lib/database_users.sh, for the hosts' network) and the schema migrated
by chat-migrate. The test reaches each server as root through its unix socket (a file: sockets
on disk do not belong to a network namespace); the programs reach it over TCP, by address.
"""
import os
import secrets
import subprocess
import time

from harness import BUILD_DIR, REPO_DIR, shell_library, temporary_directory

GALERA_PROVIDER = "/usr/lib/galera/libgalera_smm.so"
PORT = 3306
PROGRAMS = ("worker", "admin", "migrate")

# Failover within about a second: a node that stops answering is suspected after 0.5 s of
# silence (keepalives every 0.1 s, checked every 0.1 s) and evicted once the others agree, at
# the latest after 1 s (inactive_timeout); a new view is installed within 1 s. Galera's defaults
# (1 s keepalive, 5 s suspect, 15 s inactive) stall every commit of the cluster for 5 to 15 s
# after a node dies. Fine on one machine's bridge; across a real network use a little more.
FAST_FAILOVER_OPTIONS = ("evs.keepalive_period=PT0.1S; evs.inactive_check_period=PT0.1S; "
                         "evs.suspect_timeout=PT0.5S; evs.inactive_timeout=PT1S; "
                         "evs.install_timeout=PT1S; evs.join_retrans_period=PT0.1S; "
                         "gmcast.peer_timeout=PT1S; pc.announce_timeout=PT0.5S; "
                         "gcache.size=32M")


class DatabaseNode:
    """One mariadbd on `host`, under a directory of its own; a Galera member when `cluster`
    lists the members' addresses."""

    def __init__(self, host, name, cluster=None):
        self.host, self.name, self.cluster = host, name, cluster
        self.directory = temporary_directory(f"chat-node-{name}-")
        os.chmod(self.directory, 0o755)  # mariadbd runs as the mysql user
        self.socket = os.path.join(self.directory, "mariadb.sock")
        self.log = os.path.join(self.directory, "mariadb.log")
        self.process = None

    def initialise(self):
        """An empty server: system tables, root by its unix socket only."""
        data = os.path.join(self.directory, "data")
        os.makedirs(data)
        os.makedirs(os.path.join(self.directory, "tmp"))
        subprocess.run(["chown", "-R", "mysql:mysql", self.directory], check=True)
        subprocess.run(["mariadb-install-db", "--no-defaults", "--user=mysql", f"--datadir={data}",
                        f"--tmpdir={self.directory}/tmp", "--auth-root-authentication-method=socket",
                        "--skip-test-db"], check=True, capture_output=True, timeout=120)

    def prepare_empty(self):
        """An empty data directory: a Galera joiner receives everything by SST."""
        os.makedirs(os.path.join(self.directory, "data"))
        os.makedirs(os.path.join(self.directory, "tmp"))
        subprocess.run(["chown", "-R", "mysql:mysql", self.directory], check=True)

    def arguments(self, bootstrap=False):
        arguments = [
            "mariadbd", "--no-defaults", "--user=mysql", f"--datadir={self.directory}/data",
            f"--tmpdir={self.directory}/tmp", f"--socket={self.socket}",
            f"--pid-file={self.directory}/mariadb.pid", f"--log-error={self.log}",
            f"--bind-address={self.host.address}", f"--port={PORT}", "--skip-name-resolve",
            "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
            "--max-connections=1000", "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M",
            "--innodb-flush-log-at-trx-commit=2"]
        if self.cluster:
            members = ",".join(self.cluster)
            arguments += [
                "--wsrep-on=ON", f"--wsrep-provider={GALERA_PROVIDER}", "--wsrep-cluster-name=chat-test",
                f"--wsrep-cluster-address=gcomm://{members}", f"--wsrep-node-address={self.host.address}",
                f"--wsrep-node-name={self.name}", "--wsrep-sst-method=rsync",
                f"--wsrep-provider-options={FAST_FAILOVER_OPTIONS}",
                "--binlog-format=ROW", "--innodb-autoinc-lock-mode=2", "--default-storage-engine=InnoDB"]
            if bootstrap:
                arguments.append("--wsrep-new-cluster")
        return arguments

    def launch(self, bootstrap=False):
        self.process = self.host.popen(self.arguments(bootstrap), stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)

    def query(self, sql, timeout=30):
        """Runs SQL as root (on stdin: it may hold passwords); returns the rows as lists of strings."""
        done = subprocess.run(["mariadb", "--no-defaults", f"--socket={self.socket}", "-uroot", "-N", "-B"],
                              input=sql, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{self.name}: {done.stderr.strip()}")
        return [line.split("\t") for line in done.stdout.splitlines()]

    def status(self, name):
        rows = self.query(f"SHOW GLOBAL STATUS LIKE '{name}'")
        return rows[0][1] if rows else None

    def answers(self):
        try:
            self.query("SELECT 1", timeout=5)
            return True
        except (RuntimeError, subprocess.TimeoutExpired):
            return False

    def synced(self, cluster_size):
        try:
            return (self.status("wsrep_local_state_comment") == "Synced"
                    and int(self.status("wsrep_cluster_size")) == cluster_size)
        except (RuntimeError, subprocess.TimeoutExpired, TypeError, ValueError):
            return False

    def wait_until(self, condition, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited while {what}: see {self.log}\n{self.log_tail()}")
            if condition():
                return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name}: not {what} after {timeout} s: see {self.log}\n{self.log_tail()}")

    def log_tail(self, lines=20):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as file:
                return "".join(file.readlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout=60):
        """A clean shutdown (SIGTERM), as the service manager does."""
        self.process.terminate()
        self.process.wait(timeout)

    def kill(self):
        """kill -9 of the server (and of anything else on its host)."""
        self.host.kill_all()
        if self.process:
            self.process.wait(10)


class Credentials:
    """The programs' database users and their passwords (made here, never printed)."""

    def __init__(self):
        self.passwords = {program: secrets.token_hex(16) for program in PROGRAMS}

    def sql(self, network):
        """The SQL of database_users.sh creating the users for clients on `network` (a pattern)."""
        p = self.passwords
        return shell_library(f'database_users_sql chat "$NETWORK" "$W" "$A" "$M"', NETWORK=network,
                             W=p["worker"], A=p["admin"], M=p["migrate"])

    def url(self, program, addresses, database="chat"):
        hosts = ",".join(f"{address}:{PORT}" for address in addresses)
        return f"mysql://chat_{program}:{self.passwords[program]}@{hosts}/{database}"


def migrate(host, url, timeout=180):
    """Runs chat-migrate on `host` against `url`; returns the finished process."""
    return host.run([os.path.join(BUILD_DIR, "chat-migrate"), "--dir", os.path.join(REPO_DIR, "sql")],
                    timeout=timeout, check=False, env={"PATH": os.environ["PATH"], "CHAT_DATABASE_URL": url})


class SingleServer:
    """One plain MariaDB on `host`: the database of the worker-host suite."""

    def __init__(self, host, network):
        self.node = DatabaseNode(host, "db")
        self.network, self.credentials = network, Credentials()

    def start(self):
        self.node.initialise()
        self.node.launch()
        self.node.wait_until(self.node.answers, 60, "answering")
        self.node.query(self.credentials.sql(self.network))
        return self

    def url(self, program):
        return self.credentials.url(program, [self.node.host.address])


class GaleraCluster:
    """Galera nodes on `hosts`: the first bootstraps the cluster, the others join it by SST."""

    def __init__(self, hosts, network):
        addresses = [host.address for host in hosts]
        self.nodes = [DatabaseNode(host, f"galera{i + 1}", addresses) for i, host in enumerate(hosts)]
        self.network, self.credentials = network, Credentials()

    def start(self, timeout=180):
        """Forms the cluster: the first node bootstraps it and gets the users, the others join
        empty, one at a time (two joiners at once sometimes left the donor stuck in Joined), and
        receive everything by rsync SST."""
        first = self.nodes[0]
        first.initialise()
        first.launch(bootstrap=True)
        first.wait_until(lambda: first.synced(1), timeout, "synced as the first node")
        first.query(self.credentials.sql(self.network))
        for size, node in enumerate(self.nodes[1:], start=2):
            node.prepare_empty()
            node.launch()
            for member in self.nodes[:size]:
                member.wait_until(lambda member=member: member.synced(size), timeout, f"synced in a cluster of {size}")
        return self

    def url(self, program, nodes=None):
        """The program's URL listing `nodes` (default: all, in order)."""
        return self.credentials.url(program, [node.host.address for node in (nodes or self.nodes)])
