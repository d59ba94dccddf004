"""Peers of the blazingtext bench: gensim's Word2Vec, timed the way Orchard's is
(vocabulary, training and writing vectors in word2vec's text format). Debian's
`fasttext` command is timed by the bench itself. Prints one JSON line."""
import json
import resource
import subprocess
import sys
import time

from gensim.models import Word2Vec


def word2vec(corpus, out, mode, dim, window, negative, min_count, epochs, lr, sample, threads, seed=1):
    c0 = cpu(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    model = Word2Vec(corpus_file=corpus, vector_size=dim, window=window, negative=negative, hs=0,
                     min_count=min_count, epochs=epochs, alpha=lr, min_alpha=lr * 1e-4, sample=sample,
                     sg=1 if mode == 'skipgram' else 0, cbow_mean=1, workers=threads, seed=seed)
    model.wv.save_word2vec_format(out)
    t1 = time.perf_counter()
    print(json.dumps({"train_s": t1 - t0, "cpu_s": cpu(resource.RUSAGE_SELF) - c0, "words": len(model.wv)}))


def cpu(who):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def command(argv):
    """Runs a command (Debian's fasttext), timing its wall clock and CPU."""
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    print(json.dumps({"train_s": time.perf_counter() - t0, "cpu_s": cpu(resource.RUSAGE_CHILDREN)}))


if __name__ == '__main__':
    a = sys.argv[1:]
    if a[0] == '--command':
        command(a[1:])
        sys.exit(0)
    word2vec(a[0], a[1], a[2], int(a[3]), int(a[4]), int(a[5]), int(a[6]), int(a[7]), float(a[8]), float(a[9]), int(a[10]), int(a[11]) if len(a) > 11 else 1)
