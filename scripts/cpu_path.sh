#!/usr/bin/env bash
# Run a command on another CPU path of this machine, after showing what each library runs.
#
#   scripts/cpu_path.sh native   COMMAND...   # this CPU's own kernels (prints them, changes nothing)
#   scripts/cpu_path.sh avx2     COMMAND...   # the AVX2 kernels an AVX2-only CPU (AMD EPYC) runs
#   scripts/cpu_path.sh epyc-rome PROGRAM...  # the whole process on an emulated AMD EPYC-Rome CPU
#
# `make test CPU=avx2` (and `make unit CPU=avx2`, `make notebooks CPU=avx2`) call this. The
# variables below are read by each library when it loads, and are inherited by subprocesses, so
# nbval's kernels run on the same path. scripts/cpu_report.py prints what every library reports
# and, for avx2, stops here with the name of each variable a library did not obey. README,
# "Reproducible on every machine", says what each variable pins and how to check it.
#
# ONNX Runtime has no such switch: its MLAS kernels follow CPUID. `epyc-rome` runs PROGRAM under
# qemu-x86_64 (Debian's qemu-user, TCG) with the CPUID of an AMD EPYC-Rome (AVX2, no AVX-512, no
# VNNI), so every library, ONNX Runtime included, picks what it picks on that CPU. It is hundreds
# to thousands of times slower than native (README: a few sentences, not tests), and qemu-user does
# not follow exec: PROGRAM must be the Python binary itself (`.venv/bin/python script.py`), and
# subprocesses such as nbval's kernels run natively. Commands run from the repository's root.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"

usage() { echo "usage: $0 {native|avx2|epyc-rome} COMMAND..." >&2; exit 2; }
[ $# -ge 2 ] || usage
mode="$1"; shift

# Embeddings cached on another CPU path would hide this one's encoder numerics (helpers.cache keys
# by model, texts and settings, not by CPU): avx2 and epyc-rome keep their own cache unless told.
own_cache() {
    if [ -z "${COURSE_CACHE_DIR:-}" ]; then
        export COURSE_CACHE_DIR="$PWD/.cache/$mode/embeddings"
        echo "cpu_path: embedding cache $COURSE_CACHE_DIR (this path's own; ONNX files beside it)"
    else
        echo "cpu_path: embedding cache $COURSE_CACHE_DIR, from \$COURSE_CACHE_DIR: vectors already in it" \
             "were encoded on whichever CPU path wrote them"
    fi
}

case "$mode" in
native)
    echo "cpu_path: native (this CPU's own kernels)"
    "$PY" scripts/cpu_report.py
    ;;
avx2)
    export ATEN_CPU_CAPABILITY=avx2                          # torch's own (ATen) kernels
    export MKL_ENABLE_INSTRUCTIONS=AVX2                      # MKL inside torch (matmul, linear layers)
    export ONEDNN_MAX_CPU_ISA=AVX2                           # oneDNN inside torch (convolutions)
    export OPENBLAS_CORETYPE=Zen                             # numpy's, scipy's and faiss's OpenBLAS
    export NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR"  # numpy's own SIMD loops
    export FAISS_SIMD_LEVEL=AVX2                             # faiss's dynamic dispatch (upper case)
    echo "cpu_path: avx2 (the kernels of an AVX2-only CPU such as an AMD EPYC)"
    own_cache
    "$PY" scripts/cpu_report.py --expect avx2
    ;;
epyc-rome)
    command -v qemu-x86_64 >/dev/null || {
        echo "cpu_path: epyc-rome needs qemu-x86_64: apt-get install qemu-user" >&2; exit 1; }
    # TCG lacks these non-SIMD features of the model and would warn once per thread without the minus list.
    cpu="EPYC-Rome,-xsavec,-xsaves,-nrip-save,-rdseed,-sha-ni,-rdpid,-fxsr-opt,-misalignsse"
    cpu="$cpu,-3dnowprefetch,-osvw,-topoext,-perfctr-core,-clzero,-xsaveerptr,-wbnoinvd,-ibpb,-amd-stibp"
    echo "cpu_path: epyc-rome (qemu-x86_64 -cpu EPYC-Rome: the whole process sees an AMD AVX2 CPU)"
    own_cache
    qemu-x86_64 -cpu "$cpu" "$PY" scripts/cpu_report.py --expect avx2
    exec qemu-x86_64 -cpu "$cpu" "$@"
    ;;
*)
    usage
    ;;
esac
exec "$@"
