"""Print which CPU kernels each numerical library of the course runs in this process, and check them.

    .venv/bin/python scripts/cpu_report.py                # print only
    .venv/bin/python scripts/cpu_report.py --expect avx2  # and fail unless every library runs AVX2 code

`scripts/cpu_path.sh` runs this before the command it wraps (`make test CPU=avx2`), so a run that
claims to be on the AVX2 path shows, library by library, that it is. What each line reads:

- torch (ATen's own kernels): `torch.backends.cpu.get_cpu_capability()`.
- MKL, under torch's matrix products: the header line of MKL_VERBOSE, captured around one matmul.
- oneDNN, under torch's convolutions: the `isa:` line of oneDNN's verbose mode around one convolution.
- OpenBLAS (numpy's and scipy's copy, and faiss's own): threadpoolctl's `architecture` of each.
- numpy's own SIMD loops: the target each dispatched loop runs (`numpy.lib.introspect.opt_func_info`).
- faiss: `faiss.SIMDConfig.get_level_name()` and `faiss.get_compile_options()`.
- ONNX Runtime: no switch exists (MLAS picks its kernels from CPUID, onnxruntime/core/mlas/lib/
  platform.cpp), so this prints what CPUID offers it; only an emulated CPU changes that.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import tempfile
from pathlib import Path

AVX2_OPENBLAS = {"Haswell", "Zen"}  # what an AMD EPYC AVX2-only machine reported (numpy's, faiss's)
AVX2_NUMPY = {"X86_V2", "X86_V3", "baseline"}
AMD_MKL_LABEL = "Intel(R) Architecture processors"  # X86_V3 holds AVX2 and FMA3; X86_V4 is AVX-512


@contextlib.contextmanager
def captured_stdout():
    """Capture what C libraries print to file descriptor 1 (MKL and oneDNN verbose modes)."""
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), 1)
        text: list[str] = []
        try:
            yield text
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
            tmp.seek(0)
            text.append(tmp.read().decode(errors="replace"))


def cpu_name() -> str:
    try:
        match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
    except OSError:
        match = None
    import platform
    return match.group(1).strip() if match else (platform.processor() or platform.machine())


def torch_lines() -> dict[str, str]:
    import torch
    lines = {"torch (ATen)": torch.backends.cpu.get_cpu_capability()}
    a = torch.ones(64, 64)
    with captured_stdout() as out, torch.backends.mkl.verbose(torch.backends.mkl.VERBOSE_ON):
        torch.mm(a, a)
    header = next((l for l in out[0].splitlines() if "oneMKL" in l or "Intel(R) MKL" in l), "")
    lines["MKL (torch matmul)"] = header.split(" for Intel(R) 64 architecture ")[-1].split(", Lnx")[0] or "no MKL call seen"
    x, w = torch.ones(1, 32, 28, 28), torch.ones(32, 32, 3, 3)
    with captured_stdout() as out, torch.backends.mkldnn.verbose(torch.backends.mkldnn.VERBOSE_ON):
        torch.nn.functional.conv2d(x, w)
    isa = re.search(r"isa:([^\n]+)", out[0])
    lines["oneDNN (torch conv)"] = isa.group(1).strip() if isa else "no oneDNN call seen"
    lines["CPUID (as torch's cpuinfo sees it)"] = ", ".join(
        f"{name} {'yes' if fn() else 'no'}" for name, fn in
        (("AVX2", torch.cpu._is_avx2_supported), ("AVX-512", torch.cpu._is_avx512_supported),
         ("VNNI", torch.cpu._is_vnni_supported), ("AMX", torch.cpu._is_amx_tile_supported)))
    return lines


def blas_lines() -> dict[str, str]:
    import faiss  # noqa: F401  (loads faiss's bundled OpenBLAS, so threadpoolctl sees it)
    import numpy  # noqa: F401
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_info
    lines = {}
    for lib in threadpool_info():
        if lib.get("internal_api") == "openblas":
            lines[f"OpenBLAS {lib['version']} ({Path(lib['filepath']).name})"] = str(lib.get("architecture"))
    return lines


def numpy_line() -> str:
    from numpy.lib.introspect import opt_func_info
    targets = {t["current"].split("(")[0] for sigs in opt_func_info().values() for t in sigs.values()}
    return " ".join(sorted(targets))  # "baseline(X86_V2)" is read as "baseline"


def faiss_line() -> str:
    import faiss
    return f"{faiss.SIMDConfig.get_level_name()} ({faiss.get_compile_options().strip()})"


def onnxruntime_line() -> str:
    import onnxruntime
    return f"{onnxruntime.__version__}: no dispatch switch; MLAS reads CPUID (the CPUID line above)"


def report() -> dict[str, str]:
    lines = {"CPU": cpu_name()}
    lines.update(torch_lines())
    lines.update(blas_lines())
    lines["numpy SIMD loops run"] = numpy_line()
    lines["faiss SIMD level"] = faiss_line()
    lines["onnxruntime"] = onnxruntime_line()
    return lines


def problems_for_avx2(lines: dict[str, str]) -> list[str]:
    """Each library that does not run AVX2 code, with the variable that should have made it."""
    bad = []
    if lines["torch (ATen)"] != "AVX2":
        bad.append(f"torch runs {lines['torch (ATen)']}, not AVX2: ATEN_CPU_CAPABILITY=avx2 not honoured")
    mkl = lines["MKL (torch matmul)"]
    # On a CPU whose CPUID says AuthenticAMD, oneMKL 2024.0 names its path "Intel(R) Architecture
    # processors" (seen under qemu's EPYC-Rome); its sgemm there matched MKL_ENABLE_INSTRUCTIONS=AVX2 bit for bit.
    if not ("AVX2" in mkl and "512" not in mkl or mkl == AMD_MKL_LABEL):
        bad.append(f"MKL reports {mkl!r}: MKL_ENABLE_INSTRUCTIONS=AVX2 not honoured")
    if not lines["oneDNN (torch conv)"].endswith("AVX2") or "512" in lines["oneDNN (torch conv)"]:
        bad.append(f"oneDNN reports {lines['oneDNN (torch conv)']!r}: ONEDNN_MAX_CPU_ISA=AVX2 not honoured")
    for key, arch in lines.items():
        if key.startswith("OpenBLAS") and arch not in AVX2_OPENBLAS:
            bad.append(f"{key} runs {arch} kernels, not {sorted(AVX2_OPENBLAS)}: OPENBLAS_CORETYPE=Zen not honoured")
    if not set(lines["numpy SIMD loops run"].split()) <= AVX2_NUMPY:
        bad.append(f"numpy loops run {lines['numpy SIMD loops run']}: NPY_DISABLE_CPU_FEATURES not honoured")
    if not lines["faiss SIMD level"].startswith("AVX2 "):
        bad.append(f"faiss runs {lines['faiss SIMD level']}: FAISS_SIMD_LEVEL=AVX2 not honoured")
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--expect", choices=["avx2"], help="fail unless every library runs AVX2 code")
    args = parser.parse_args(argv)
    lines = report()
    width = max(map(len, lines))
    for key, value in lines.items():
        print(f"  {key:<{width}}  {value}")
    if args.expect == "avx2":
        bad = problems_for_avx2(lines)
        if bad:
            print("cpu_report: NOT on the AVX2 path:\n  " + "\n  ".join(bad), file=sys.stderr)
            return 1
        if "AVX-512 yes" in lines["CPUID (as torch's cpuinfo sees it)"]:
            print("  note: ONNX Runtime still runs this CPU's own kernels (AVX-512/VNNI); only "
                  "`scripts/cpu_path.sh epyc-rome` changes them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
