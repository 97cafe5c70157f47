"""Several hosts (issue 15), built of network namespaces (hosts.py): a client, nginx, two worker
hosts serving FastCGI over TCP to nginx's address only, a model host answering after a second,
and one MariaDB host. Through nginx's upstream of both worker hosts, a conversation continues
whichever host answers and every read shows the latest turn; a worker host killed under load
costs only its requests in flight, and nginx never sends an ask that reached a worker again.
"""
import os
import time
import unittest

from galera import SingleServer, migrate
from scaleout import (DATABASES, NETWORK, WORKERS, Load, ScaleOutTestCase, ask_token, print_figures,
                      shipped_retry_directives, upstream_host, wait_for)

MODEL_DELAY_S = 1.0  # every answer takes a second: asks are really in flight when a host dies


class WorkerHostsTest(ScaleOutTestCase):
    @classmethod
    def build_hosts(cls):
        database_host = cls.topology.add_host("db", DATABASES[0])
        cls.database = SingleServer(database_host, NETWORK).start()
        migrated = migrate(database_host, cls.database.url("migrate"))
        assert migrated.returncode == 0, migrated.stderr
        cls.hosts.start_model(MODEL_DELAY_S)
        cls.hosts.start_workers(cls.database.url("worker"))
        cls.hosts.start_nginx(admin=False)

    def setUp(self):
        self.hosts.wait_until_served_by_both(self.requests)

    def test_nginx_retries_only_what_never_reached_a_worker(self):
        directives = shipped_retry_directives()
        retry = [line for line in directives if line.startswith("fastcgi_next_upstream ")]
        self.assertEqual(len(retry), 1, directives)
        self.assertNotIn("non_idempotent", retry[0])
        self.assertIn("error", retry[0].split())

    def test_a_conversation_continues_whichever_worker_host_answers(self):
        session_id, asked, answers, ask_hosts, read_hosts = None, [], [], [], set()
        for turn in range(6):
            asked.append(f"Turn {turn}: do you also run Kubernetes clusters?")
            reply = self.requests.ask(asked[-1], session_id)
            self.assertEqual(reply["status"], 200, reply)
            session_id = session_id or reply["body"]["session_id"]
            self.assertEqual(reply["body"]["session_id"], session_id)
            answers.append(reply["body"]["response"])
            ask_hosts.append(upstream_host(reply["upstream"]))
            for _ in range(2):  # round robin: these two reads go to both hosts
                read = self.requests.session(session_id)
                self.assertEqual(read["status"], 200, read)
                read_hosts.add(upstream_host(read["upstream"]))
                messages = read["body"]["messages"]
                self.assertEqual([m["sender"] for m in messages], ["visitor", "bot"] * len(asked))
                self.assertEqual([m["message"] for m in messages[0::2]], asked)
                self.assertEqual([m["message"] for m in messages[1::2]], answers)
        self.assertEqual(set(ask_hosts), set(WORKERS), ask_hosts)
        self.assertEqual(read_hosts, set(WORKERS))
        self.assertTrue(any(a != b for a, b in zip(ask_hosts, ask_hosts[1:])), ask_hosts)
        print_figures("conversation across worker hosts", {
            "asks (turns)": len(asked), "asks answered by": ", ".join(ask_hosts),
            "reads answered by": ", ".join(sorted(read_hosts))})

    def test_a_worker_host_killed_under_load_costs_only_its_requests_in_flight(self):
        label = f"w{os.getpid()}"
        victim = self.hosts.workers[0]
        load = Load(self.hosts.client, askers=8, readers=2, label=label)
        try:
            wait_for(lambda: {upstream_host(r["upstream"]) for r in load.snapshot()
                              if r["kind"] == "ask" and r["status"] == 200} == set(WORKERS), 60,
                     "asks answered by both hosts")
            victim.kill_all()
            killed_at = time.monotonic()  # a request sent before this may have reached the victim
            wait_for(lambda: load.count(lambda r: r["kind"] == "ask" and r["status"] == 200
                                        and r["started"] > killed_at) >= 16, 60, "asks answered after the kill")
        finally:
            records = load.stop()
            self.hosts.start_worker(victim, self.database.url("worker"))
        self.check_load(records, killed_at, victim.address, label)

    def check_load(self, records, killed_at, victim, label):
        requests = [r for r in records if r["kind"] in ("ask", "read", "read_after_ask")]
        asks = [r for r in requests if r["kind"] == "ask"]
        failed = [r for r in requests if r["status"] != 200]
        acknowledged = {ask_token(r["message"]) for r in asks if r["status"] == 200}
        stored = self.stored_asks(label)
        model_calls = self.model_calls(label)
        after = [r for r in requests if r["started"] > killed_at and r["status"] == 200]
        figures = {
            "requests sent": len(requests), "answered (200)": len(requests) - len(failed),
            "asks sent": len(asks), "asks answered": len(acknowledged),
            "503s": sum(r["status"] == 503 for r in failed),
            "other errors": len([r for r in failed if r["status"] != 503]),
            "errors by status": sorted({r["status"] for r in failed}),
            "acknowledged asks lost": len([t for t in acknowledged if stored.get(t, 0) == 0]),
            "duplicates (rows)": len([t for t, n in stored.items() if n > 1]),
            "asks sent to the model twice": len([t for t, n in model_calls.items() if n > 1]),
            "failover seconds": round(min(r["ended"] for r in after) - killed_at, 3)}
        print_figures("worker host killed under load", figures)
        self.assertEqual(figures["acknowledged asks lost"], 0)
        self.assertEqual(figures["duplicates (rows)"], 0)
        self.assertEqual(figures["asks sent to the model twice"], 0)
        for record in failed:  # only what was in flight on the killed host
            self.assertEqual(record["kind"], "ask", record)
            self.assertEqual(upstream_host(record["upstream"]), victim, record)
            self.assertLess(record["started"], killed_at, record)
            self.assertIn(record["status"], (502, 504), record)
        self.assertLessEqual(len(failed), 8)  # at most one ask in flight per visitor
        self.assertTrue(all(upstream_host(r["upstream"]) != victim for r in after if r["kind"] == "ask"))
        latest = [r["latest"] for r in records if r["kind"] == "latest"]
        self.assertTrue(latest and all(latest), "a read right after an answered ask missed it")

    def stored_asks(self, label):
        """{ask token: visitor rows holding it} for this run's load."""
        rows = self.database.node.query(
            f"SELECT message, COUNT(*) FROM chat.chat_messages WHERE sender = 'visitor' "
            f"AND message LIKE '%#{label}-%' GROUP BY message")
        return {ask_token(message): int(count) for message, count in rows}

    def model_calls(self, label):
        """{ask token: calls the model service received for it}."""
        calls = {}
        for call in self.hosts.model_requests():
            token = ask_token(call["body"]["messages"][-1]["content"])
            if token and token.startswith(f"#{label}-"):
                calls[token] = calls.get(token, 0) + 1
        return calls


if __name__ == "__main__":
    unittest.main()
