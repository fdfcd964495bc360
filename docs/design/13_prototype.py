"""Notebook 13 prototype (docs/design/13_prototype.md): train a cross-encoder from MiniLM on notebook 12's mined rows and re-rank notebook 11's pool."""
import time, json, numpy as np, torch, warnings, contextlib, io
warnings.filterwarnings("ignore")
from helpers.course import repro
repro.setup()
from datasets import Dataset
from sentence_transformers import CrossEncoder
from sentence_transformers.cross_encoder import CrossEncoderTrainer, CrossEncoderTrainingArguments
from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss
from transformers.trainer_callback import PrinterCallback
from helpers.course.apidocs import EVAL_LIBRARY, POOL_SYSTEMS, TRAIN_LIBRARIES, judged_path, load_apidocs, load_pool, load_queries
from helpers.encode.models import resolve_model
from helpers.evaluate import intervals, judgements, metrics
from helpers.search import negatives
MINILM="sentence-transformers/all-MiniLM-L6-v2"
docs = load_apidocs([EVAL_LIBRARY]); text_of={d.doc_id:d.text for d in docs}
queries = load_queries(); qtext={q["query_id"]:q["query"] for q in queries}
answerable=[q["query_id"] for q in queries if q["answerable"]]
qrels_all = judgements.read_qrels(judged_path("qrels.txt")); qrels={q:qrels_all[q] for q in answerable}
pool_rows=load_pool()
shipped={s:{q["query_id"]:[] for q in queries} for s in POOL_SYSTEMS}
for s in POOL_SYSTEMS:
    for r in sorted((r for r in pool_rows if r[f"rank_{s}"] is not None), key=lambda r:r[f"rank_{s}"]):
        shipped[s][r["query_id"]].append(r["doc_id"])
def per_query(run,k=10): return np.array([metrics.ndcg_at_k({q:run[q]},{q:qrels[q]},k) for q in answerable])
train_docs=load_apidocs(TRAIN_LIBRARIES); by_id={d.doc_id:d for d in train_docs}
all_pairs=negatives.training_pairs(train_docs); pairs=negatives.training_pairs(train_docs,n=1024,seed=0)
mined=negatives.mine_bm25_negatives(pairs,by_id,k=10,corpus=all_pairs)
rng=np.random.default_rng(0)
rows=[]
for p,neg in zip(pairs,mined.negatives):
    rows.append((p[1],p[2],1.0))
    if neg: rows.append((p[1],by_id[neg].body,0.0))
print("rows",len(rows))
ML=int(__import__('sys').argv[1]) if len(__import__('sys').argv)>1 else 256
ce=CrossEncoder(str(resolve_model(MINILM)), num_labels=1, max_length=ML, device="cpu")
print(ce)
data=Dataset.from_dict({"query":[r[0] for r in rows],"doc":[r[1] for r in rows],"label":[r[2] for r in rows]})
args=CrossEncoderTrainingArguments(output_dir="/tmp/ce-scratch", per_device_train_batch_size=32, num_train_epochs=1,
    learning_rate=5e-5, warmup_ratio=0.1, seed=0, use_cpu=True, report_to="none", save_strategy="no", logging_steps=1,
    disable_tqdm=True, dataloader_num_workers=0)
t=time.time()
tr=CrossEncoderTrainer(model=ce,args=args,train_dataset=data,loss=BinaryCrossEntropyLoss(ce))
tr.remove_callback(PrinterCallback); tr.train()
losses=[e["loss"] for e in tr.state.log_history if "loss" in e]
print("trained", len(losses), "steps", round(time.time()-t), "s; loss first4", np.mean(losses[:4]), "last4", np.mean(losses[-4:]))
ce.save("/tmp/ce-proto-%d"%ML)
base={s:per_query(shipped[s]) for s in POOL_SYSTEMS}
for s in POOL_SYSTEMS: print(s, base[s].mean().round(3))
for first in ("minilm","rrf","bm25"):
    for depth in (10,20):
        t=time.time(); run={}
        for q in answerable:
            cands=shipped[first][q][:depth]
            sc=ce.predict([(qtext[q],text_of[d]) for d in cands], batch_size=32, show_progress_bar=False)
            order=np.argsort(-sc,kind="stable"); run[q]=[cands[i] for i in order]
        v=per_query(run); d=intervals.paired_bootstrap(v, base[first])
        print(f"CE over {first} top{depth}: {v.mean():.3f}  gain {d.mean:+.3f} [{d.low:+.3f},{d.high:+.3f}]  {time.time()-t:.1f}s")
