#!/usr/bin/env python3
"""Every project include of a program's code resolves inside that program's folder or core/.

For each C++ file under core/, worker/, admin/ and migrate/, each `#include "..."` must name a
file in the folders the file's library may see: its own folder and, for programs, core/.
An include that climbs out with "../", or names another program's header, is reported.
Exit 1 with one line per offence; exit 0 and a count when there is none.
"""
import os
import re
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VISIBLE = {"core": ["core"], "worker": ["worker", "core"], "admin": ["admin", "core"], "migrate": ["migrate", "core"]}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def offences():
    checked = 0
    for folder, roots in VISIBLE.items():
        for directory, _, files in os.walk(os.path.join(REPO, folder)):
            for name in files:
                if not name.endswith((".cpp", ".h")):
                    continue
                path = os.path.join(directory, name)
                with open(path, encoding="utf-8") as source:
                    for header in INCLUDE.findall(source.read()):
                        checked += 1
                        if ".." in header.split("/"):
                            yield f"{os.path.relpath(path, REPO)}: climbs out of its folder: \"{header}\""
                        elif not any(os.path.isfile(os.path.join(REPO, root, header)) for root in roots):
                            yield (f"{os.path.relpath(path, REPO)}: \"{header}\" is not in "
                                   + " or ".join(f"{root}/" for root in roots))
    print(f"{checked} includes checked", file=sys.stderr)


if __name__ == "__main__":
    found = list(offences())
    for line in found:
        print(line)
    sys.exit(1 if found else 0)
