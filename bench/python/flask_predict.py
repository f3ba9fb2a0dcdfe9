"""The "wrap it in Flask" baseline: a TorchScript model behind POST /predict, as a team would
deploy it without a model server (gunicorn, sync workers, torch limited to one thread each).

Request:  {"inputs": [[f, f, f, f], ...]}   (rows of the model's single float input)
Answer:   {"outputs": [[f, f, f], ...]}

Run by bench/run.sh:  MODEL_PT=model.pt gunicorn -w 2 -b 127.0.0.1:8600 flask_predict:app
"""
import os

import torch
from flask import Flask, jsonify, request

torch.set_num_threads(1)
torch.set_num_interop_threads(1)
model = torch.jit.load(os.environ["MODEL_PT"], map_location="cpu")
model.eval()
app = Flask(__name__)


@app.post("/predict")
def predict():
    x = torch.tensor(request.get_json()["inputs"], dtype=torch.float32)
    with torch.inference_mode():
        y = model(x)
    return jsonify(outputs=y.tolist())
