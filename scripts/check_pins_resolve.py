"""Check that pyproject.toml's pins resolve, wheels only, for every supported Python and platform.

    python3 scripts/check_pins_resolve.py        # all of them (make resolve; .ci/run runs it)
    python3 scripts/check_pins_resolve.py --only 3.13 x86_64-manylinux_2_28   # one (test_without_torch.sh)

Resolution only: `uv pip compile --python-version V --python-platform P --only-binary :all:` reads
package metadata from PyPI (no wheel is downloaded, torch's CUDA packages included) and fails when a
pin has no wheel for that Python and platform. uv itself is pinned below and installed by this script
into .cache/uv-tool (it is not a course dependency). Each resolution is written to
.cache/resolved/<platform>-py<python>.txt for inspection. Exit status 1 names every pin and platform
that stopped resolving, and every "known not to work" case that started to (README then needs updating).
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import venv
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UV_VERSION = "0.13.9"
TOOL = ROOT / ".cache" / "uv-tool"
OUT = ROOT / ".cache" / "resolved"
INDEX = "https://pypi.org/simple"

PYTHONS = ["3.11", "3.12", "3.13", "3.14"]  # pyproject.toml: requires-python = ">=3.11,<3.15"
# (uv platform, macOS deployment target or None, what a learner has)
PLATFORMS = [
    ("x86_64-manylinux_2_28", None, "Linux x86-64, glibc 2.28 or newer (torch's wheels are manylinux_2_28)"),
    ("aarch64-apple-darwin", "14.0", "macOS 14 or newer on Apple silicon"),
    ("x86_64-pc-windows-msvc", None, "Windows x86-64"),
]
# Known not to work, each checked to still fail (so README's "known not to work" stays true).
KNOWN_FAILURES = [
    ("x86_64-apple-darwin", "14.0", "macOS on Intel", "torch 2.13.0 has no macOS x86-64 wheel"),
    ("aarch64-apple-darwin", "13.0", "macOS 13 on Apple silicon", "torch 2.13.0's macOS wheel is macosx_14_0_arm64"),
]


def uv() -> Path:
    """The pinned uv, installed from PyPI into .cache/uv-tool on first use."""
    exe = TOOL / ("Scripts/uv.exe" if os.name == "nt" else "bin/uv")
    if exe.exists():
        found = subprocess.run([str(exe), "--version"], capture_output=True, text=True).stdout.split()
        if found[1:2] == [UV_VERSION]:
            return exe
    venv.create(TOOL, with_pip=True, clear=True)
    python = TOOL / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    "--no-cache-dir", f"uv=={UV_VERSION}"], check=True)
    return exe


def resolve(exe: Path, platform: str, macos: str | None, python: str) -> tuple[bool, str, float]:
    """Resolve pyproject.toml with its dev extra for one target; (ok, uv's message, seconds)."""
    env = {**os.environ, "UV_CACHE_DIR": str(ROOT / ".cache" / "uv")}
    env.pop("UV_INDEX_URL", None)
    if macos:
        env["MACOSX_DEPLOYMENT_TARGET"] = macos
    out = OUT / f"{platform}{'-' + macos if macos else ''}-py{python}.txt"
    command = [str(exe), "pip", "compile", "pyproject.toml", "--extra", "dev", "--quiet", "--no-header",
               "--python-version", python, "--python-platform", platform, "--only-binary", ":all:",
               "--default-index", INDEX, "--no-config", "--output-file", str(out)]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    return done.returncode == 0, (done.stderr or done.stdout).strip(), time.perf_counter() - start


def cause(message: str) -> str:
    """uv's one-line reason (it names the pin and the missing wheel tag)."""
    lines = [l.strip() for l in message.splitlines() if l.strip()]
    line = next((l for l in lines if "Because" in l), lines[0] if lines else "?")
    return line.removeprefix("cause: ").removeprefix("╰─▶ ")


def main(argv: list[str]) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    exe = uv()
    targets = [(platform, macos, who, python, None) for platform, macos, who in PLATFORMS for python in PYTHONS]
    targets += [(platform, macos, who, PYTHONS[-1], reason) for platform, macos, who, reason in KNOWN_FAILURES]
    if argv[:1] == ["--only"] and len(argv) == 3:
        targets = [t for t in targets if t[3] == argv[1] and t[0] == argv[2] and t[4] is None]
    elif argv:
        raise SystemExit(f"usage: {sys.argv[0]} [--only PYTHON PLATFORM], PYTHON in {PYTHONS}, "
                         f"PLATFORM in {[p for p, _, _ in PLATFORMS]}; got {argv}")
    if not targets:
        raise SystemExit(f"no supported target matches {argv[1:]}: see PYTHONS and PLATFORMS in {__file__}")
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(targets)) as pool:  # uv waits on PyPI, not on the CPU
        results = list(pool.map(lambda t: resolve(exe, t[0], t[1], t[3]), targets))
    failures = []
    for (platform, macos, who, python, reason), (ok, message, seconds) in zip(targets, results):
        if reason is None:
            print(f"{'resolves' if ok else 'FAILS   '}  CPython {python}  {who}  ({seconds:.0f} s)")
            if not ok:
                failures.append(f"CPython {python} on {who} ({platform}): {cause(message)}")
            continue
        print(f"{'RESOLVES' if ok else 'fails   '}  CPython {python}  {who}: known not to work, {reason}  ({seconds:.0f} s)")
        if ok:
            failures.append(f"{who} ({platform}) now resolves: move it from KNOWN_FAILURES to PLATFORMS "
                            f"and update README's set-up section")
        elif "torch" not in message:
            failures.append(f"{who} ({platform}) fails for another reason than {reason!r}: {cause(message)}")
    print(f"uv {UV_VERSION}: {len(targets)} resolutions, side by side, in {time.perf_counter() - start:.0f} s")
    if failures:
        print("check_pins_resolve: FAILED\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
