#!/usr/bin/env python3
"""Checks a static site, standard library only.

    check_site.py links FOLDER   every local link and stylesheet of every page exists
    check_site.py serve FOLDER   serves FOLDER on 127.0.0.1 (a free port) for the length of
                                 the check: every page answers 200, its local links too, and
                                 /version.txt names $CAPTAIN_VERSION when that is set

`serve` runs its server in this process and stops it before exiting, so no server
outlives the check (nor the captain). Exit 0 when the site is sound, 1 otherwise.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import urllib.error
import urllib.request
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit


class Links(HTMLParser):
    """The local targets of a page's href and src attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            local = value and not urlsplit(value).scheme and not value.startswith(("#", "//"))
            if name in ("href", "src") and local:
                self.found.append(value.split("#")[0])


def links_of(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return [link for link in parser.found if link]


def check_links(folder: Path) -> list[str]:
    problems = []
    for page in sorted(folder.rglob("*.html")):
        for link in links_of(page.read_text(encoding="utf-8")):
            target = (page.parent / urlsplit(link).path).resolve()
            if not target.exists():
                problems.append(f"{page.relative_to(folder)}: broken link {link}")
    return problems


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def check_served(folder: Path) -> list[str]:
    handler = functools.partial(Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    problems = []
    try:
        for page in sorted(folder.rglob("*.html")):
            url = urljoin(base, page.relative_to(folder).as_posix())
            status, body = fetch(url)
            if status != 200:
                problems.append(f"{url}: {status}")
            for link in links_of(body):
                if (status := fetch(urljoin(url, link))[0]) != 200:
                    problems.append(f"{url}: {link} answered {status}")
        want = os.environ.get("CAPTAIN_VERSION")
        if want:
            status, body = fetch(base + "version.txt")
            if body.split()[:1] != [want]:
                problems.append(f"/version.txt says {body.strip()!r}, expected {want}")
        print(f"checked {folder} served at {base}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("links", "serve"):
        print(__doc__, file=sys.stderr)
        return 2
    folder = Path(argv[1]).resolve()
    if not folder.is_dir():
        print(f"{folder} is not a folder", file=sys.stderr)
        return 1
    problems = check_links(folder) if argv[0] == "links" else check_served(folder)
    for problem in problems:
        print(problem, file=sys.stderr)
    print("FAILED" if problems else "passed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
