#!/usr/bin/python3
"""Builds the default store's two iris models from the real iris data set.

Run with Debian's python3 (apt-get install python3-torch python3-onnx python3-sklearn):

    /usr/bin/python3 model-store/tools/make_iris_models.py

Writes (both small, both committed, so CI never needs Python):
  models/iris/1/model.onnx     multinomial logistic regression, ONNX (opset 13)
  models/iris-mlp/1/model.pt   a 4-16-3 MLP, TorchScript

Both take `features` FLOAT32 [N, 4] (sepal length, sepal width, petal length, petal width, in cm)
and return `probabilities` FLOAT32 [N, 3] (setosa, versicolor, virginica). Standardisation is part
of each graph, so callers send raw measurements. Training is seeded, so reruns give the same
weights on the same torch build.
"""
import os
import sys

import numpy as np
import torch
from sklearn.datasets import load_iris

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "..", "models")
# The first two rows of each class in the data set; tests expect classes 0,0,1,1,2,2.
CLASSIC_ROWS = [[5.1, 3.5, 1.4, 0.2], [4.9, 3.0, 1.4, 0.2], [7.0, 3.2, 4.7, 1.4],
                [6.4, 3.2, 4.5, 1.5], [6.3, 3.3, 6.0, 2.5], [5.8, 2.7, 5.1, 1.9]]


class Classifier(torch.nn.Module):
    def __init__(self, mean, std, body):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))
        self.body = body

    def forward(self, features):
        return torch.softmax(self.body((features - self.mean) / self.std), dim=1)


def train(body, x, y, epochs, lr):
    model = Classifier(x.mean(0), x.std(0), body)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    xt, yt = torch.tensor(x), torch.tensor(y)
    for _ in range(epochs):
        opt.zero_grad()
        probs = model(xt)
        loss = torch.nn.functional.nll_loss(torch.log(probs + 1e-12), yt)
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model(xt).argmax(1) == yt).float().mean().item()
    return model, acc


def check(model, name):
    with torch.no_grad():
        got = model(torch.tensor(CLASSIC_ROWS)).argmax(1).tolist()
    if got != [0, 0, 1, 1, 2, 2]:
        sys.exit(f"{name}: classic rows classify as {got}, expected [0, 0, 1, 1, 2, 2]")


def main():
    torch.manual_seed(7)
    iris = load_iris()
    x = iris.data.astype(np.float32)
    y = iris.target.astype(np.int64)

    logreg, acc = train(torch.nn.Linear(4, 3), x, y, epochs=500, lr=0.05)
    check(logreg, "iris")
    print(f"iris (logistic regression): training accuracy {acc:.3f}")
    os.makedirs(os.path.join(MODELS, "iris", "1"), exist_ok=True)
    torch.onnx.export(
        logreg, torch.tensor(CLASSIC_ROWS), os.path.join(MODELS, "iris", "1", "model.onnx"),
        input_names=["features"], output_names=["probabilities"],
        dynamic_axes={"features": {0: "batch"}, "probabilities": {0: "batch"}},
        opset_version=13)

    mlp_body = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    mlp, acc = train(mlp_body, x, y, epochs=800, lr=0.02)
    check(mlp, "iris-mlp")
    print(f"iris-mlp (MLP): training accuracy {acc:.3f}")
    os.makedirs(os.path.join(MODELS, "iris-mlp", "1"), exist_ok=True)
    torch.jit.script(mlp).save(os.path.join(MODELS, "iris-mlp", "1", "model.pt"))


if __name__ == "__main__":
    main()
