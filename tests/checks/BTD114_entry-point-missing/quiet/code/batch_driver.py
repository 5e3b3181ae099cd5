"""Batch entry script: init() lives in the shared loader module, run() here."""
from typing import List

import pandas as pd
from model_loader import init  # noqa: F401 - the batch driver calls it
from model_loader import get_model


def run(mini_batch: List[str]) -> pd.DataFrame:
    frames = [pd.read_csv(path) for path in mini_batch]
    data = pd.concat(frames)
    data["prediction"] = get_model().predict(data)
    return data
