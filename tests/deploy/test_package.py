"""The Debian package (scripts/package), installed the way a host installs php-fpm: with apt.

1. scripts/package builds the package from this checkout (dpkg-buildpackage, lintian), keeping its
   build copy; a newer build follows in that copy (scripts/package's CHAT_PACKAGE_REBUILD, which
   compiles only what changed) with a higher version, one more migration and a changed example
   settings file, as the next release of the product would bring.
2. A fresh Debian 12 root (debootstrap, debian_root.py) installs the first with
   `apt-get install ./atonix-chat_*.deb`, its dependencies resolved from Debian's mirror.
3. The files, owners and modes are checked; chat-setup-database makes the database users on a
   private MariaDB (its socket directory bind-mounted into the root) and writes their URLs into
   the settings; chat-migrate runs with the settings file and the command line of its systemd
   unit; then `chat-worker --check-config`, `chat-admin --check-config`, and `nginx -t` with the
   packaged site enabled.
4. The newer build is installed over it: the edited settings are kept (the changed example
   beside them as .dpkg-dist), the package asks systemd to re-run the migrations and restart
   what runs, and the migration it brings applies. Then remove stops the services and keeps the
   settings, and purge takes away every file the package had, with or without nginx.

No systemd runs in the root. Instead a pretend one records what the maintainer scripts ask of
it: `/run/systemd/system` exists, `systemctl` logs its arguments, and policy-rc.d allows
everything and logs it too. That shows the package never starts or enables anything on
installation, and what it asks on upgrade and removal. Needs root, debootstrap and the build
tools (scripts/package installs those). The first build takes a few minutes.
"""
import glob
import os
import re
import shutil
import stat
import subprocess
import time
import unittest

import debian_root
import deploy_support as support
from deploy_support import harness

PACKAGE = "atonix-chat"
PROGRAMS = ("chat-worker", "chat-admin", "chat-migrate")
SETTINGS = ("worker.env", "admin.env", "migrate.env")
PROBE_MIGRATION_SQL = "CREATE TABLE package_upgrade_probe (id INT PRIMARY KEY);\n"
CHANGED_EXAMPLE_LINE = "# (a line the next release added to this example)"
SYSTEMCTL_LOG = "/var/log/pretend-systemctl.log"
SYSTEMCTL_FAILS = "/run/pretend-systemctl-fails"
PRETEND_SYSTEMCTL = f"""#!/bin/sh
# A pretend systemctl: records its arguments; a unit is never enabled nor active; every other
# request succeeds, but a try-restart while {SYSTEMCTL_FAILS} exists.
echo "$*" >> {SYSTEMCTL_LOG}
case "$*" in
  *--version*) echo "systemd 252 (252.39-1~deb12u1)" ;;
  *is-enabled*) echo disabled; exit 1 ;;
  *is-active*) exit 3 ;;
  *try-restart*) [ ! -e {SYSTEMCTL_FAILS} ] ;;
esac
"""
PRETEND_POLICY = f"""#!/bin/sh
# Allows every action (deb-systemd-invoke then asks the pretend systemctl, which records it).
echo "policy-rc.d $*" >> {SYSTEMCTL_LOG}
exit 0
"""
STARTING = re.compile(r"\b(start|restart|try-restart|reload|reload-or-restart|enable)\b")
BUILD_TIMEOUT_S = 1800
APT_TIMEOUT_S = 900


def log(message):
    print(f"[test_package {time.strftime('%H:%M:%S')}] {message}", flush=True)


def build_package(directory, **settings):
    """Runs scripts/package with the CHAT_PACKAGE_* settings given; returns the .deb's path."""
    env = {**os.environ, "TMPDIR": directory, **settings}
    result = subprocess.run([os.path.join(support.REPO_DIR, "scripts", "package")], env=env,
                            capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    if result.returncode != 0:
        raise RuntimeError(f"scripts/package failed ({result.returncode}):\n{result.stderr[-6000:]}")
    debs = [line for line in result.stdout.splitlines() if line.endswith(".deb")]
    if len(debs) != 1:
        raise RuntimeError(f"scripts/package printed {debs}, not one .deb")
    return debs[0]


def package_version(deb):
    return subprocess.run(["dpkg-deb", "-f", deb, "Version"], check=True, capture_output=True,
                          text=True).stdout.strip()


def environment_file(text):
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them (comments, blank lines and the
    quotes around a value dropped)."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;" or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def pretend_systemd(root):
    """Makes the maintainer scripts believe systemd runs, and records what they ask of it."""
    os.makedirs(root.path("/run/systemd/system"), exist_ok=True)
    for inside, text in (("/usr/bin/systemctl", PRETEND_SYSTEMCTL), ("/usr/sbin/policy-rc.d", PRETEND_POLICY)):
        with open(root.path(inside), "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(root.path(inside), 0o755)


def unit_settings(text, key):
    """Every value of KEY= in a unit file's text."""
    return [line.split("=", 1)[1].strip() for line in text.splitlines() if line.startswith(key + "=")]


class DebianPackage(unittest.TestCase):
    """One install, upgrade, remove and purge, in order (the tests are numbered)."""

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root (apt, debootstrap, chroot, mount)")
        cls.directory = harness.temporary_directory("chat-package-")
        cls.root = None
        cls.database = None
        try:
            cls._build_both()
            cls.database = harness.MariaDB().start()
            cls.socket = os.path.join(cls.database.directory, "mariadb", "mariadb.sock")
            cls.root = debian_root.DebianRoot(os.path.join(cls.directory, "root"), log)
            cls.root.bind(os.path.dirname(cls.socket))
            pretend_systemd(cls.root)
            log("apt-get update in the root")
            cls.root.checked(["apt-get", "update", "-q"], timeout=APT_TIMEOUT_S)
            for deb in (cls.first, cls.second):
                shutil.copy(deb, cls.root.path("/tmp"))
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def _build_both(cls):
        started = time.monotonic()
        log("scripts/package (the first build)")
        cls.first = build_package(cls.directory, CHAT_PACKAGE_KEEP="1",
                                  CHAT_PACKAGE_OUTPUT=os.path.join(cls.directory, "first"))
        log(f"built {os.path.basename(cls.first)} in {time.monotonic() - started:.0f} s")
        kept = glob.glob(os.path.join(cls.directory, "atonix-chat-package.*", PACKAGE))
        if len(kept) != 1:
            raise RuntimeError(f"no kept build copy under {cls.directory}: {kept}")
        sql_dir = os.path.join(kept[0], "sql")
        last = max(int(name[:3]) for name in os.listdir(sql_dir) if re.match(r"\d{3}_.*\.sql$", name))
        cls.probe_migration = f"{last + 1:03d}_package_upgrade_probe.sql"
        with open(os.path.join(sql_dir, cls.probe_migration), "w", encoding="utf-8") as migration:
            migration.write(PROBE_MIGRATION_SQL)
        with open(os.path.join(kept[0], "systemd", "worker.env.example"), "a", encoding="utf-8") as example:
            example.write(CHANGED_EXAMPLE_LINE + "\n")
        cls.first_version = package_version(cls.first)
        cls.second_version = cls.first_version + "+upgrade1"
        started = time.monotonic()
        cls.second = build_package(cls.directory, CHAT_PACKAGE_REBUILD=kept[0],
                                   CHAT_PACKAGE_VERSION=cls.second_version,
                                   CHAT_PACKAGE_OUTPUT=os.path.join(cls.directory, "second"))
        log(f"built {os.path.basename(cls.second)} in {time.monotonic() - started:.0f} s")

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.root:
                cls.root.remove()
        finally:
            if cls.database:
                cls.database.stop()

    # --- helpers ---------------------------------------------------------------------------

    def apt(self, *arguments):
        """apt-get as an unattended upgrade runs it: a changed conffile that the administrator
        also edited is kept, the package's version put beside it (--force-confold)."""
        result = self.root.run(["apt-get", "-y", "-q", "-o", "Dpkg::Options::=--force-confold", *arguments],
                               timeout=APT_TIMEOUT_S)
        self.assertEqual(result.returncode, 0, f"apt-get {' '.join(arguments)}:\n"
                         f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
        return result.stdout + result.stderr

    def systemd_requests(self):
        """What the maintainer scripts asked of the pretend systemd since the last call."""
        path = self.root.path(SYSTEMCTL_LOG)
        if not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as log_file:
            lines = log_file.read().splitlines()
        os.remove(path)
        return lines

    def assert_nothing_of_ours_started(self, requests):
        ours = [line for line in requests if "chat-" in line and STARTING.search(line)]
        self.assertEqual(ours, [], "requests to start, restart or enable chat units")

    def installed_version(self):
        result = self.root.run(["dpkg-query", "-W", "-f", "${Status} ${Version}", PACKAGE])
        return result.stdout.strip() if result.returncode == 0 else ""

    def read(self, inside):
        with open(self.root.path(inside), encoding="utf-8") as file:
            return file.read()

    def write(self, inside, text):
        with open(self.root.path(inside), "w", encoding="utf-8") as file:
            file.write(text)

    def set_setting(self, settings_file, key, value):
        """Edits /etc/atonix-chat/SETTINGS_FILE as an administrator would: the KEY= line replaced
        (or added), the file's owner and mode untouched."""
        path = f"/etc/atonix-chat/{settings_file}"
        lines = [line for line in self.read(path).splitlines() if not line.startswith(key + "=")]
        self.write(path, "\n".join(lines + [f"{key}={value}"]) + "\n")

    def run_as_unit(self, unit, extra_arguments=()):
        """Runs the unit's ExecStart in the root with the environment systemd would give it: its
        EnvironmentFile= (read as root) and then its Environment= lines."""
        text = self.read(f"/lib/systemd/system/{unit}")
        env = {}
        for assignment in unit_settings(text, "Environment"):
            key, value = assignment.split("=", 1)
            env[key] = value
        for path in unit_settings(text, "EnvironmentFile"):  # its values win, as in systemd
            env.update(environment_file(self.read(path.lstrip("-"))))
        command = unit_settings(text, "ExecStart")[0].split() + list(extra_arguments)
        return self.root.run(command, env=env, timeout=120)

    def applied_migrations(self):
        return [row[0] for row in self.database.query("SELECT name FROM schema_migrations ORDER BY name")]

    def assert_owned(self, inside, mode, user=0, group=0):
        info = os.lstat(self.root.path(inside))
        self.assertEqual((info.st_uid, info.st_gid), (user, group), inside)
        self.assertEqual(stat.S_IMODE(info.st_mode), mode, f"{inside}: {oct(stat.S_IMODE(info.st_mode))}")

    # --- the sequence ----------------------------------------------------------------------

    def test_1_apt_installs_it_with_its_dependencies_from_debian_and_starts_nothing(self):
        self.assertEqual(self.installed_version(), "")
        self.systemd_requests()
        self.apt("install", f"/tmp/{os.path.basename(self.first)}")
        self.assertEqual(self.installed_version(), f"install ok installed {self.first_version}")
        for dependency in ("libmysqlcppconn7v5", "libcurl4", "libfcgi0ldbl", "libjsoncpp25",
                           "nginx", "mariadb-client"):
            self.assertEqual(self.root.run(["dpkg-query", "-W", dependency]).returncode, 0, dependency)
        requests = self.systemd_requests()
        self.assertTrue([line for line in requests if line.startswith("policy-rc.d nginx")],
                        requests)  # nginx's own start went through the pretend systemd
        self.assert_nothing_of_ours_started(requests)
        self.assertEqual(glob.glob(self.root.path("/etc/systemd/system/*/chat-*")), [])
        self.assertFalse(os.path.lexists(self.root.path("/etc/nginx/sites-enabled/atonix-chat")))

    def test_2_files_owners_and_modes(self):
        for program in PROGRAMS + ("chat-setup-database",):
            directory = "/usr/sbin" if program == "chat-setup-database" else "/usr/bin"
            self.assert_owned(f"{directory}/{program}", 0o755)
            self.assertTrue(os.path.exists(self.root.path(f"/usr/share/man/man8/{program}.8.gz")), program)
            result = self.root.run([program, "--help"])
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn(f"{program} [--", result.stdout)
        self.assert_owned("/etc/atonix-chat", 0o755)
        for settings in SETTINGS:
            self.assert_owned(f"/etc/atonix-chat/{settings}", 0o600)
        for words in ("knowledge.md", "assistant.json"):
            self.assert_owned(f"/etc/atonix-chat/{words}", 0o644)
        self.assert_owned("/etc/nginx/sites-available/atonix-chat", 0o644)
        self.assert_owned("/etc/nginx/snippets/atonix-chat-client-network.conf", 0o644)
        for shared in ("widget/chat-widget.js", "widget/chat-widget.css", "widget/demo/index.html",
                       "admin/dashboard/index.html", "admin/dashboard/vendor/chart.umd.js",
                       "sql/001_sessions_and_messages.sql", "database_users.sh"):
            self.assert_owned(f"/usr/share/atonix-chat/{shared}", 0o644)
        conffiles = self.read(f"/var/lib/dpkg/info/{PACKAGE}.conffiles").split()
        self.assertEqual(sorted(conffiles), sorted(
            [f"/etc/atonix-chat/{name}" for name in SETTINGS + ("knowledge.md", "assistant.json")]
            + ["/etc/nginx/sites-available/atonix-chat", "/etc/nginx/snippets/atonix-chat-client-network.conf"]))

    def test_2_the_chart_library_is_inside(self):
        packaged = self.root.path("/usr/share/atonix-chat/admin/dashboard/vendor/chart.umd.js")
        npm_copy = os.path.join(support.REPO_DIR, "admin", "dashboard", "node_modules", "chart.js",
                                "dist", "chart.umd.js")
        with open(packaged, "rb") as inside, open(npm_copy, "rb") as from_npm:
            self.assertEqual(inside.read(), from_npm.read())
        for tool in ("nodejs", "npm"):  # nothing installed to fetch it
            self.assertNotEqual(self.root.run(["dpkg-query", "-W", tool]).returncode, 0, tool)

    def test_2_units_name_the_installed_paths(self):
        services = ("chat-worker.service", "chat-admin.service", "chat-migrate.service")
        for unit in services + ("chat-worker.socket", "chat-admin.socket"):
            self.assert_owned(f"/lib/systemd/system/{unit}", 0o644)
        # The upgrade's try-restart re-runs the migrations only because the oneshot stays active.
        self.assertEqual(unit_settings(self.read("/lib/systemd/system/chat-migrate.service"), "RemainAfterExit"),
                         ["yes"])
        for unit in services:
            self.assert_owned(f"/lib/systemd/system/{unit}.d/hardening.conf", 0o644)
            text = self.read(f"/lib/systemd/system/{unit}")
            program = unit_settings(text, "ExecStart")[0].split()[0]
            self.assertTrue(program.startswith("/usr/bin/chat-"), program)
            self.assertTrue(os.path.exists(self.root.path(program)), program)
            for path in unit_settings(text, "EnvironmentFile"):
                self.assertTrue(path.startswith("/etc/atonix-chat/"), path)
        # A drop-in for every chat-*.service would harden other packages' services too.
        self.assertFalse(os.path.exists(self.root.path("/lib/systemd/system/chat-.service.d")))
        listed = self.root.checked(["dpkg-query", "-L", PACKAGE]).split()
        configuration = [path for path in listed if path.startswith(("/etc/", "/lib/systemd/"))
                         and os.path.isfile(self.root.path(path))]
        self.assertGreaterEqual(len(configuration), 15, configuration)
        leaks = self.root.run(["grep", "-l", "/usr/local", *configuration])
        self.assertEqual((leaks.returncode, leaks.stdout), (1, ""), "settings, units or nginx files naming /usr/local")
        usage = self.root.checked(["chat-migrate", "--help"])
        self.assertIn("(default: /usr/share/atonix-chat/sql)", usage)

    def test_3_setup_database_then_migrate_and_check_config_with_the_installed_settings(self):
        result = self.root.run(["chat-setup-database", "--socket", self.socket])
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        for settings in SETTINGS:  # written, owner and mode kept, no password printed
            self.assert_owned(f"/etc/atonix-chat/{settings}", 0o600)
            url = environment_file(self.read(f"/etc/atonix-chat/{settings}"))["CHAT_DATABASE_URL"]
            self.assertNotIn("CHANGE-ME", url)
            self.assertNotIn(url.split(":")[2].split("@")[0], result.stdout + result.stderr)
        admin_settings = environment_file(self.read("/etc/atonix-chat/admin.env"))
        self.assertGreaterEqual(len(admin_settings["CHAT_ADMIN_TOKEN"]), 32)
        written = {name: self.read(f"/etc/atonix-chat/{name}") for name in SETTINGS}
        # Run again: the passwords and the token are kept, nothing is left beside the files.
        result = self.root.run(["chat-setup-database", "--socket", self.socket])
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual({name: self.read(f"/etc/atonix-chat/{name}") for name in SETTINGS}, written)
        # --rotate: new passwords, one URL line each, that the server takes (chat-migrate below).
        result = self.root.run(["chat-setup-database", "--socket", self.socket, "--rotate"])
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        for name in SETTINGS:
            text = self.read(f"/etc/atonix-chat/{name}")
            self.assertNotEqual(text, written[name], name)
            self.assertEqual(len(re.findall(r"(?m)^CHAT_DATABASE_URL=", text)), 1, name)
            self.assert_owned(f"/etc/atonix-chat/{name}", 0o600)
        self.assertEqual(environment_file(self.read("/etc/atonix-chat/admin.env"))["CHAT_ADMIN_TOKEN"],
                         admin_settings["CHAT_ADMIN_TOKEN"])
        self.assertEqual(sorted(os.listdir(self.root.path("/etc/atonix-chat"))),
                         sorted(SETTINGS + ("knowledge.md", "assistant.json")))
        result = self.run_as_unit("chat-migrate.service")
        self.assertEqual(result.returncode, 0, result.stderr)
        shipped = sorted(os.listdir(self.root.path("/usr/share/atonix-chat/sql")))
        self.assertEqual(self.applied_migrations(), shipped)
        self.set_setting("worker.env", "CHAT_WORKER_PROCESSES", "3")
        for unit in ("chat-worker.service", "chat-admin.service"):
            result = self.run_as_unit(unit, ["--check-config"])
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        worker_url = environment_file(self.read("/etc/atonix-chat/worker.env"))["CHAT_DATABASE_URL"]
        self.assertTrue(worker_url.startswith("mysql://chat_worker:"), worker_url)

    def test_3_nginx_accepts_the_packaged_site(self):
        certificates = "/etc/letsencrypt/live/chat.example.com"
        os.makedirs(self.root.path(certificates), exist_ok=True)
        cert, key = support.self_signed_certificate(self.root.path(certificates))
        os.rename(cert, self.root.path(f"{certificates}/fullchain.pem"))
        os.rename(key, self.root.path(f"{certificates}/privkey.pem"))
        os.symlink("../sites-available/atonix-chat", self.root.path("/etc/nginx/sites-enabled/atonix-chat"))
        result = self.root.run(["nginx", "-t"])
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_4_upgrade_keeps_the_settings_restarts_what_runs_and_brings_its_migration(self):
        before = {name: self.read(f"/etc/atonix-chat/{name}") for name in SETTINGS}
        self.systemd_requests()
        with open(self.root.path(SYSTEMCTL_FAILS), "w"):  # as if the new migration failed
            pass
        try:
            output = self.apt("install", f"/tmp/{os.path.basename(self.second)}")
        finally:
            os.remove(self.root.path(SYSTEMCTL_FAILS))
        self.assertEqual(self.installed_version(), f"install ok installed {self.second_version}")
        requests = self.systemd_requests()
        self.assertIn("--system daemon-reload", requests)
        self.assertIn("try-restart chat-migrate.service chat-worker.service chat-admin.service", requests)
        self.assertFalse([line for line in requests if re.search(r"\b(start|enable)\b", line) and "chat-" in line])
        self.assertIn("did not restart", output)  # the failed restart is reported, not hidden
        for name in SETTINGS:
            self.assertEqual(self.read(f"/etc/atonix-chat/{name}"), before[name], name)
            self.assert_owned(f"/etc/atonix-chat/{name}", 0o600)
        self.assertEqual(sorted(os.path.basename(path) for path in glob.glob(self.root.path("/etc/atonix-chat/*.dpkg-*"))),
                         ["worker.env.dpkg-dist"])
        self.assert_owned("/etc/atonix-chat/worker.env.dpkg-dist", 0o600)
        self.assertIn(CHANGED_EXAMPLE_LINE, self.read("/etc/atonix-chat/worker.env.dpkg-dist"))
        # What systemd does for the try-restart: chat-migrate.service's command, then the worker.
        result = self.run_as_unit("chat-migrate.service")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(f"applied {self.probe_migration}", result.stdout)
        self.assertIn("schema up to date (1 applied)", result.stdout)
        self.assertEqual(self.database.scalar("SELECT COUNT(*) FROM package_upgrade_probe"), "0")
        result = self.run_as_unit("chat-worker.service", ["--check-config"])
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_5_remove_stops_and_keeps_the_settings_purge_takes_every_file(self):
        migrations = self.applied_migrations()
        listed = self.root.checked(["dpkg-query", "-L", PACKAGE]).split()
        files = [path for path in listed if not os.path.isdir(self.root.path(path))]
        self.assertIn("/usr/bin/chat-worker", files)
        self.assertIn("/etc/atonix-chat/worker.env", files)
        self.systemd_requests()
        self.apt("remove", PACKAGE)
        requests = self.systemd_requests()
        self.assertIn("stop chat-worker.socket chat-admin.socket", requests)
        self.assertIn("stop chat-worker.service chat-admin.service chat-migrate.service", requests)
        self.assert_nothing_of_ours_started(requests)
        self.assertIn("CHAT_WORKER_PROCESSES=3", self.read("/etc/atonix-chat/worker.env"))
        self.assertFalse(os.path.exists(self.root.path("/usr/bin/chat-worker")))
        self.apt("purge", PACKAGE)
        self.assertEqual(self.installed_version(), "")
        self.assertEqual([path for path in files if os.path.lexists(self.root.path(path))], [])
        for gone in ("/etc/atonix-chat", "/usr/share/atonix-chat", "/etc/nginx/sites-enabled/atonix-chat"):
            self.assertFalse(os.path.lexists(self.root.path(gone)), gone)
        result = self.root.run(["nginx", "-t"])  # the site link made in test_3 went with the site
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.applied_migrations(), migrations)  # the database is the administrator's

    def test_6_without_nginx_install_and_purge_work_too(self):
        self.apt("purge", "nginx", "nginx-common")
        self.apt("install", "--no-install-recommends", f"/tmp/{os.path.basename(self.second)}")
        self.assertTrue(os.path.exists(self.root.path("/etc/nginx/sites-available/atonix-chat")))
        self.apt("purge", PACKAGE)
        self.assertEqual(self.installed_version(), "")
        self.assertFalse(os.path.lexists(self.root.path("/etc/nginx")))
        self.assertFalse(os.path.lexists(self.root.path("/etc/atonix-chat")))


if __name__ == "__main__":
    unittest.main()
