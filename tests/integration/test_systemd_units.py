"""The systemd units: `systemd-analyze verify` passes on each, `systemd-analyze security` rates
each service 2.0 or lower, and socket activation hands chat-worker a socket it serves on (run
with systemd-socket-activate, the same fd-passing contract as a .socket unit)."""
import glob
import os
import re
import shutil
import subprocess
import unittest

from harness import BUILD_DIR, REPO_DIR, MariaDB, temporary_directory, wait_until

UNITS = os.path.join(REPO_DIR, "systemd")


def units_for_this_build():
    """The units copied to a scratch directory, pointing at this build and scratch env files."""
    directory = temporary_directory("chat-units-")
    for path in glob.glob(os.path.join(UNITS, "chat-*")):
        target = os.path.join(directory, os.path.basename(path))
        (shutil.copytree if os.path.isdir(path) else shutil.copy)(path, target)
    for program in ("worker", "admin", "migrate"):
        open(os.path.join(directory, f"{program}.env"), "w").close()
        os.mkdir(os.path.join(directory, f"chat-{program}.service.d"))
        shutil.copy(os.path.join(UNITS, "hardening.conf"), os.path.join(directory, f"chat-{program}.service.d"))
    for unit in glob.glob(os.path.join(directory, "*.service")):
        with open(unit, encoding="utf-8") as file:
            text = file.read()
        text = text.replace("/usr/local/bin/", BUILD_DIR + "/")
        text = text.replace("/etc/atonix-chat/", directory + "/")
        with open(unit, "w", encoding="utf-8") as file:
            file.write(text)
    return directory


def fastcgi_get(socket_path, path):
    """A GET over FastCGI with cgi-fcgi; returns what the application wrote."""
    environment = {"REQUEST_METHOD": "GET", "DOCUMENT_URI": path, "REQUEST_URI": path,
                   "SCRIPT_NAME": path, "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1"}
    result = subprocess.run(["cgi-fcgi", "-bind", "-connect", socket_path], env=environment,
                            capture_output=True, text=True, timeout=20)
    return result.stdout


class SystemdUnitsTest(unittest.TestCase):
    def test_every_unit_verifies(self):
        directory = units_for_this_build()
        units = sorted(os.path.basename(path) for path in glob.glob(os.path.join(directory, "chat-*.s*"))
                       if os.path.isfile(path))
        self.assertGreaterEqual(len(units), 5, units)
        result = subprocess.run(["systemd-analyze", "verify", *units], cwd=directory, capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr.strip(), "")

    def test_each_service_reads_its_own_settings_file_only(self):
        for program in ("worker", "admin", "migrate"):
            with open(os.path.join(UNITS, f"chat-{program}.service"), encoding="utf-8") as file:
                files = re.findall(r"(?m)^EnvironmentFile=(.*)$", file.read())
            self.assertEqual(files, [f"/etc/atonix-chat/{program}.env"], program)
            with open(os.path.join(UNITS, f"{program}.env.example"), encoding="utf-8") as file:
                example = file.read()
            self.assertIn(f"CHAT_DATABASE_URL=mysql://chat_{program}:", example)
            if program != "admin":
                self.assertNotIn("CHAT_ADMIN_TOKEN", example)
            if program != "worker":
                self.assertNotIn("HUGGINGFACE_API_KEY", example)

    def test_every_service_is_rated_2_or_lower(self):
        directory = units_for_this_build()
        for service in sorted(glob.glob(os.path.join(directory, "*.service"))):
            with self.subTest(os.path.basename(service)):
                output = subprocess.run(["systemd-analyze", "security", "--offline=true", service],
                                        cwd=directory, capture_output=True, text=True).stdout
                level = float(re.search(r"Overall exposure level for \S+: ([0-9.]+)", output).group(1))
                self.assertLessEqual(level, 2.0, output[-400:])

    def test_socket_activation_hands_the_worker_a_socket_it_serves(self):
        database = MariaDB().start()
        socket_path = os.path.join(temporary_directory("chat-activation-"), "worker.sock")
        worker = subprocess.Popen(
            ["systemd-socket-activate", "-l", socket_path, "-E", f"CHAT_DATABASE_URL={database.url}",
             "-E", f"CHAT_KNOWLEDGE_FILE={os.path.join(REPO_DIR, 'config', 'knowledge.md')}",
             "-E", "CHAT_WORKER_PROCESSES=1", os.path.join(BUILD_DIR, "chat-worker")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            self.assertTrue(wait_until(lambda: os.path.exists(socket_path)))
            reply = fastcgi_get(socket_path, "/healthz")  # the first connection starts the worker
            self.assertIn("Status: 200", reply)
            self.assertIn('"database":"ok"', reply)
        finally:
            worker.terminate()
            worker.wait(30)
            database.stop()


if __name__ == "__main__":
    unittest.main()
