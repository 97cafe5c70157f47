"""CHAT_DATABASE_URL listing several servers, against real MariaDB servers on loopback ports: a
connection goes to the first that answers (a closed port listed first is passed over), and when
that server dies (kill -9) the workers move on to the next within 2 s, answering only 503 in
between. The two servers here do not replicate (a Galera cluster does: test_galera.py), so each
stores only what it was given, and the counts tell which server a worker used."""
import os
import signal
import subprocess
import time
import unittest

from harness import BUILD_DIR, MariaDB, Stack, free_port, wait_until

USER, PASSWORD = "chat_failover", "failover-test-password"
FAILOVER_BUDGET_S = 2.0


def tcp_server():
    """A MariaDB on a loopback port with a TCP user the URL names; migrated."""
    port = free_port()
    server = MariaDB(network_options=f"--port={port} --bind-address=127.0.0.1").start()
    server.port = port
    server.query(f"CREATE USER IF NOT EXISTS '{USER}'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}';"
                 f"GRANT ALL ON chat.* TO '{USER}'@'127.0.0.1'")
    migrated = subprocess.run([os.path.join(BUILD_DIR, "chat-migrate")], capture_output=True, text=True,
                              env={"PATH": os.environ["PATH"], "CHAT_DATABASE_URL": server.url}, timeout=120)
    if migrated.returncode != 0:
        raise RuntimeError("chat-migrate failed: " + migrated.stderr)
    return server


def kill_hard(server):
    with open(os.path.join(server.directory, "mariadb", "mariadb.pid")) as pid_file:
        pid = int(pid_file.read())
    os.kill(pid, signal.SIGKILL)
    assert wait_until(lambda: not os.path.exists(f"/proc/{pid}"), timeout=10)


class DatabaseFailoverTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.first, cls.second = tcp_server(), tcp_server()
        closed = free_port()  # nothing listens there: refused at once
        hosts = ",".join(f"127.0.0.1:{port}" for port in (closed, cls.first.port, cls.second.port))
        cls.stack = Stack(CHAT_DATABASE_URL=f"mysql://{USER}:{PASSWORD}@{hosts}/chat",
                          CHAT_WORKER_PROCESSES="2").start()
        cls.client = cls.stack.client

    @classmethod
    def tearDownClass(cls):
        status = cls.stack.stop()
        cls.first.stop()
        cls.second.stop()
        if status != 0:
            raise AssertionError(f"scripts/run exited {status} on SIGTERM")

    @staticmethod
    def visitor_messages(server):
        return int(server.scalar("SELECT COUNT(*) FROM chat_messages WHERE sender = 'visitor'"))

    def test_first_answering_server_serves_then_the_next_when_it_dies(self):
        for i in range(6):
            self.assertEqual(self.client.ask(f"What services do you offer? ({i})").status, 200)
        self.assertEqual(self.visitor_messages(self.first), 6)
        self.assertEqual(self.visitor_messages(self.second), 0)

        kill_hard(self.first)
        killed_at = time.monotonic()
        statuses, served_at = [], None
        while time.monotonic() - killed_at < 10:
            status = self.client.ask("Do you work with Kubernetes?").status
            statuses.append(status)
            if status == 200:
                served_at = time.monotonic()
                break
        print(f"\nfailover: {served_at - killed_at if served_at else float('nan'):.2f} s, "
              f"answers before it: {statuses}")
        self.assertIsNotNone(served_at, statuses)
        self.assertLess(served_at - killed_at, FAILOVER_BUDGET_S)
        self.assertEqual(set(statuses[:-1]) - {503}, set(), "only 503s while moving")

        # Every connection of every process moves: a burst of asks is all answered, by the second.
        before = self.visitor_messages(self.second)
        statuses = [self.client.ask(f"Cloud migration? ({i})").status for i in range(20)]
        retried = [s for s in statuses if s != 200]
        self.assertEqual(set(retried) - {503}, set(), statuses)
        self.assertLessEqual(len(retried), 8, statuses)  # at most the connections still open to the dead one
        self.assertTrue(wait_until(lambda: self.client.ask("And now?").status == 200, timeout=5))
        self.assertEqual(self.visitor_messages(self.second), before + statuses.count(200) + 1)
        self.assertEqual(self.client.request("GET", "/healthz").status, 200)


if __name__ == "__main__":
    unittest.main()
