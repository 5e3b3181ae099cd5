import os
import joblib
import numpy as np


def init():
    global model
    model_path = os.path.join(os.environ["AZUREML_MODEL_DIR"], "sklearn_regression_model.pkl")
    model = joblib.load(model_path)


def run(mini_batch):
    results = []
    for path in mini_batch:
        data = np.loadtxt(path, delimiter=",")
        results.extend(model.predict(data).tolist())
    return results
