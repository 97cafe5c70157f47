"""A fresh Debian 12 root for the deployment tests: `debootstrap --variant=minbase bookworm`,
tidied like the official image (apt sources with updates and security, no package lists or
.debs) and cached as a tarball under /var/cache/atonix-chat/ (remade after 30 days).

test_container imports the tarball as its base image; test_package unpacks it into a directory
and installs the Debian package there with apt, in a chroot (DebianRoot). Needs root and
debootstrap.
"""
import fcntl
import os
import shutil
import subprocess
import time

from deploy_support import harness

CACHE_DIR = "/var/cache/atonix-chat"
BASE_TARBALL = os.path.join(CACHE_DIR, "debian-12-minbase.tar")
BASE_MAX_AGE_S = 30 * 24 * 3600
DEBIAN_MIRROR = "http://deb.debian.org/debian"
DEBIAN_SOURCES = """Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""
CHROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def run(argv, timeout=600, **kwargs):
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kwargs)


def checked(argv, timeout=600, **kwargs):
    result = run(argv, timeout=timeout, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])}... failed ({result.returncode}):\n"
                           f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result.stdout


def base_tarball(log):
    """The cached tarball's path, made first when missing or old. Tests that start at the same
    moment take turns, so only one of them runs debootstrap. Returns (path, made now)."""
    os.makedirs(CACHE_DIR, exist_ok=True)
    with open(os.path.join(CACHE_DIR, "base.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(BASE_TARBALL) and time.time() - os.path.getmtime(BASE_TARBALL) < BASE_MAX_AGE_S:
            return BASE_TARBALL, False
        _make_base_tarball(log)
        return BASE_TARBALL, True


def _make_base_tarball(log):
    root = harness.temporary_directory("chat-debootstrap-")
    os.chmod(root, 0o755)  # the image's / (mkdtemp makes it 0700: no one else could enter)
    log("debootstrap --variant=minbase bookworm (about a minute)")
    try:
        checked(["debootstrap", "--variant=minbase", "bookworm", root, DEBIAN_MIRROR], timeout=1200)
    finally:
        unmount_everything_under(root)  # debootstrap mounts /proc and /sys, and leaves them on failure
    for leftover in ("etc/apt/sources.list", "var/cache/apt/pkgcache.bin", "var/cache/apt/srcpkgcache.bin"):
        if os.path.exists(os.path.join(root, leftover)):
            os.remove(os.path.join(root, leftover))
    for directory in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for entry in os.listdir(os.path.join(root, directory)):
            path = os.path.join(root, directory, entry)
            if os.path.isfile(path):
                os.remove(path)
    with open(os.path.join(root, "etc/apt/sources.list.d/debian.sources"), "w", encoding="utf-8") as sources:
        sources.write(DEBIAN_SOURCES)
    checked(["tar", "-C", root, "-cf", BASE_TARBALL + ".part", "."])
    os.replace(BASE_TARBALL + ".part", BASE_TARBALL)


def mounts_under(directory):
    """The mount points below directory, deepest first."""
    with open("/proc/mounts", encoding="utf-8") as mounts:
        points = [line.split()[1] for line in mounts]
    return sorted((point for point in points if point.startswith(directory.rstrip("/") + "/")),
                  key=lambda point: point.count("/"), reverse=True)


def unmount_everything_under(directory):
    """Detaches every mount below directory (lazily: a process still inside keeps its view), so
    that removing the directory can never reach through a bind mount into what it shows."""
    for point in mounts_under(directory):
        run(["umount", "--lazy", point])
    if mounts_under(directory):
        raise RuntimeError(f"{directory} still has mounts: {mounts_under(directory)}")


class DebianRoot:
    """The base root unpacked into a directory of the test, entered with chroot. /proc is
    mounted; apt reaches Debian's mirrors with this machine's resolver and apt settings; no
    service starts inside (policy-rc.d answers 101, and no systemd runs there)."""

    def __init__(self, directory, log):
        self.directory = directory
        tarball, _ = base_tarball(log)
        os.makedirs(directory, mode=0o755, exist_ok=True)
        checked(["tar", "-C", directory, "-xf", tarball])
        shutil.copy("/etc/resolv.conf", self.path("/etc/resolv.conf"))
        for name in os.listdir("/etc/apt/apt.conf.d"):  # the machine's mirror settings, if any
            if name.startswith("99"):
                shutil.copy(os.path.join("/etc/apt/apt.conf.d", name), self.path("/etc/apt/apt.conf.d"))
        with open(self.path("/usr/sbin/policy-rc.d"), "w", encoding="utf-8") as policy:
            policy.write("#!/bin/sh\n# No service starts in this test root.\nexit 101\n")
        os.chmod(self.path("/usr/sbin/policy-rc.d"), 0o755)
        self.mount(["-t", "proc", "proc"], "/proc")

    def path(self, inside):
        return os.path.join(self.directory, inside.lstrip("/"))

    def mount(self, options, inside):
        os.makedirs(self.path(inside), exist_ok=True)
        checked(["mount", *options, self.path(inside)])

    def bind(self, outside, inside=None):
        """Makes the host's directory `outside` visible at `inside` (the same path by default)."""
        self.mount(["--bind", outside], inside or outside)

    def run(self, command, env=None, timeout=600):
        """Runs command (a list) as root inside, with a clean environment plus env."""
        environment = ["PATH=" + CHROOT_PATH, "LC_ALL=C.UTF-8", "DEBIAN_FRONTEND=noninteractive"]
        environment += [f"{key}={value}" for key, value in (env or {}).items()]
        return run(["chroot", self.directory, "/usr/bin/env", "-i", *environment, *command],
                   timeout=timeout, stdin=subprocess.DEVNULL)

    def checked(self, command, env=None, timeout=600):
        result = self.run(command, env, timeout)
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(command)} failed ({result.returncode}) in the root:\n"
                                 f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
        return result.stdout

    def remove(self):
        """Unmounts everything inside, then deletes the root (never through a mount)."""
        unmount_everything_under(self.directory)
        shutil.rmtree(self.directory, ignore_errors=True)
