"""scikit-learn's LatentDirichletAllocation on the corpus bench/lda.bench.ts wrote.

argv: data prefix, topics, alpha, eta, passes, threads[, orchard's components file].
Fits batch variational Bayes (fit time), then prints held-out perplexities from
scikit-learn's own `perplexity`: its model's, and (given the file) Orchard's topics
loaded into the same estimator, so both are scored by one evaluator.
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


prefix, k, alpha, eta, passes, threads = sys.argv[1:7]
k, alpha, eta, passes, threads = int(k), float(alpha), float(eta), int(passes), int(threads)
X, T = load(prefix, "train"), load(prefix, "test")
lda = LatentDirichletAllocation(n_components=k, doc_topic_prior=alpha, topic_word_prior=eta, learning_method="batch", max_iter=passes, random_state=0, n_jobs=threads)
t0 = time.perf_counter()
lda.fit(X)
t1 = time.perf_counter()
out = {"train_s": t1 - t0, "perplexity": float(lda.perplexity(T)), "sklearn": __import__("sklearn").__version__}
if len(sys.argv) > 7:
    C = np.fromfile(sys.argv[7], dtype=np.float64).reshape(k, X.shape[1])
    lda.components_ = C
    lda.exp_dirichlet_component_ = np.exp(_dirichlet_expectation_2d(C))
    out["orchard_perplexity"] = float(lda.perplexity(T))
print(json.dumps(out))
