"""What an evaluation reports: the task's metric (accuracy with per-class accuracy and the
confusion matrix for classifiers; reconstruction error and ROC AUC for anomaly detectors), and
how far a model's outputs move from another model's (top-1 agreement, max |difference|,
per-class drift)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def task_of(inputs: np.ndarray, outputs: np.ndarray, labels: np.ndarray | None) -> str:
    """'anomaly' when the model reconstructs its input (an autoencoder), else 'classify'."""
    same = outputs.reshape(len(outputs), -1).shape[1] == inputs.reshape(len(inputs), -1).shape[1]
    return "anomaly" if same and outputs.reshape(len(outputs), -1).shape[1] > 1 and (
        labels is None or set(np.unique(labels).tolist()) <= {0, 1}) else "classify"


def roc_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """The probability that a positive sample scores above a negative one (ties count half)."""
    pos, neg = scores[positive], scores[~positive]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    order = np.argsort(np.concatenate([neg, pos]), kind="stable")
    ranks = np.empty(len(order))
    values = np.concatenate([neg, pos])[order]
    # average ranks over ties
    _, first, counts = np.unique(values, return_index=True, return_counts=True)
    ranks[order] = np.repeat(first + (counts + 1) / 2.0, counts)
    return float((ranks[len(neg):].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def classification(outputs: np.ndarray, labels: np.ndarray | None, classes: int) -> dict:
    preds = outputs.reshape(len(outputs), -1).argmax(1)
    if labels is None:
        return {"predictions": preds}
    labels = labels.astype(np.int64).reshape(-1)
    confusion = np.zeros((classes, classes), np.int64)
    np.add.at(confusion, (labels.clip(0, classes - 1), preds), 1)
    per_class = {int(c): float(np.mean(preds[labels == c] == c)) for c in np.unique(labels)}
    return {"predictions": preds, "accuracy": float(np.mean(preds == labels)), "per_class": per_class,
            "confusion": confusion}


def anomaly(inputs: np.ndarray, outputs: np.ndarray, labels: np.ndarray | None) -> dict:
    """Reconstruction error per sample (mean squared), and the ROC AUC of that score against the
    labels (1 = anomalous)."""
    err = np.mean((outputs.reshape(len(outputs), -1) - inputs.reshape(len(inputs), -1)) ** 2, axis=1)
    result = {"scores": err, "mse": float(np.mean(err))}
    if labels is not None:
        result["auc"] = roc_auc(err, labels.reshape(-1).astype(bool))
        result["mse_normal"] = float(np.mean(err[labels.reshape(-1) == 0]))
    return result


def versus(outputs: np.ndarray, other: np.ndarray, labels: np.ndarray | None, task: str) -> dict:
    """How far `outputs` are from `other`'s (both float, the same samples)."""
    a, b = outputs.reshape(len(outputs), -1), other.reshape(len(other), -1)
    result = {"max_abs_difference": float(np.max(np.abs(a - b)))}
    if task == "classify":
        pa, pb = a.argmax(1), b.argmax(1)
        result["top1_agreement"] = float(np.mean(pa == pb))
        if labels is not None:
            labels = labels.reshape(-1)
            result["per_class_drift"] = {int(c): float(np.mean(pa[labels == c] == c) - np.mean(pb[labels == c] == c))
                                         for c in np.unique(labels)}
    return result


def confusion_png(confusion: np.ndarray, names: list[str], title: str, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = len(confusion)
    fig, ax = plt.subplots(figsize=(1.2 + 0.45 * k, 1.0 + 0.45 * k), dpi=110)
    ax.imshow(confusion, cmap="Blues")
    for i in range(k):
        for j in range(k):
            if confusion[i, j]:
                ax.text(j, i, str(confusion[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if confusion[i, j] > confusion.max() / 2 else "black")
    ax.set_xticks(range(k), names, rotation=90, fontsize=7)
    ax.set_yticks(range(k), names, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
