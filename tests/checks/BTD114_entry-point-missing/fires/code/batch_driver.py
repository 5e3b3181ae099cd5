import os
from typing import List

import joblib
import pandas as pd


class Scorer:
    """Wraps the model; written for a notebook and copied into the deployment as is."""

    def init(self):
        self.model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))

    def run(self, mini_batch: List[str]) -> pd.DataFrame:
        frames = [pd.read_csv(path) for path in mini_batch]
        data = pd.concat(frames)
        data["prediction"] = self.model.predict(data)
        return data


scorer = Scorer()
