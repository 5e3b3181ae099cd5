import os
import glob
from typing import List

import mlflow
import pandas as pd


def init():
    global model

    # AZUREML_MODEL_DIR is an environment variable created during deployment
    # It is the path to the model folder
    model_path = glob.glob(os.environ["AZUREML_MODEL_DIR"] + "/*/")[0]
    model = mlflow.pyfunc.load_model(model_path)


def run(mini_batch: List[str]):
    print(f"run method start: {__file__}, run({len(mini_batch)} files)")
    results = pd.DataFrame(columns=["file", "prediction"])

    for file_path in mini_batch:
        data = pd.read_csv(file_path)
        pred = model.predict(data)

        df = pd.DataFrame(pred, columns=["prediction"])
        df["file"] = os.path.basename(file_path)
        results = pd.concat([results, df])

    return results
