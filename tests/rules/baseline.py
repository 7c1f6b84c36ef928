"""A learned baseline next to the rules: would a text classifier trained on our labels do better?

The rules library is keyword and structure rules, and on the held-out set several families fall
short of the targets (docs/rules.md). The obvious alternative is a classifier trained on the
labelled sets. This script measures that alternative, with its settings fixed before it first
saw a held-out set (2026-11-28) and unchanged since:

- features: TF-IDF of word unigrams and bigrams plus character 2-5-grams within words
  (sublinear term frequency, terms seen at least twice);
- model: logistic regression, ``C=4``, classes weighted by their frequency, threshold 0.5;
- text: a merge request's title, description and listed paths; a comment's body;
- trained on every set the rules were tuned against (the labelled set and every dev set), one
  model per family; scored on the held-out set next to the shipped rules, item by item. Bot
  comments earn nothing either way.

It also prints the model's 5-fold cross-validated score on the training sets, the estimate one
would have had without a held-out set.

``--readable`` measures instead a model a rule file could carry and an explanation could show
(present words and word pairs seen in three items or more, L1-regularised logistic regression,
``C=1``: a few hundred weighted words a family), alone and in a union with the rules (an item is
found when either finds it). Tried on 2026-11-29 as the form a learned condition would take.

Needs scikit-learn, which ladder-bot does not depend on::

    .venv/bin/pip install scikit-learn
    .venv/bin/python -m tests.rules.baseline [--readable]
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import yaml
from packaging.version import Version

from tests.rules.labelled import (
    COMMENT_FAMILIES,
    FAMILIES,
    HOLDOUT,
    MR_FAMILIES,
    TUNED,
    family_of_rule,
    load_items,
    matched_rules,
    shipped_rules,
)


def texts(directory: Any) -> tuple[list[str], list[bool]]:
    """Each item's text (in ``load_items`` order) and whether it comes from a bot."""
    found: list[str] = []
    bots: list[bool] = []
    for item in yaml.safe_load((directory / "merge_requests.yaml").read_text(encoding="utf-8")):
        paths = " ".join(item.get("paths") or ())
        found.append(f"{item['title']}\n{item.get('description') or ''}\n{paths}")
        bots.append(False)
    for item in yaml.safe_load((directory / "review_comments.yaml").read_text(encoding="utf-8")):
        found.append(item["body"])
        bots.append(bool(item.get("bot")))
    return found, bots


def precision_recall(truth: Sequence[bool], predicted: Sequence[bool]) -> tuple[float, float]:
    tp = sum(t and p for t, p in zip(truth, predicted, strict=True))
    fp = sum(p and not t for t, p in zip(truth, predicted, strict=True))
    fn = sum(t and not p for t, p in zip(truth, predicted, strict=True))
    return (tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0)


def main(argv: Sequence[str] | None = None) -> int:
    readable = "--readable" in (sys.argv[1:] if argv is None else argv)
    try:
        import sklearn
        from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_predict
        from sklearn.pipeline import make_pipeline, make_union
    except ImportError:
        print("needs scikit-learn: .venv/bin/pip install scikit-learn", file=sys.stderr)
        return 2

    def model() -> Any:
        if readable:
            # A model a rule file could carry and an explanation could show: present words
            # and word pairs with L1-sparse weights (a few hundred a family).
            present = CountVectorizer(ngram_range=(1, 2), binary=True, min_df=3)
            # scikit-learn 1.8 deprecated ``penalty``: ``l1_ratio=1`` asks for the same L1 fit.
            sparse: dict[str, Any] = (
                {"l1_ratio": 1.0}
                if Version(sklearn.__version__) >= Version("1.8")
                else {"penalty": "l1"}
            )
            return make_pipeline(
                present,
                LogisticRegression(
                    C=1, solver="liblinear", class_weight="balanced", max_iter=5000, **sparse
                ),
            )
        words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
        return make_pipeline(
            make_union(words, chars),
            LogisticRegression(C=4, class_weight="balanced", max_iter=2000),
        )

    ruleset = shipped_rules()
    families = family_of_rule(ruleset)
    train = [
        (item, text, bot)
        for directory in TUNED
        for item, text, bot in zip(load_items(directory), *texts(directory), strict=True)
    ]
    test = list(zip(load_items(HOLDOUT), *texts(HOLDOUT), strict=True))
    last = "rules or model, held-out P / R" if readable else "model, 5-fold CV P / R"
    print(f"| family | rules, held-out P / R | model, held-out P / R | {last} |")
    print("| --- | ---: | ---: | ---: |")
    for family in FAMILIES:
        group = MR_FAMILIES if family in MR_FAMILIES else COMMENT_FAMILIES
        learn = [(item, text) for item, text, bot in train if item.families == group and not bot]
        x = [text for _, text in learn]
        y = [bool(item.truth[family]) for item, _ in learn]
        fitted = model().fit(x, y)
        scored = [(item, text, bot) for item, text, bot in test if item.families == group]
        truth = [bool(item.truth[family]) for item, _, _ in scored]
        by_rules = [bool(matched_rules(ruleset, item) & families[family]) for item, _, _ in scored]
        guessed = fitted.predict([text for _, text, _ in scored])
        by_model = [
            bool(guess) and not bot for guess, (_, _, bot) in zip(guessed, scored, strict=True)
        ]
        rules_pr = precision_recall(truth, by_rules)
        model_pr = precision_recall(truth, by_model)
        if readable:
            either = [a or b for a, b in zip(by_rules, by_model, strict=True)]
            cv_pr = precision_recall(truth, either)
        else:
            folds = StratifiedKFold(5, shuffle=True, random_state=0)
            cross = cross_val_predict(model(), x, y, cv=folds)
            cv_pr = precision_recall(y, [bool(guess) for guess in cross])
        print(
            f"| `{family}` | {rules_pr[0]:.2f} / {rules_pr[1]:.2f} "
            f"| {model_pr[0]:.2f} / {model_pr[1]:.2f} | {cv_pr[0]:.2f} / {cv_pr[1]:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
