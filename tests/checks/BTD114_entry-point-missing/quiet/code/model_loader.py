import os

import joblib

_model = None


def init():
    global _model
    _model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))


def get_model():
    return _model
