"""Build notebooks/09_fast_encoding.ipynb (unexecuted)."""
import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

cells = []


def md(text):
    cells.append(new_markdown_cell(text.strip("\n")))


def code(text, tags=(), hidden=False):
    cell = new_code_cell(text.strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    if hidden:
        cell.metadata["jupyter"] = {"source_hidden": True}
    cells.append(cell)


IGNORE = ("nbval-ignore-output",)

md("""
# 09 · Encoding fast on a laptop, and across a cluster: ONNX Runtime, int8 and Ray Data

Encoding is where a semantic-search project spends its compute: every document is pushed through
the transformer once, and again whenever the model changes. This notebook measures where that
time goes, then makes it shorter in the two ways used in practice: make **one machine** faster
(ONNX Runtime and int8 weights) and spread the work over **many machines** (Ray
Data, an existing distributed engine). Every speed-up is paid for in something: you measure the
quality cost on STS-B, and the start-up cost of a cluster.

**Learning objectives**

- Split encoding time into tokenizing, the transformer's forward pass and pooling, and say which
  one to attack.
- Export a sentence encoder to ONNX, run it with ONNX Runtime (by hand, then through
  `TextEncoder(backend="onnx")`), and check that it gives the same vectors as PyTorch.
- Quantize its weights to int8, and measure what that saves (size, time) and costs (STS-B Spearman).
- Estimate what 1 million and 100 million sentences cost on one laptop and on N machines.
- Encode a dataset with a Ray Data actor pool and check that the vectors equal the single process's.

**Time estimate:** about 45 minutes (how long the notebook itself takes to run, with and without the
ONNX files built, is in `TEACHING.md`, section 6).

**Before this:** [01_pooling](01_pooling.ipynb) (mean pooling, padding, `TextEncoder`, STS-B
Spearman) and [08_compression_graphs](08_compression_graphs.ipynb). Timings in this notebook are
measured on the machine that runs it: yours will differ, and on a shared machine they are noisy.
""")

md("""
All imports come first. `repro.setup()` fixes the thread count at 2, for PyTorch here and, through
`TextEncoder`, for ONNX Runtime's sessions too, so the two backends are compared on equal terms.
""")

code("""
import logging
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm, imported by ray, before setup()
logging.getLogger("ray.widgets.util").setLevel(logging.WARNING)  # "Missing packages: ['ipywidgets']"

import numpy as np
import onnx
import onnxruntime
import pandas as pd
import ray
import torch
from scipy.stats import spearmanr

from helpers import check, repro
from helpers.cache import cached_encode
from helpers.data import load_stsb
from helpers.distributed import quiet_ray_data, ray_encode, start_local_ray
from helpers.embed import TextEncoder
from helpers.models import resolve_model
from helpers.onnx_backend import OnnxModel, build_onnx_model, cpu_flags, int8_weight_type
from onnxruntime.quantization import QuantType, quantize_dynamic
from onnxruntime.transformers import optimizer
from helpers.pooling import mean_pool

repro.setup(seed=0, threads=2)
# Ray 2.60 calls map_batches(..., max_restarts=0) deprecated but has no named parameter for it yet
# (section 6); set after `import ray`, whose own warning filter would otherwise come first
warnings.filterwarnings("ignore", message="`ray_remote_args` is deprecated")
""")

md("""
## 1. Where encoding time goes

Our corpus: both sides of the 1,379 STS-B test pairs (2,758 sentences). Speed is measured on the
first 1,000 of them (`sample`), to keep the notebook quick; quality on all of them. We encode the
sample with the PyTorch `TextEncoder` from notebook 01, but one stage at a time, so that each
stage can be timed:
tokenizing, the transformer's forward pass over padded batches of 32, and mean pooling with
normalisation. Look at the share column: which stage is worth making faster?
""")

code("""
MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
stsb = load_stsb("test")
texts = stsb.sentence1.tolist() + stsb.sentence2.tolist()
sample = texts[:1000]
encoder = TextEncoder(MODEL_ID)
print(len(texts), "sentences,", len(sample), "in the timing sample;", encoder)
""")

code("""
def encode_by_stage(enc, texts, batch_size=32):
    \"\"\"TextEncoder.encode's steps, timed separately; returns (vectors, seconds per stage).\"\"\"
    seconds = Counter()
    start = time.perf_counter()
    ids = enc.tokenizer(texts, truncation=True, max_length=enc.max_length)["input_ids"]
    order = np.argsort([len(x) for x in ids], kind="stable")
    seconds["tokenize"] += time.perf_counter() - start
    out = np.empty((len(texts), enc.dim), dtype=np.float32)
    for i in range(0, len(order), batch_size):
        rows = order[i:i + batch_size]
        start = time.perf_counter()
        batch = enc.tokenizer.pad({"input_ids": [ids[r] for r in rows]}, return_tensors="pt")
        seconds["tokenize"] += time.perf_counter() - start
        start = time.perf_counter()
        with torch.inference_mode():
            hidden = enc.model(**batch).last_hidden_state
        seconds["forward"] += time.perf_counter() - start
        start = time.perf_counter()
        out[rows] = torch.nn.functional.normalize(mean_pool(hidden, batch["attention_mask"]), dim=1).numpy()
        seconds["pool"] += time.perf_counter() - start
    return out, seconds

staged, seconds = encode_by_stage(encoder, sample)
assert np.allclose(staged, encoder.encode(sample), atol=1e-6)  # the same vectors as TextEncoder
print("same vectors as encoder.encode: True")
""")

code("""
total = sum(seconds.values())
for stage, s in seconds.items():
    print(f"{stage:9s} {s:7.2f} s   {s / total:6.1%}")
print(f"{'total':9s} {total:7.2f} s   -> {len(sample) / total:,.0f} sentences per second")
""", tags=IGNORE)

code("""
assert seconds["forward"] / total > 0.8
print("the forward pass takes over 80% of the encoding time: True")
""")

md("""
The forward pass takes nearly all the time: its share is printed above, and the cell above checks
that it is over 80% wherever the notebook runs. Tokenizing (a Rust library) and pooling (one masked
mean per batch) are small.
So a faster encoder means a faster **forward pass**: fewer wasted positions, a faster runtime,
cheaper arithmetic. The rest of the notebook attacks it in that order.

## 2. Batching and length sorting: stop computing padding

Notebook 01 measured the **padding share**: the fraction of positions in the padded batches that
are `[PAD]`. For sentences this short the forward pass costs roughly in proportion to the positions
it processes (attention's cost grows faster, with the square of the length, section 5), padding
included, so padding is wasted compute. `TextEncoder` sorts sentences by length before batching;
here is the padding share with and without sorting, and the time it saves.
""")

code("""
lengths = np.array([len(x) for x in encoder.tokenizer(texts, truncation=True, max_length=256)["input_ids"]])

def padding_share(lengths, batch_size, sort_by_length):
    order = np.argsort(lengths, kind="stable") if sort_by_length else np.arange(len(lengths))
    padded = sum(lengths[order[i:i + batch_size]].max() * len(order[i:i + batch_size])
                 for i in range(0, len(order), batch_size))
    return 1 - lengths.sum() / padded

for sort in (False, True):
    print(f"batch 32, {'sorted by length' if sort else 'input order     '}: "
          f"padding share {padding_share(lengths, 32, sort):.4f}")
""")

code("""
def best_time(fn, rounds=2):
    \"\"\"The fastest of `rounds` calls, in seconds, and the last result (noise only adds time).\"\"\"
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result

t_unsorted, _ = best_time(lambda: encoder.encode(sample, sort_by_length=False))
t_sorted, _ = best_time(lambda: encoder.encode(sample))
print(f"input order: {t_unsorted:.2f} s   sorted: {t_sorted:.2f} s   "
      f"sorting is {t_unsorted / t_sorted:.2f}x faster")
""", tags=IGNORE)

md("""
Sorting removes almost all padding, and the time falls with it (compare the two timings above).
It costs nothing in quality: masked mean pooling gives the same vector whatever the padding
(notebook 01). `TextEncoder` sorts by default (so does `SentenceTransformer.encode`, by text length).

## 3. ONNX Runtime: the same network, another runtime

[ONNX](https://onnx.ai/) is a file format for a computation graph; [ONNX
Runtime](https://onnxruntime.ai/docs/) (ORT) executes such graphs with kernels tuned for each CPU.
PyTorch can write its model as an ONNX graph by tracing it on an example input. `helpers.onnx_backend`
does it once, from the weights already on disk (no download), with this call:

```python
torch.onnx.export(model_returning_last_hidden_state, (input_ids, attention_mask), path,
                  input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                  dynamic_axes={...: {0: "batch", 1: "tokens"}}, opset_version=17, dynamo=False)
```

`dynamic_axes` keeps the batch size and sentence length free (a traced graph would otherwise fix
them to the example's), and `dynamo=False` picks the TorchScript exporter, which handles this
model. The file is cached in `.cache/onnx/` beside the embedding cache, with a manifest holding its
SHA-256: a missing, partial or corrupt file is detected and rebuilt (the tests break one on purpose).

`TextEncoder(backend="onnx")` then tokenizes, sorts, pads and pools exactly as before; only the call
to the transformer goes to an ORT session instead of PyTorch.
""")

code("""
start = time.perf_counter()
onnx_fp32 = TextEncoder(MODEL_ID, backend="onnx")
onnx_int8 = TextEncoder(MODEL_ID, backend="onnx", quantize="int8")
print(f"ready in {time.perf_counter() - start:.1f} s (building the files the first time takes longer)")
print(onnx_fp32)
print(onnx_fp32.onnx)
""", tags=IGNORE)

md("""
First the library's own calls, by hand: open the exported file in an `onnxruntime.InferenceSession`,
feed it a padded batch as NumPy arrays, mean-pool the output. Then the course helper. Both must
give PyTorch's vectors, to float precision.
""")

code("""
sentences = ["I took my dog for a walk", "I took my cat for a walk",
             "The stock market fell sharply this morning after the bank's announcement."]
session = onnxruntime.InferenceSession(str(onnx_fp32.onnx.path), providers=["CPUExecutionProvider"])
print("inputs:", [(i.name, i.type, i.shape) for i in session.get_inputs()])


def ort_encode(session, texts):
    \"\"\"Tokenize and pad with NumPy arrays, run the ONNX session, mean-pool over the mask, normalise.\"\"\"
    batch = encoder.tokenizer(texts, padding=True, return_tensors="np")
    (hidden,) = session.run(["last_hidden_state"], {"input_ids": batch["input_ids"],
                                                    "attention_mask": batch["attention_mask"]})
    mask = batch["attention_mask"][:, :, None]
    pooled = (hidden * mask).sum(axis=1) / mask.sum(axis=1)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


by_hand = ort_encode(session, sentences)

with_helper = onnx_fp32.encode(sentences)
assert np.allclose(by_hand, with_helper, atol=1e-5)
assert np.allclose(with_helper, encoder.encode(sentences), atol=1e-5)
print("ORT by hand == TextEncoder(backend='onnx') == PyTorch TextEncoder, to 1e-5: True")
""")

md("""
### What ORT's graph optimizations do

The exported graph spells attention out as dozens of small operations per layer (MatMul, Reshape,
Transpose, Softmax, ...). ORT's transformer optimizer (`onnxruntime.transformers.optimizer`,
`model_type="bert"`) recognises those patterns and **fuses** each into one kernel: one `Attention`
node per layer, GELU with its bias add, layer norms with the residual add. The cell runs
`optimizer.optimize_model` by hand on the exported file, checks that it gives the operations of the
file `TextEncoder` uses, and counts the operations in both graphs: the network is the same, the
number of nodes is not.
""")

code("""
folder = resolve_model(MODEL_ID)
exported_path = build_onnx_model(folder, encoder.model, encoder.tokenizer, fuse=False)  # cached

# the library's own call: ORT's transformer optimizer on the exported file, as helpers.onnx_backend runs it
fused_by_hand = optimizer.optimize_model(str(exported_path), model_type="bert", opt_level=0,
                                         num_heads=encoder.model.config.num_attention_heads,
                                         hidden_size=encoder.model.config.hidden_size)
graphs = {"as exported": onnx.load(str(exported_path)), "fused": onnx.load(str(onnx_fp32.onnx.path))}
assert Counter(n.op_type for n in fused_by_hand.model.graph.node) == Counter(n.op_type for n in graphs["fused"].graph.node)
print("optimize_model by hand gives the same operations as the helper's fused file: True")
ops = pd.DataFrame({name: Counter(node.op_type for node in g.graph.node) for name, g in graphs.items()}).fillna(0)
ops = ops.astype(int)
shown = ["MatMul", "Softmax", "Transpose", "Reshape", "Erf", "LayerNormalization",
         "Attention", "BiasGelu", "SkipLayerNormalization", "EmbedLayerNormalization"]
ops.loc["all nodes"] = ops.sum()
ops.loc[[op for op in shown if op in ops.index] + ["all nodes"]]
""")

md("""
Now the speed: PyTorch, the exported graph run with only ORT's basic optimizations, and the fused
graph (all optimizations on). Each runs on the same 1,000 sentences with the same sorting and
batching; best of 2 runs. Look at the ratios against PyTorch, not the absolute numbers.
""")

code("""
exported = TextEncoder(MODEL_ID, backend="onnx")
exported.onnx = OnnxModel(exported_path, level="basic")  # the unfused file, basic optimizations only

t_exported, _ = best_time(lambda: exported.encode(sample))
t_fp32, _ = best_time(lambda: onnx_fp32.encode(sample))
speed = pd.DataFrame({"seconds": [t_sorted, t_exported, t_fp32]},
                     index=["PyTorch", "ONNX, as exported", "ONNX, fused"])
speed["sentences/s"] = (len(sample) / speed.seconds).round(0)
speed["x PyTorch"] = (t_sorted / speed.seconds).round(2)
speed.round(2)
""", tags=IGNORE)

md("""
Compare the rows: in fp32 the gain over PyTorch is small at best, and the two ONNX rows can swap
places from one run to the next. On the course's 2-core machine,
`benchmarks/encode.py` (best of 5, the README's table) measured 488.5 sentences/s for this PyTorch
`TextEncoder`, 554.0 for ONNX as exported and 531.4 fused: about 1.1x, and fusion did not help there.
The large gain comes with int8 weights (section 4); measure both on your machine before you keep one.

The vectors are the same as PyTorch's to float precision, so the STS-B quality is too. (All 2,758
sentences now, through `cached_encode`, whose cache key includes the backend and the ONNX file.)
""")

code("""
def stsb_spearman(X, pairs=stsb):
    a, b = X[:len(pairs)], X[len(pairs):]
    return spearmanr((a * b).sum(axis=1), pairs.score).statistic

X_torch, X_fp32 = cached_encode(encoder, texts), cached_encode(onnx_fp32, texts)
print(f"max |ONNX fp32 - PyTorch| over all {len(texts)} vectors < 1e-5: {np.abs(X_fp32 - X_torch).max() < 1e-5}")
print(f"STS-B Spearman  PyTorch {stsb_spearman(X_torch):.4f}   ONNX fp32 {stsb_spearman(X_fp32):.4f}")
""")

md("""
## 4. int8 weights: smaller and faster, slightly less exact

**Dynamic quantization** (`onnxruntime.quantization.quantize_dynamic`) stores each weight matrix
(and, in this fused graph, the embedding tables) as 8-bit integers plus a scale, and at run time
quantizes the inputs of each quantized matrix product to 8 bits too, with a scale computed from the
batch, so those products (the layers' projections and feed-forward, and attention's Q/K/V
projection) run in integer arithmetic; attention's own products and softmax, layer norms and GELU
stay in float. No calibration data is needed. The weights
shrink by about 4x, and the int8 graph's operations show which steps run in integers (`MatMulInteger`,
`QAttention`, `QEmbedLayerNormalization`, each fed by a `DynamicQuantizeLinear`) and which stay float:
""")

code("""
mb = {name: enc.onnx.path.stat().st_size / 1e6 for name, enc in [("fp32", onnx_fp32), ("int8", onnx_int8)]}
print(f"fp32 file {mb['fp32']:.0f} MB, int8 file {mb['int8']:.0f} MB: {mb['fp32'] / mb['int8']:.1f}x smaller")
int8_ops = Counter(node.op_type for node in onnx.load(str(onnx_int8.onnx.path)).graph.node)
print("operations in the int8 graph:", dict(sorted(int8_ops.items())))
""")

md("""
The library's own call, by hand: `quantize_dynamic` on the fused fp32 file, with the weight type
chosen for this CPU (explained two cells below), then the same three sentences as in section 3
through an `InferenceSession` on the new file (section 3's `ort_encode`). `DefaultTensorType` tells the quantizer to assume
float tensors where the fused operations carry no type information. The quantizer also logs a
suggestion to pre-process the model first, which this cell keeps out of the output.
""")

code("""
with tempfile.TemporaryDirectory() as tmp:
    int8_by_hand = Path(tmp) / "int8.onnx"
    logging.disable(logging.WARNING)   # quantize_dynamic's "consider pre-processing" note
    quantize_dynamic(str(onnx_fp32.onnx.path), str(int8_by_hand), weight_type=getattr(QuantType, int8_weight_type()),
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    logging.disable(logging.NOTSET)
    int8_hand = ort_encode(onnxruntime.InferenceSession(str(int8_by_hand), providers=["CPUExecutionProvider"]),
                           sentences)   # section 3's by-hand path, on the new file
assert np.allclose(int8_hand, onnx_int8.encode(sentences), atol=1e-5)
print("quantize_dynamic by hand == TextEncoder(backend='onnx', quantize='int8'), to 1e-5: True")
""")

md("""
Which integer type the weights should use depends on the CPU. Activations are unsigned 8-bit; ORT's
[quantization guide](https://onnxruntime.ai/docs/performance/model-optimizations/quantization.html)
explains that on x86 CPUs with AVX2 or AVX-512 but **without VNNI**, unsigned-times-signed products
(signed `QInt8` weights) can saturate, and unsigned `QUInt8` weights cannot. `int8_weight_type()`
reads the CPU's flags and picks signed weights where VNNI exists, unsigned otherwise. What did it
pick on your machine?
""")

code("""
flags = cpu_flags()
print("AVX2:", "avx2" in flags, "| AVX-512:", "avx512f" in flags,
      "| VNNI:", bool(flags & {"avx512_vnni", "avx_vnni"}), "->", int8_weight_type(), "weights")
print(onnx_int8.onnx)
""", tags=IGNORE)

md("""
Now the price and the gain, measured on this machine: STS-B Spearman and speed against PyTorch. The
course accepts int8 if it keeps at least 0.815, about half a point below fp32's 0.8203 (section 3),
and the cell asserts it. The int8 figures differ a little between CPUs, because the weight type and
the integer kernels do; `tests/test_onnx_backend.py` checks the bar with both weight types, on the course's machine (a CPU
with VNNI: the unsigned type is the one picked without VNNI, whose integer kernels were not measured).
""")

code("""
t_int8, _ = best_time(lambda: onnx_int8.encode(sample))
X_int8 = cached_encode(onnx_int8, texts)
quality = stsb_spearman(X_int8)
assert quality >= 0.815, quality
speed.loc["ONNX int8"] = [t_int8, round(len(sample) / t_int8), round(t_sorted / t_int8, 2)]
print(f"STS-B Spearman int8 {quality:.4f} (fp32 {stsb_spearman(X_fp32):.4f})")
speed.round(2)
""", tags=IGNORE)

md("""
> **Pitfall: mixing vectors from two backends in one index.** int8 vectors are close to the fp32
> ones but not equal. If you switch an index to int8 encoding, re-encode the whole corpus: a query
> encoded in int8 compared against documents encoded in fp32 measures the model **and** the
> rounding. How close is a sentence's int8 vector to its own fp32 vector?
""")

code("""
self_cosine = (X_int8 * X_torch).sum(axis=1)  # both unit length, so this is the cosine
print(f"cosine(int8, fp32) of the same sentence: min {self_cosine.min():.3f}, "
      f"5th percentile {np.percentile(self_cosine, 5):.3f}, median {np.median(self_cosine):.3f}")
""", tags=IGNORE)

code("""
assert np.median(self_cosine) < 0.999  # not the same vectors...
assert np.median(self_cosine) > 0.9  # ...but close
print("int8 vectors differ from fp32 ones (median cosine below 0.999) yet stay close (above 0.9): True")
""")

md("""
The cosines above are well below 1: the weights are rounded to 256 levels, the inputs of every
quantized matrix product (and attention) are rounded to 256 levels per batch, and the errors add up
over six layers. Yet the STS-B Spearman barely moved (printed above). A
plausible reason, not measured here: a ranking needs only the **order** of cosines to hold, and the
rounding moves most cosines by less than the gaps between them. That only works if
queries and documents come from the same encoder: a consistent index (all int8, or all fp32) keeps
the rankings; a mixed one compares vectors that disagree by the amounts printed above. Exercise 2
measures how often the top-1 result of a search changes when you switch to int8.

## 5. What a corpus costs: one laptop, or N machines

With the throughputs measured above, here is the wall-clock time for 1 million and 100 million
sentences of STS-B length (short sentences: their mean token count is printed below). Longer
passages cost more than in proportion to their tokens: per layer, the feed-forward and projection
work grows with the length, attention's with its square (Vaswani et al., 2017, *Attention Is All You
Need*, Table 1). N machines like this one split the work N ways, if nothing
else limits them: section 6 measures what a real engine adds.
""")

code("""
rates = {"PyTorch": len(sample) / t_sorted, "ONNX int8": len(sample) / t_int8}
rows = []
for sentences_n in (1_000_000, 100_000_000):
    for name, rate in rates.items():
        for machines in (1, 10, 100):
            rows.append({"sentences": f"{sentences_n:,}", "encoder": name, "machines": machines,
                         "hours": round(sentences_n / (rate * machines) / 3600, 3)})
cost = pd.DataFrame(rows).pivot_table(index=["sentences", "encoder"], columns="machines", values="hours")
print(f"mean tokens per sentence {lengths.mean():.1f}; measured rates (sentences/s):",
      {k: round(v) for k, v in rates.items()})
cost
""", tags=IGNORE)

md("""
## 6. Many machines: Ray Data

[Ray Data](https://docs.ray.io/en/latest/data/data.html) splits a dataset into blocks, sends them
through Ray's shared-memory object store to workers, and collects the results. For model
inference it runs a **pool of actors**: long-lived worker processes that each load the model
once in `__init__` and then encode batch after batch in `__call__` (see "Stateful transforms" in
[`Dataset.map_batches`](https://docs.ray.io/en/latest/data/api/doc/ray.data.Dataset.map_batches.html)).

On this laptop we start a local Ray with 2 CPUs, no dashboard and quiet logs. On a cluster, the
same code joins it with `ray.init(address="auto")` instead. Starting Ray costs seconds, and on a
heavily shared machine its raylet can time out at start: the cell then says so, and the Ray
cells below skip their work rather than fail.
""")

code("""
start = time.perf_counter()
try:
    start_local_ray(num_cpus=2)  # ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ...)
    ray_ok = True
except Exception as error:  # noqa: BLE001 - a busy machine; say so and go on
    ray.shutdown()
    ray_ok = False
    print("Ray could not start on this machine just now:", str(error)[:100])
ray_start_s = time.perf_counter() - start
print(f"Ray started: {ray_ok}, in {ray_start_s:.1f} s; CPUs:", ray.cluster_resources().get("CPU") if ray_ok else 0)
""", tags=IGNORE)

md("""
First with Ray Data's own API: a dataset of `{"row", "text"}` records, a class whose `__init__`
loads the ONNX fp32 encoder (once per actor) and whose `__call__` encodes a batch, and
`map_batches(..., compute=ActorPoolStrategy(size=2))` for two actors with one CPU each. Results can
come back in any block order, so we carry the row number and put the vectors back in input order.
`max_restarts=0`: Ray Data restarts a crashed actor without limit by default (`max_restarts=-1`,
in `ray/data/_internal/execution/operators/actor_pool_map_operator.py`), and Ray's C++ core then
prints a warning on stderr that such a restart can fail when the actor's constructor arguments are
lost from the object store ([ray-project/ray#53727](https://github.com/ray-project/ray/issues/53727)).
Here a crash should stop the notebook, so restarts are off; on a cluster whose nodes can fail, leave
the default.
""")

code("""
class EmbedBatch:
    def __init__(self):
        torch.set_num_threads(1)  # one CPU per actor: two actors share the two cores
        self.encoder = TextEncoder(MODEL_ID, backend="onnx")

    def __call__(self, batch):
        return {"row": batch["row"], "vector": self.encoder.encode(list(batch["text"]))}

if ray_ok:
    start = time.perf_counter()
    dataset = ray.data.from_items([{"row": i, "text": t} for i, t in enumerate(sample)])
    encoded = dataset.map_batches(EmbedBatch, batch_size=256, num_cpus=1, max_restarts=0,
                                  compute=ray.data.ActorPoolStrategy(size=2))
    records = encoded.take_all()
    X_ray = np.empty((len(sample), onnx_fp32.dim), dtype=np.float32)
    for r in records:
        X_ray[r["row"]] = r["vector"]
    t_ray = time.perf_counter() - start
    print(f"{len(records)} vectors in {t_ray:.1f} s")
""", tags=IGNORE)

md("""
Then the course helper `ray_encode`, which does the same with a check that no row is lost or
repeated. Both must equal `TextEncoder.encode`'s vectors in input order. (Not bit for bit: an
actor's batches hold different neighbours, so padding and summation order differ; to 1e-5.) We use
fp32 here on purpose: dynamic int8 quantizes each batch's activations with a scale computed from
that batch ([ORT's quantization guide](https://onnxruntime.ai/docs/performance/model-optimizations/quantization.html)),
so an int8 vector moves a little with its batch neighbours, and Ray's batches are not the single
process's: int8 vectors from Ray agree with the single process's only to the int8 rounding.
""")

code("""
if ray_ok:
    X_helper = ray_encode(sample, {"backend": "onnx"}, actors=2, batch_size=256)
    assert np.allclose(X_ray, X_fp32[:len(sample)], atol=1e-5)
    assert np.allclose(X_helper, X_fp32[:len(sample)], atol=1e-5)
print("Ray Data vectors == TextEncoder.encode's, in input order:", ray_ok)
""", tags=IGNORE)

md("""
An honest comparison: the single process against Ray on the same 2 CPUs, **including** Ray's start-up
and the actors' model loading (paid by every run of a job). For a job this small on one laptop,
that overhead dominates: Ray adds start-up, serialisation and the object store. A 10M-sentence job
is another matter: there the fixed costs are small against the work. The projection below assumes
that each machine then encodes at this machine's single-process ONNX fp32 rate once Ray has
started; a run this short cannot test that assumption. Ray's value is that the same code scales out.
""")

code("""
if ray_ok:
    print(f"single process, ONNX fp32:  {t_fp32:6.1f} s")
    print(f"Ray, 2 actors x 1 CPU:      {t_ray:6.1f} s  (+ {ray_start_s:.1f} s to start Ray)")
    print(f"Ray's share of the single process's throughput, start-up included: "
          f"{t_fp32 / (t_ray + ray_start_s):.2f}")
    rate = len(sample) / t_fp32   # sentences per second per machine, the assumption above
    for machines in (1, 10, 100):
        hours = (ray_start_s + 10_000_000 / (rate * machines)) / 3600
        print(f"10M sentences on {machines:3d} machines at {rate:,.0f} sentences/s each, "
              f"after Ray's start-up: {hours:6.2f} h")
""", tags=IGNORE)

md("""
**On a cluster.** Start Ray on each machine (`ray start --head` on one, `ray start
--address=HEAD:6379` on the others), then call `ray.init(address="auto")` in place of
`start_local_ray`; the `map_batches` code is unchanged. What changes:

- **Object store.** Texts travel to the actors and vectors back through Ray's object store. 100M
  vectors of 384 float32 are 100M x 384 x 4 bytes, about 154 GB: do not `take_all()` them into one driver; write each
  block out (`encoded.write_parquet(...)` to shared storage) and build the index from the files.
- **One model load per actor.** Each actor loads the model once; every node needs the weights (and
  builds or copies the ONNX file) locally, so keep the model on each node or on shared storage.
- **Batch size.** Larger `batch_size` in `map_batches` means fewer, bigger tasks and less
  per-call overhead; inside an actor `TextEncoder` still sorts and pads in batches of 32.
- **GPUs per actor.** On GPU nodes, `num_gpus=1` per actor and `ActorPoolStrategy(size=<GPUs>)`
  give one model per GPU. `TextEncoder` runs on the CPU only, so such an actor would load
  `SentenceTransformer(path, device="cuda")` (or move its torch model and batches to the GPU) instead.
- **Start-up** is paid once per job, in parallel on all machines; it matters for small jobs only.
""")

code("""
ray.shutdown()
print("Ray is shut down:", not ray.is_initialized())
""")

md("""
## Summary

- Almost all encoding time is the transformer's **forward pass**; tokenizing and pooling are small.
- **Sort by length** before batching: padding (wasted positions) nearly vanishes, at no cost in quality.
- **ONNX Runtime** runs the same network from an exported graph (`torch.onnx.export`, dynamic
  batch and length axes); its transformer optimizer **fuses** attention, GELU and layer norms.
  The vectors equal PyTorch's to 1e-5, so quality is unchanged.
- **int8 dynamic quantization** makes the weights 4x smaller and the forward pass faster, for a
  small STS-B drop; pick the weight type your CPU supports (VNNI or not), and never mix int8 and
  fp32 vectors in one index.
- **Ray Data** runs the encoder as an actor pool (`map_batches` with a callable class): one model
  load per actor, the same code on a laptop and on a cluster. On one machine it adds start-up and
  overhead; across N machines the work divides by N while the start-up does not.
""")

md("""
## Exercises

Each exercise has a solution cell, collapsed: click the "⋯" (or the bar to its left) to open it.
Try first in a new cell; the last line of the solution cell checks an answer and says why it is
right or not.

### Exercise 1 [core]: a 10-million-sentence job on 8 machines

Using the int8 throughput you measured in section 4 (`len(sample) / t_int8` sentences per second)
as each machine's rate, and a start-up of 60 seconds (Ray plus loading the model), how many
**hours** does encoding 10,000,000 sentences take on 8 such machines? Set `answer`.
""")

code("""
# BEGIN SOLUTION
rate = len(sample) / t_int8
answer = (60 + 10_000_000 / (rate * 8)) / 3600
print(f"{answer:.2f} hours")
# END SOLUTION
check.cluster_hours(answer, sentences=10_000_000, rate=len(sample) / t_int8, machines=8, startup_s=60)
""", tags=("solution", "nbval-ignore-output"), hidden=True)

md("""
### Exercise 2 [core, thinking]: does int8 change what a search returns?

Use the STS-B test **first** sentences as queries and the **second** sentences as the corpus.
Encode both with PyTorch (`X_torch` holds them already: the first 1,379 rows are the first
sentences) and with int8 (`X_int8`). For each query, find its top-1 corpus sentence under each
encoder, **each searching its own vectors**, and set `answer` to the share of queries whose top-1
result is the same. Is int8's STS-B drop visible in search results, and how would you decide
whether it matters for your application?
""")

code("""
# BEGIN SOLUTION
n = len(stsb)
top_torch = (X_torch[:n] @ X_torch[n:].T).argmax(axis=1)
top_int8 = (X_int8[:n] @ X_int8[n:].T).argmax(axis=1)
answer = float((top_torch == top_int8).mean())
print(f"top-1 unchanged for {answer:.1%} of queries")
# END SOLUTION
check.top1_agreement(answer, X_torch[:len(stsb)], X_torch[len(stsb):], X_int8[:len(stsb)], X_int8[len(stsb):])
""", tags=("solution", "nbval-ignore-output"), hidden=True)

md("""
## Try it yourself

Type a few sentences of your own: they are encoded with PyTorch and with int8, and you see how
close the two vectors of each sentence are, and which STS-B sentence is nearest under each.
""")

code("""
my_sentences = ["A cat is sleeping on the sofa.", "Interest rates went up again this year."]

mine_torch, mine_int8 = encoder.encode(my_sentences), onnx_int8.encode(my_sentences)
for i, sentence in enumerate(my_sentences):
    near_torch = texts[int(np.argmax(X_torch @ mine_torch[i]))]
    near_int8 = texts[int(np.argmax(X_int8 @ mine_int8[i]))]
    print(f"{sentence!r}: cosine(int8, fp32) = {mine_torch[i] @ mine_int8[i]:.4f}")
    print(f"   nearest (PyTorch): {near_torch!r}")
    print(f"   nearest (int8):    {near_int8!r}")
""", tags=IGNORE)

md("""
Previous: [08_compression_graphs](08_compression_graphs.ipynb) · Next: [10_vector_database](10_vector_database.ipynb)
""")

nb = new_notebook(cells=cells, metadata={
    "kernelspec": {"display_name": "Semantic search course", "language": "python", "name": "semantic-search-course"},
    "language_info": {"name": "python", "version": "3.11.7"}})
nbformat.write(nb, "notebooks/09_fast_encoding.ipynb")
print(len(cells), "cells")
