"""The peers of `npm run bench -- automl`, run with Debian's /usr/bin/python3.

  automl_peers.py --train T.csv --test X.csv --target y --task binary|multiclass|regression
                  --budget 300 --out DIR [--drop id,source] [--threads 2] [--seed 0] [--peers hgb,optuna-xgb]

(a) hgb: scikit-learn's HistGradientBoostingClassifier/Regressor with its defaults, the text
    columns passed as categorical features (integer codes of the training categories).
(b) optuna-xgb: Optuna's TPE sampler tunes XGBoost (hist, enable_categorical) for `--budget`
    seconds on an 80/20 split of the training rows (early stopping on the 20 %), then the best
    parameters are refitted on every training row with the best round count scaled by 1/0.8.

Each peer writes its test predictions to DIR/<task>-<peer>.csv (one value a line, the test
rows' order: the positive class's probability, the class label, or the value) and prints one
JSON line; the bench scores every system's predictions with the same code.
"""
import argparse
import json
import os
import time

import numpy as np
import pandas as pd


def load(args):
    train = pd.read_csv(args.train, low_memory=False)
    test = pd.read_csv(args.test, low_memory=False)
    drop = [c for c in args.drop.split(",") if c] + [args.target]
    features = [c for c in train.columns if c not in drop]
    y = train[args.target]
    X, Xt = train[features].copy(), test[features].copy()
    cats = [c for c in features if X[c].dtype == object]
    for c in cats:
        kinds = pd.CategoricalDtype(sorted(X[c].dropna().unique()))
        X[c] = X[c].astype(kinds)
        Xt[c] = Xt[c].astype(kinds)  # unseen categories become missing
    return X, Xt, y, cats


def encode_labels(y, task):
    if task == "regression":
        return y.to_numpy(dtype=float), None
    classes = np.array(sorted(y.astype(str).unique()))
    return np.searchsorted(classes, y.astype(str).to_numpy()), classes


def write_predictions(path, values):
    with open(path, "w") as f:
        for v in values:
            f.write(f"{v:.9g}\n" if isinstance(v, (float, np.floating)) else f"{v}\n")


def output(task, proba, pred, classes):
    """The value a line: P(positive) for binary, the label for multiclass, the value for regression."""
    if task == "binary":
        return proba[:, 1]
    if task == "multiclass":
        return [classes[i] for i in np.argmax(proba, axis=1)]
    return pred


def hgb(args, X, Xt, y, cats):
    from sklearn import __version__ as skv
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    t0 = time.perf_counter()
    Xn, Xtn = X.copy(), Xt.copy()
    for c in cats:  # codes; missing stays missing
        Xn[c] = Xn[c].cat.codes.replace(-1, np.nan)
        Xtn[c] = Xtn[c].cat.codes.replace(-1, np.nan)
    mask = [c in cats for c in X.columns]
    yy, classes = encode_labels(y, args.task)
    if args.task == "regression":
        m = HistGradientBoostingRegressor(categorical_features=mask, random_state=args.seed)
        m.fit(Xn, yy)
        values = output(args.task, None, m.predict(Xtn), None)
    else:
        m = HistGradientBoostingClassifier(categorical_features=mask, random_state=args.seed)
        m.fit(Xn, yy)
        values = output(args.task, m.predict_proba(Xtn), None, classes)
    wall = time.perf_counter() - t0
    write_predictions(os.path.join(args.out, f"{args.task}-hgb.csv"), values)
    return {"peer": "hgb", "wall_s": round(wall, 2), "iterations": int(m.n_iter_), "version": f"scikit-learn {skv}"}


def optuna_xgb(args, X, Xt, y, cats):
    import optuna
    import xgboost as xgb
    from sklearn.metrics import accuracy_score, mean_squared_error, roc_auc_score
    from sklearn.model_selection import train_test_split

    t0 = time.perf_counter()
    yy, classes = encode_labels(y, args.task)
    strat = yy if args.task != "regression" else None
    Xtr, Xva, ytr, yva = train_test_split(X, yy, test_size=0.2, random_state=args.seed, stratify=strat)
    base = {"tree_method": "hist", "enable_categorical": True, "max_cat_to_onehot": 1, "n_jobs": args.threads, "random_state": args.seed}
    if args.task == "binary":
        Model, base = xgb.XGBClassifier, {**base, "objective": "binary:logistic", "eval_metric": "auc"}
        score, direction = (lambda m, X_, y_: roc_auc_score(y_, m.predict_proba(X_)[:, 1])), "maximize"
    elif args.task == "multiclass":
        Model, base = xgb.XGBClassifier, {**base, "objective": "multi:softprob", "eval_metric": "mlogloss"}
        score, direction = (lambda m, X_, y_: accuracy_score(y_, np.argmax(m.predict_proba(X_), axis=1))), "maximize"
    else:
        Model, base = xgb.XGBRegressor, {**base, "objective": "reg:squarederror", "eval_metric": "rmse"}
        score, direction = (lambda m, X_, y_: mean_squared_error(y_, m.predict(X_)) ** 0.5), "minimize"

    def params(trial):
        return {
            "max_depth": trial.suggest_int("max_depth", 3, 10),
            "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
            "min_child_weight": trial.suggest_float("min_child_weight", 0.5, 50, log=True),
            "subsample": trial.suggest_float("subsample", 0.5, 1.0),
            "colsample_bytree": trial.suggest_float("colsample_bytree", 0.5, 1.0),
            "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 10, log=True),
            "reg_alpha": trial.suggest_float("reg_alpha", 1e-3, 10, log=True),
            "max_cat_threshold": trial.suggest_int("max_cat_threshold", 8, 64),
        }

    def objective(trial):
        m = Model(**base, **params(trial), n_estimators=2000, early_stopping_rounds=50)
        m.fit(Xtr, ytr, eval_set=[(Xva, yva)], verbose=False)
        trial.set_user_attr("rounds", int(m.best_iteration) + 1)
        return score(m, Xva, yva)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction=direction, sampler=optuna.samplers.TPESampler(seed=args.seed))
    # The budget covers the search; the refit on every row comes after it, as a user runs it.
    study.optimize(objective, timeout=args.budget)
    best = study.best_trial
    search_s = time.perf_counter() - t0
    rounds = max(1, int(round(best.user_attrs["rounds"] / 0.8)))
    m = Model(**base, **best.params, n_estimators=rounds)
    m.fit(X, yy, verbose=False)
    if args.task == "regression":
        values = output(args.task, None, m.predict(Xt), None)
    else:
        values = output(args.task, m.predict_proba(Xt), None, classes)
    wall = time.perf_counter() - t0
    write_predictions(os.path.join(args.out, f"{args.task}-optuna-xgb.csv"), values)
    return {
        "peer": "optuna-xgb", "wall_s": round(wall, 2), "search_s": round(search_s, 2), "trials": len(study.trials),
        "validation_score": best.value, "rounds": rounds, "best_params": best.params,
        "version": f"optuna {optuna.__version__} + xgboost {xgb.__version__}",
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--task", required=True, choices=["binary", "multiclass", "regression"])
    p.add_argument("--budget", type=float, default=300)
    p.add_argument("--out", required=True)
    p.add_argument("--drop", default="")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--peers", default="hgb,optuna-xgb")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    X, Xt, y, cats = load(args)
    for name in args.peers.split(","):
        line = {"hgb": hgb, "optuna-xgb": optuna_xgb}[name](args, X, Xt, y, cats)
        print(json.dumps({"task": args.task, **line}), flush=True)


if __name__ == "__main__":
    main()
