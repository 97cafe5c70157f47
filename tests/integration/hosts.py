"""Hosts made of network namespaces, for the multi-host suites: a "switch" namespace holding a
bridge, and one namespace a host, each linked to the switch by a veth pair, with an address of
10.231.0.0/24 that the test assigns there. Nothing is configured in the machine's own namespace
(each switch is private to its run, so two runs at once do not meet). Every namespace and every
process in it goes when the test process ends, on failure too; namespaces left by a run that
crashed (its pid gone) are removed by the next one.

    topology = Topology(); nginx = topology.add_host("nginx", "10.231.0.10")
    nginx.popen([...]); nginx.run([...]); topology.stop_host(nginx); topology.close()
"""
import atexit
import itertools
import os
import signal
import subprocess
import sys
import time

PREFIX = "chatnet-"
SUBNET_PREFIX_LENGTH = 24
_TOPOLOGY_NUMBERS = itertools.count()


def _ip(*args, check=True):
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True).stdout


def _namespaces():
    return [line.split()[0] for line in _ip("netns", "list").splitlines() if line.strip()]


def _pids_in(namespace):
    return [int(pid) for pid in _ip("netns", "pids", namespace, check=False).split()]


def _kill_and_delete(namespace):
    """Kills every process in `namespace` (SIGKILL) and deletes it."""
    for _ in range(50):
        pids = _pids_in(namespace)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
    _ip("netns", "del", namespace, check=False)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers():
    """Deletes the namespaces of earlier runs whose test process is gone ("chatnet-PID-...")."""
    for namespace in _namespaces():
        if not namespace.startswith(PREFIX):
            continue
        owner = namespace[len(PREFIX):].split("-", 1)[0]
        if owner.isdigit() and not _alive(int(owner)):
            _kill_and_delete(namespace)


def _exit_on_sigterm():
    """SIGTERM (ctest's timeout, an operator) ends the test process through atexit, which removes
    the namespaces and their processes."""
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda *unused: sys.exit(143))


class Host:
    """One namespace with one address: runs commands there."""

    def __init__(self, name, namespace, address, port_name):
        self.name, self.namespace, self.address, self.port_name = name, namespace, address, port_name

    def command(self, args):
        return ["ip", "netns", "exec", self.namespace, *args]

    def popen(self, args, **options):
        """Starts `args` in this host (`ip netns exec` execs it: the pid is the program's)."""
        return subprocess.Popen(self.command(args), **options)

    def run(self, args, timeout=60, check=True, **options):
        return subprocess.run(self.command(args), timeout=timeout, check=check, capture_output=True,
                              text=True, **options)

    def pids(self):
        return _pids_in(self.namespace)

    def kill_all(self, timeout=10):
        """kill -9 of every process of this host, as on a power cut; returns once they are gone
        and so are their listening sockets (a dying process's other threads may still hold them
        for a moment after its pid has left the namespace)."""
        deadline = time.monotonic() + timeout
        while (self.pids() or self.listening()) and time.monotonic() < deadline:
            for pid in self.pids():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)

    def listening(self):
        """Whether any TCP socket listens on this host."""
        return bool(self.run(["ss", "-Hltn"], check=False).stdout.strip())


class Topology:
    """A switch namespace with a bridge, and the hosts plugged into it."""

    def __init__(self):
        remove_leftovers()
        self.run_id = f"{PREFIX}{os.getpid()}-{next(_TOPOLOGY_NUMBERS)}"
        self.switch = f"{self.run_id}-switch"
        self.hosts = {}
        atexit.register(self.close)
        _exit_on_sigterm()
        _ip("netns", "add", self.switch)
        self._in_switch("link", "set", "lo", "up")
        self._in_switch("link", "add", "br0", "type", "bridge")
        self._in_switch("link", "set", "br0", "up")

    def _in_switch(self, *args, check=True):
        return _ip("-n", self.switch, *args, check=check)

    def add_host(self, name, address):
        """A namespace linked to the switch, with `address`/24 on its eth0 and loopback up."""
        namespace = f"{self.run_id}-{name}"
        port_name = f"p{len(self.hosts)}"
        _ip("netns", "add", namespace)
        host = Host(name, namespace, address, port_name)
        self.hosts[name] = host
        # Both ends are made inside the switch namespace, one of them moved straight to the host.
        self._in_switch("link", "add", port_name, "type", "veth", "peer", "name", "eth0", "netns", namespace)
        self._in_switch("link", "set", port_name, "master", "br0", "up")
        _ip("-n", namespace, "link", "set", "lo", "up")
        _ip("-n", namespace, "addr", "add", f"{address}/{SUBNET_PREFIX_LENGTH}", "dev", "eth0")
        _ip("-n", namespace, "link", "set", "eth0", "up")
        return host

    def set_link(self, host, up):
        """Plugs a host's cable in or out (at the switch): its processes live on, unreachable."""
        self._in_switch("link", "set", host.port_name, "up" if up else "down")

    def close(self):
        for host in list(self.hosts.values()):
            _kill_and_delete(host.namespace)
        self.hosts.clear()
        if self.switch in _namespaces():
            _kill_and_delete(self.switch)
