"""The Debian package (scripts/package), installed the way a host installs php-fpm: with apt.

1. scripts/package builds the package from this checkout (dpkg-buildpackage, lintian), keeping its
   build copy; a newer build follows in that copy (scripts/package's CHAT_PACKAGE_REBUILD, which
   compiles only what changed) with a higher version and one more migration, as the next release
   of the product would bring.
2. A fresh Debian 12 root (debootstrap, debian_root.py) installs the first with
   `apt-get install ./atonix-chat_*.deb`, its dependencies resolved from Debian's mirror.
3. The files, owners and modes are checked; chat-migrate runs against a private MariaDB (its
   socket directory bind-mounted into the root), with the settings file and the command line of
   its systemd unit, then `chat-worker --check-config` and `chat-admin --check-config`, and
   `nginx -t` with the packaged site enabled.
4. The newer build is installed over it: the edited settings are kept, and the migration it
   brings is applied. Then remove keeps the settings, and purge takes everything away.

No systemd runs in the root, so nothing could start there anyway; the test checks that the
package enabled nothing. Needs root and the packages debootstrap and the build tools
(scripts/package installs those). The first build takes several minutes.
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
            cls.root = debian_root.DebianRoot(os.path.join(cls.directory, "root"), log)
            cls.root.bind(os.path.join(cls.database.directory, "mariadb"))
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
        cls.first_version = package_version(cls.first)
        cls.second_version = cls.first_version + "+upgrade1"
        started = time.monotonic()
        cls.second = build_package(cls.directory, CHAT_PACKAGE_REBUILD=kept[0],
                                   CHAT_PACKAGE_VERSION=cls.second_version,
                                   CHAT_PACKAGE_OUTPUT=os.path.join(cls.directory, "second"))
        log(f"built {os.path.basename(cls.second)} in {time.monotonic() - started:.0f} s")

    @classmethod
    def tearDownClass(cls):
        if cls.root:
            cls.root.remove()
        if cls.database:
            cls.database.stop()

    # --- helpers ---------------------------------------------------------------------------

    def apt(self, *arguments):
        return self.root.checked(["apt-get", "-y", "-q", *arguments], timeout=APT_TIMEOUT_S)

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
        for path in unit_settings(text, "EnvironmentFile"):
            env.update(environment_file(self.read(path.lstrip("-"))))
        for assignment in unit_settings(text, "Environment"):
            key, value = assignment.split("=", 1)
            env[key] = value
        command = unit_settings(text, "ExecStart")[0].split() + list(extra_arguments)
        return self.root.run(command, env=env, timeout=120)

    def applied_migrations(self):
        return [row[0] for row in self.database.query("SELECT name FROM schema_migrations ORDER BY name")]

    def assert_owned(self, inside, mode, user=0, group=0):
        info = os.lstat(self.root.path(inside))
        self.assertEqual((info.st_uid, info.st_gid), (user, group), inside)
        self.assertEqual(stat.S_IMODE(info.st_mode), mode, f"{inside}: {oct(stat.S_IMODE(info.st_mode))}")

    # --- the sequence ----------------------------------------------------------------------

    def test_1_apt_installs_it_with_its_dependencies_from_debian(self):
        self.assertEqual(self.installed_version(), "")
        self.apt("install", f"/tmp/{os.path.basename(self.first)}")
        self.assertEqual(self.installed_version(), f"install ok installed {self.first_version}")
        for dependency in ("libmysqlcppconn7v5", "libcurl4", "libfcgi0ldbl", "libjsoncpp25", "nginx"):
            self.assertEqual(self.root.run(["dpkg-query", "-W", dependency]).returncode, 0, dependency)

    def test_2_files_owners_and_modes(self):
        for program in PROGRAMS:
            self.assert_owned(f"/usr/bin/{program}", 0o755)
            self.assertTrue(os.path.exists(self.root.path(f"/usr/share/man/man8/{program}.8.gz")), program)
            result = self.root.run([program, "--help"])
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn(f"usage: {program}", result.stdout)
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
        self.assertNotEqual(self.root.run(["sh", "-c", "command -v npm || command -v node"]).returncode, 0)

    def test_2_units_name_the_installed_paths_and_nothing_is_enabled(self):
        for unit in ("chat-worker.service", "chat-admin.service", "chat-migrate.service",
                     "chat-worker.socket", "chat-admin.socket", "chat-.service.d/hardening.conf"):
            self.assert_owned(f"/lib/systemd/system/{unit}", 0o644)
        for unit in ("chat-worker.service", "chat-admin.service", "chat-migrate.service"):
            text = self.read(f"/lib/systemd/system/{unit}")
            program = unit_settings(text, "ExecStart")[0].split()[0]
            self.assertTrue(program.startswith("/usr/bin/chat-"), program)
            for path in unit_settings(text, "EnvironmentFile"):
                self.assertTrue(path.startswith("/etc/atonix-chat/"), path)
        listed = self.root.checked(["dpkg-query", "-L", PACKAGE]).split()
        configuration = [path for path in listed if path.startswith(("/etc/", "/lib/systemd/"))
                         and os.path.isfile(self.root.path(path))]
        leaks = self.root.run(["grep", "-l", "/usr/local"] + configuration)
        self.assertEqual(leaks.stdout, "", "settings, units or nginx files naming /usr/local")
        usage = self.root.checked(["chat-migrate", "--help"])
        self.assertIn("(default: /usr/share/atonix-chat/sql)", usage)
        enabled = glob.glob(self.root.path("/etc/systemd/system/*/chat-*"))
        self.assertEqual(enabled, [])
        self.assertFalse(os.path.lexists(self.root.path("/etc/nginx/sites-enabled/atonix-chat")))

    def test_3_migrate_and_check_config_with_the_installed_settings(self):
        self.set_setting("migrate.env", "CHAT_DATABASE_URL", self.database.url_of("migrate"))
        result = self.run_as_unit("chat-migrate.service")
        self.assertEqual(result.returncode, 0, result.stderr)
        shipped = sorted(os.listdir(self.root.path("/usr/share/atonix-chat/sql")))
        self.assertEqual(self.applied_migrations(), shipped)
        self.set_setting("worker.env", "CHAT_DATABASE_URL", self.database.url_of("worker"))
        self.set_setting("worker.env", "CHAT_WORKER_PROCESSES", "3")
        result = self.run_as_unit("chat-worker.service", ["--check-config"])
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.set_setting("admin.env", "CHAT_DATABASE_URL", self.database.url_of("admin"))
        self.set_setting("admin.env", "CHAT_ADMIN_TOKEN", "packagetesttoken0123456789abcdef")
        result = self.run_as_unit("chat-admin.service", ["--check-config"])
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        for settings in SETTINGS:  # the edits kept the files' owner and mode
            self.assert_owned(f"/etc/atonix-chat/{settings}", 0o600)

    def test_3_nginx_accepts_the_packaged_site(self):
        certificates = "/etc/letsencrypt/live/chat.example.com"
        os.makedirs(self.root.path(certificates), exist_ok=True)
        cert, key = support.self_signed_certificate(self.root.path(certificates))
        os.rename(cert, self.root.path(f"{certificates}/fullchain.pem"))
        os.rename(key, self.root.path(f"{certificates}/privkey.pem"))
        os.symlink("../sites-available/atonix-chat", self.root.path("/etc/nginx/sites-enabled/atonix-chat"))
        result = self.root.run(["nginx", "-t"])
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_4_upgrade_keeps_the_settings_and_applies_the_new_migration(self):
        before = {name: self.read(f"/etc/atonix-chat/{name}") for name in SETTINGS}
        self.apt("install", f"/tmp/{os.path.basename(self.second)}")
        self.assertEqual(self.installed_version(), f"install ok installed {self.second_version}")
        for name in SETTINGS:
            self.assertEqual(self.read(f"/etc/atonix-chat/{name}"), before[name], name)
            self.assert_owned(f"/etc/atonix-chat/{name}", 0o600)
        self.assertEqual(glob.glob(self.root.path("/etc/atonix-chat/*.dpkg-*")), [])
        self.assertIn("CHAT_WORKER_PROCESSES=3", self.read("/etc/atonix-chat/worker.env"))
        result = self.run_as_unit("chat-migrate.service")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(f"applied {self.probe_migration}", result.stdout)
        self.assertIn("schema up to date (1 applied)", result.stdout)
        self.assertEqual(self.database.scalar("SELECT COUNT(*) FROM package_upgrade_probe"), "0")
        result = self.run_as_unit("chat-worker.service", ["--check-config"])
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_5_remove_keeps_the_settings_and_purge_takes_everything(self):
        migrations = self.applied_migrations()
        self.apt("remove", PACKAGE)
        self.assertTrue(os.path.exists(self.root.path("/etc/atonix-chat/worker.env")))
        self.assertIn("CHAT_WORKER_PROCESSES=3", self.read("/etc/atonix-chat/worker.env"))
        self.assertFalse(os.path.exists(self.root.path("/usr/bin/chat-worker")))
        self.apt("purge", PACKAGE)
        self.assertEqual(self.installed_version(), "")
        for gone in ("/etc/atonix-chat", "/usr/share/atonix-chat", "/lib/systemd/system/chat-worker.service",
                     "/etc/nginx/sites-available/atonix-chat", "/etc/nginx/sites-enabled/atonix-chat",
                     "/etc/nginx/snippets/atonix-chat-client-network.conf"):
            self.assertFalse(os.path.lexists(self.root.path(gone)), gone)
        result = self.root.run(["nginx", "-t"])  # the site link made in test_3 went with the site
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.applied_migrations(), migrations)  # the database is the administrator's


if __name__ == "__main__":
    unittest.main()
