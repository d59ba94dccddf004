"""scikit-learn's LatentDirichletAllocation on the corpus bench/lda.bench.ts wrote.

argv: data prefix, topics, alpha, eta, passes, threads, seeds[, Orchard's components
files, one per seed, comma-separated]. Fits batch variational Bayes once per seed
(random_state 0..seeds-1; fit time summed), then prints held-out perplexities from
scikit-learn's own `perplexity`: its models', and Orchard's topics loaded into the same
estimator, so both are scored by one evaluator.
"""
import json
import sys
import time

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.decomposition._online_lda_fast import _dirichlet_expectation_2d


def load(prefix, part):
    meta = json.load(open(f"{prefix}.{part}.json"))
    indptr = np.fromfile(f"{prefix}.{part}.indptr", dtype=np.int32)
    indices = np.fromfile(f"{prefix}.{part}.indices", dtype=np.int32)
    counts = np.fromfile(f"{prefix}.{part}.counts", dtype=np.float64)
    return sp.csr_matrix((counts, indices, indptr), shape=(meta["rows"], meta["dim"]))


prefix, k, alpha, eta, passes, threads, seeds = sys.argv[1:8]
k, alpha, eta, passes, threads, seeds = int(k), float(alpha), float(eta), int(passes), int(threads), int(seeds)
X, T = load(prefix, "train"), load(prefix, "test")
out = {"train_s": 0.0, "perplexities": [], "orchard_perplexities": [], "sklearn": __import__("sklearn").__version__}
for seed in range(seeds):
    lda = LatentDirichletAllocation(n_components=k, doc_topic_prior=alpha, topic_word_prior=eta, learning_method="batch", max_iter=passes, random_state=seed, n_jobs=threads)
    t0 = time.perf_counter()
    lda.fit(X)
    out["train_s"] += time.perf_counter() - t0
    out["perplexities"].append(float(lda.perplexity(T)))
if len(sys.argv) > 8:
    for f in sys.argv[8].split(","):
        C = np.fromfile(f, dtype=np.float64).reshape(k, X.shape[1])
        lda.components_ = C
        lda.exp_dirichlet_component_ = np.exp(_dirichlet_expectation_2d(C))
        out["orchard_perplexities"].append(float(lda.perplexity(T)))
print(json.dumps(out))
