import os
from typing import List

import joblib
import pandas as pd
from azureml.core import Model


def init():
    global model
    model_path = Model.get_model_path("credit-defaults")
    model = joblib.load(os.path.join(model_path, "model.pkl"))


def run(mini_batch: List[str]) -> pd.DataFrame:
    frames = []
    for path in mini_batch:
        data = pd.read_csv(path)
        data["prediction"] = model.predict(data)
        frames.append(data)
    return pd.concat(frames)
