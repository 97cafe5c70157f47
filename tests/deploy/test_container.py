"""The container image (Dockerfile), built and run without a Docker engine.

1. A minimal Debian 12 root made by `debootstrap --variant=minbase bookworm` (debian_root.py), cached as a tarball
   under /var/cache/atonix-chat/ (remade after 30 days), imported with podman as debian:12.
2. `buildah bud --isolation chroot --pull=false --layers --format docker` builds the Dockerfile
   (the docker format keeps the HEALTHCHECK). Images and cached layers live in their own vfs
   store under /var/cache/atonix-chat/containers, so a rerun reuses them.
3. The image's entrypoint and command run with `buildah run --isolation chroot --network host`
   (`podman run` fails here on setrlimit), against a private MariaDB whose socket directory is
   bind-mounted into the container, on a free loopback port instead of 9000; the test talks
   FastCGI to it with cgi-fcgi, as nginx would, and runs the image's HEALTHCHECK command.

Needs root and the packages debootstrap, podman, buildah, libfcgi-bin (installed here when
missing). Slow the first time (base root, build dependencies, compiling); seconds when cached.
"""
import fcntl
import json
import os
import re
import signal
import subprocess
import time
import unittest

try:
    import yaml  # python3-yaml, for the compose file's checks
except ImportError:
    yaml = None

import debian_root
import deploy_support as support
from deploy_support import harness
from debian_root import checked, run

CACHE_DIR = debian_root.CACHE_DIR
STORAGE = ["--root", os.path.join(CACHE_DIR, "containers"),
           "--runroot", "/run/atonix-chat-containers", "--storage-driver", "vfs"]
IMAGE = "localhost/atonix-chat:test"
PACKAGES = "debootstrap podman buildah libfcgi-bin"
BUILD_TIMEOUT_S = 1800
DATABASE_MOUNT = "/run/chat-db"  # where the MariaDB socket directory appears in the container


def log(message):
    print(f"[test_container {time.strftime('%H:%M:%S')}] {message}", flush=True)


def ensure_base_image():
    tarball, fresh = debian_root.base_tarball(log)
    if fresh or run(["podman", *STORAGE, "image", "exists", "debian:12"]).returncode != 0:
        log("importing the base root as debian:12")
        checked(["podman", *STORAGE, "import", tarball, "debian:12"])


def build_image(log_path):
    started = time.monotonic()
    with open(log_path, "w") as output:
        result = subprocess.run(
            ["buildah", *STORAGE, "bud", "--isolation", "chroot", "--pull=false", "--layers",
             "--format", "docker", "-t", IMAGE, "-f", os.path.join(support.REPO_DIR, "Dockerfile"),
             support.REPO_DIR], stdout=output, stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT_S)
    with open(log_path, encoding="utf-8", errors="replace") as output:
        text = output.read()
    if result.returncode != 0:
        raise RuntimeError("buildah bud failed:\n" + text[-6000:])
    log(f"image built in {time.monotonic() - started:.0f} s "
        f"({len(re.findall(r'Using cache', text))} steps from the cache)")
    _drop_other_build_chains(text)


def _drop_other_build_chains(build_log):
    """Removes the untagged images (cached steps) of earlier builds, keeping those this build
    made or used: under vfs every cached step is a full copy of a root, so old ones add up."""
    kept = set(re.findall(r"(?:^--> |Using cache )([0-9a-f]{11,64})", build_log, re.M))
    listing = checked(["buildah", *STORAGE, "images", "--all", "--noheading", "--no-trunc",
                       "--format", "{{.ID}} {{.Name}}"])
    for line in listing.splitlines():
        image_id, _, name = line.partition(" ")
        image_id = image_id.removeprefix("sha256:")
        if name.strip() not in ("", "<none>") or any(image_id.startswith(k) for k in kept):
            continue
        run(["buildah", *STORAGE, "rmi", image_id], timeout=300)


class Container:
    """A working container of the image; run() starts a command in it on the host network."""

    def __init__(self, label):
        self.name = f"atonix-chat-test-{os.getpid()}-{label}"
        run(["buildah", *STORAGE, "rm", self.name])  # a leftover of an interrupted run
        checked(["buildah", *STORAGE, "from", "--pull=false", "--name", self.name, IMAGE])

    def _argv(self, command, env=None, volumes=None):
        argv = ["buildah", *STORAGE, "run", "--isolation", "chroot", "--network", "host"]
        for key, value in (env or {}).items():
            argv += ["--env", f"{key}={value}"]
        for volume in volumes or []:
            argv += ["--volume", volume]
        return argv + [self.name, "--"] + list(command)

    def run(self, command, env=None, volumes=None, timeout=120):
        return run(self._argv(command, env, volumes), timeout=timeout)

    def start(self, command, env=None, volumes=None, log_path=None):
        return RunningContainer(support.Process(self._argv(command, env, volumes), log_path=log_path))

    def remove(self):
        run(["buildah", *STORAGE, "rm", self.name])


def _children():
    """{pid: [child pids]} of every process, from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    return children


def descendants(pid):
    """The processes under pid, parents before children."""
    children, found, queue = _children(), [], [pid]
    while queue:
        for child in sorted(children.get(queue.pop(0), [])):
            found.append(child)
            queue.append(child)
    return found


def _command_name(pid):
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8") as comm:
            return comm.read().strip()
    except OSError:
        return ""


class RunningContainer:
    """A command started with `buildah run`. Its main process is the first process under
    buildah's own (buildah-chroot-runtime, buildah-chroot-exec) helpers: what the entrypoint
    exec'd, the process `docker stop` signals."""

    def __init__(self, process):
        self.process = process

    def main_pid(self):
        for pid in descendants(self.process.popen.pid):
            name = _command_name(pid)
            if name and not name.startswith(("buildah", "exe", "memfd")):
                return pid
        return None

    def running(self):
        return self.process.running()

    def log(self):
        return self.process.log()

    def wait(self, timeout):
        return self.process.popen.wait(timeout)

    def stop(self, timeout=30):
        """SIGTERM to the main process, as `docker stop`; SIGKILL to everything left after
        `timeout` (a signal to buildah itself would leave the program's children behind)."""
        if not self.process.running():
            return self.process.popen.returncode
        everything = descendants(self.process.popen.pid)
        main = self.main_pid()
        if main:
            os.kill(main, signal.SIGTERM)
        try:
            return self.process.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            for pid in [self.process.popen.pid] + everything:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            return self.process.popen.wait(10)


def process_uid(pid):
    with open(f"/proc/{pid}/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("Uid:"):
                return int(line.split()[1])
    return None


class ContainerImage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root (debootstrap, buildah with chroot isolation)")
        harness.shell_library(f"ensure_packages {PACKAGES}")
        os.makedirs(CACHE_DIR, exist_ok=True)
        cls.directory = harness.temporary_directory("chat-container-")
        started = time.monotonic()
        # One build at a time on this machine: they share the store and the tag.
        with open(os.path.join(CACHE_DIR, "build.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            ensure_base_image()
            build_image(os.path.join(cls.directory, "build.log"))
        cls.setup_seconds = time.monotonic() - started
        inspected = json.loads(checked(["buildah", *STORAGE, "inspect", "--type", "image", IMAGE]))
        cls.config = inspected["OCIv1"]["config"]
        cls.docker_config = inspected.get("Docker", {}).get("config", {})
        cls.containers = []
        cls.processes = []
        cls.database = harness.MariaDB().start()
        cls.database_url = cls.database.url.replace(
            os.path.join(cls.database.directory, "mariadb"), DATABASE_MOUNT)
        cls.volumes = [f"{os.path.join(cls.database.directory, 'mariadb')}:{DATABASE_MOUNT}"]
        try:
            cls.worker = cls._container("worker")
            cls.worker_port = harness.free_port()
            command = cls.config["Entrypoint"] + cls.command_with_listen(f"127.0.0.1:{cls.worker_port}")
            cls.worker_process = cls._start(cls.worker, command, {
                "CHAT_DATABASE_URL": cls.database_url, "CHAT_MIGRATE": "1"}, "worker.log")
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def command_with_listen(cls, address):
        """The image's default command with its listen address replaced."""
        command = list(cls.config["Cmd"])
        command[command.index("--listen") + 1] = address
        return command

    @classmethod
    def _container(cls, label):
        container = Container(label)
        cls.containers.append(container)
        return container

    @classmethod
    def _start(cls, container, command, env, log_name):
        process = container.start(command, env=env, volumes=cls.volumes,
                                  log_path=os.path.join(cls.directory, log_name))
        cls.processes.append(process)
        port = int(command[command.index("--listen") + 1].rsplit(":", 1)[1])
        if not harness.wait_until(lambda: support.port_open(port) or not process.running(), 120) \
                or not process.running():
            raise RuntimeError(f"{command} did not start in the container:\n{process.log()}")
        return process

    @classmethod
    def tearDownClass(cls):
        for process in getattr(cls, "processes", []):
            process.stop()
        for container in getattr(cls, "containers", []):
            container.remove()
        if getattr(cls, "database", None):
            cls.database.stop()

    def test_image_config(self):
        self.assertEqual(self.config["User"], "10001:10001")
        self.assertIn("9000/tcp", self.config["ExposedPorts"])
        self.assertEqual(self.config["Entrypoint"], ["/usr/local/bin/chat-entrypoint"])
        self.assertEqual(self.config["Cmd"], ["chat-worker", "--listen", "0.0.0.0:9000"])
        healthcheck = self.docker_config.get("Healthcheck") or {}
        self.assertEqual(healthcheck.get("Test"), ["CMD", "/usr/local/bin/chat-healthcheck"])

    def test_runtime_image_has_no_build_tools(self):
        result = self.worker.run(["sh", "-c", "command -v cc || command -v g++ || command -v cmake "
                                  "|| dpkg-query -W -f '${Package}\\n' | grep -- '-dev$'"])
        self.assertNotEqual(result.returncode, 0, result.stdout)
        result = self.worker.run(["sh", "-c", "id -u; ls /opt/atonix-chat/sql"])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.split()[0], "10001")
        self.assertIn("001_sessions_and_messages.sql", result.stdout)

    def test_entrypoint_migrated_and_worker_serves_health_as_non_root(self):
        status, _, body = support.fastcgi_request(f"127.0.0.1:{self.worker_port}", "/healthz")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), {"status": "ok", "database": "ok"})
        self.assertGreater(int(self.database.scalar("SELECT COUNT(*) FROM schema_migrations")), 0)
        self.assertIn("schema up to date", self.worker_process.log())
        pids = [self.worker_process.main_pid()] + descendants(self.worker_process.main_pid())
        self.assertGreaterEqual(len(pids), 1)
        self.assertEqual({process_uid(pid) for pid in pids}, {10001})

    def test_worker_answers_an_ask(self):
        body = json.dumps({"message": "What services do you offer?"}).encode()
        status, headers, answer = support.fastcgi_request(
            f"127.0.0.1:{self.worker_port}", "/api/chatbot/ask/", method="POST", body=body,
            content_type="application/json")
        self.assertEqual(status, 200, answer)
        self.assertEqual(json.loads(answer)["source"], "knowledge")

    def test_healthcheck_command(self):
        command = self.docker_config["Healthcheck"]["Test"][1:]
        result = self.worker.run(command, env={
            "CHAT_HEALTHCHECK_ADDRESS": f"127.0.0.1:{self.worker_port}"})
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("Status: 200", result.stdout)
        result = self.worker.run(command, env={
            "CHAT_HEALTHCHECK_ADDRESS": f"127.0.0.1:{harness.free_port()}"})
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("unhealthy", result.stdout)

    def test_admin_from_the_same_image(self):
        admin = self._container("admin")
        port = harness.free_port()
        self._start(admin, self.config["Entrypoint"] + ["chat-admin", "--listen", f"127.0.0.1:{port}"],
                    {"CHAT_DATABASE_URL": self.database_url,
                     "CHAT_ADMIN_TOKEN": "test-token-0123456789abcdef0123456789"}, "admin.log")
        status, _, _ = support.fastcgi_request(f"127.0.0.1:{port}", "/admin/api/stats")
        self.assertEqual(status, 401)
        status, _, body = support.fastcgi_request(
            f"127.0.0.1:{port}", "/admin/api/stats",
            extra={"HTTP_AUTHORIZATION": "Bearer test-token-0123456789abcdef0123456789"})
        self.assertEqual(status, 200, body)
        self.assertIn("sessions", json.loads(body))
        result = admin.run(self.docker_config["Healthcheck"]["Test"][1:], env={
            "CHAT_HEALTHCHECK_ADDRESS": f"127.0.0.1:{port}",
            "CHAT_HEALTHCHECK_PATH": "/admin/api/stats", "CHAT_HEALTHCHECK_STATUS": "401"})
        self.assertEqual(result.returncode, 0, result.stdout)

    def test_zz_sigterm_stops_the_worker_cleanly(self):
        # As `docker stop` does: SIGTERM to the container's main process (the entrypoint exec'd
        # chat-worker into it), which stops its children and exits 0. Named to run last.
        main = self.worker_process.main_pid()
        self.assertEqual(_command_name(main), "chat-worker")
        os.kill(main, signal.SIGTERM)
        self.assertEqual(self.worker_process.wait(30), 0, self.worker_process.log())
        self.assertFalse(support.port_open(self.worker_port))


class ComposeFile(unittest.TestCase):
    """docker/compose.yaml fits the Dockerfile, docker/nginx.conf, the health check and
    docker/env.example (there is no compose here to run it)."""

    @classmethod
    def setUpClass(cls):
        if yaml is None:
            raise unittest.SkipTest("python3-yaml is not installed")
        with open(os.path.join(support.REPO_DIR, "docker", "compose.yaml"), encoding="utf-8") as file:
            cls.text = file.read()
        cls.compose = yaml.safe_load(cls.text)
        cls.services = cls.compose["services"]

    def test_services_and_build_targets(self):
        self.assertEqual(set(self.services), {"mariadb", "migrate", "worker", "admin", "nginx"})
        self.assertEqual(self.services["mariadb"]["image"], "mariadb:10.11")
        with open(os.path.join(support.REPO_DIR, "Dockerfile"), encoding="utf-8") as file:
            stages = set(re.findall(r"^FROM \S+ AS (\S+)$", file.read(), re.M))
        for name in ("migrate", "worker", "admin", "nginx"):
            build = self.services[name]["build"]
            self.assertEqual(build["context"], "..")
            self.assertIn(build["target"], stages)

    def test_only_nginx_publishes_a_port(self):
        self.assertEqual([name for name, service in self.services.items() if "ports" in service],
                         ["nginx"])

    def test_start_order_waits_for_health_and_migrations(self):
        def conditions(name):
            return {key: value["condition"] for key, value in self.services[name]["depends_on"].items()}
        self.assertEqual(conditions("migrate"), {"mariadb": "service_healthy"})
        for name in ("worker", "admin"):
            self.assertEqual(conditions(name), {"mariadb": "service_healthy",
                                                "migrate": "service_completed_successfully"})
            self.assertIn("test", self.services[name]["healthcheck"])
        self.assertEqual(conditions("nginx"), {"worker": "service_healthy", "admin": "service_healthy"})
        self.assertIn("healthcheck", self.services["mariadb"])

    def test_listen_addresses_match_nginx_upstreams_and_health_checks(self):
        with open(support.COMPOSE_NGINX, encoding="utf-8") as file:
            nginx = file.read()
        self.assertEqual(self.services["worker"]["command"][-1], "0.0.0.0:9000")
        self.assertIn("server worker:9000;", nginx)
        self.assertEqual(self.services["admin"]["command"][-1], "0.0.0.0:9001")
        self.assertIn("server admin:9001;", nginx)
        self.assertEqual(self.services["admin"]["environment"]["CHAT_HEALTHCHECK_ADDRESS"], "127.0.0.1:9001")
        self.assertIn("@mariadb:3306/chat", self.services["worker"]["environment"]["CHAT_DATABASE_URL"])

    def test_fastcgi_is_served_to_nginx_and_the_health_checks_only(self):
        nginx_address = self.services["nginx"]["networks"]["backend"]["ipv4_address"]
        subnet = self.compose["networks"]["backend"]["ipam"]["config"][0]["subnet"]
        self.assertTrue(nginx_address.startswith(subnet.rsplit(".", 1)[0] + "."))
        for name in ("worker", "admin"):
            peers = [peer.strip() for peer in self.services[name]["environment"]["CHAT_FASTCGI_ALLOWED_PEERS"].split(",")]
            self.assertEqual(peers, [nginx_address, "127.0.0.1"], name)

    def test_each_program_has_its_own_settings_file_and_database_user(self):
        expected = {"migrate": (None, "chat_migrate"), "worker": ("../worker.env", "chat_worker"),
                    "admin": ("../admin.env", "chat_admin")}
        for name, (env_file, user) in expected.items():
            service = self.services[name]
            self.assertEqual(service.get("env_file"), env_file, name)
            self.assertTrue(service["environment"]["CHAT_DATABASE_URL"].startswith(f"mysql://{user}:"), name)
        self.assertNotIn("MARIADB_USER", self.services["mariadb"]["environment"])
        for mount in self.services["mariadb"]["volumes"][1:]:
            source = os.path.normpath(os.path.join(support.REPO_DIR, "docker", mount.split(":")[0]))
            self.assertTrue(os.path.isfile(source), mount)
        for program, secret in (("worker", "CHAT_ADMIN_TOKEN"), ("admin", "HUGGINGFACE_API_KEY")):
            with open(os.path.join(support.REPO_DIR, "docker", f"{program}.env.example"), encoding="utf-8") as file:
                self.assertNotIn(secret, file.read(), program)

    def test_the_admin_side_is_published_on_the_hosts_loopback_only(self):
        self.assertEqual(self.services["nginx"]["ports"],
                         ["${CHAT_HTTP_PORT:-8080}:8080", "127.0.0.1:${CHAT_ADMIN_HTTP_PORT:-8081}:8081"])

    def test_required_settings_are_in_env_example(self):
        with open(os.path.join(support.REPO_DIR, "docker", "env.example"), encoding="utf-8") as file:
            example = file.read()
        for name in set(re.findall(r"\$\{([A-Z_]+)(?::[?-])", self.text)):
            self.assertRegex(example, rf"(?m)^#? ?{name}=", name)


if __name__ == "__main__":
    unittest.main()
