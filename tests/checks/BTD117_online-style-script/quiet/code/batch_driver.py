import json
import os
from pathlib import Path
from typing import List

import joblib


def init():
    global model
    model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model/sklearn_regression_model.pkl"))


def run(mini_batch: List[str]) -> List[str]:
    results = []
    for path in mini_batch:
        for line in Path(path).read_text().splitlines():
            record = json.loads(line)
            prediction = model.predict([record["features"]])[0]
            results.append(f"{os.path.basename(path)},{record['id']},{prediction}")
    return results
