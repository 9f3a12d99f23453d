#!/usr/bin/python3
"""Build the demo models and the test-fixture model repository.

Run from anywhere with the Debian python (numpy, scikit-learn, onnx; no
skl2onnx needed):

    /usr/bin/python3 scripts/build-models.py

It trains small scikit-learn models on synthetic data (fixed seeds), writes
hand-built ONNX graphs (opset 17, IR version 8, loadable by onnxruntime-node)
plus config files, and records scikit-learn's own predictions for a few rows
in test/fixtures/sklearn-expected.json so inference tests can compare against
an independent implementation. Running it twice gives byte-identical files.
"""

import json
import os
import sys

import numpy as np
import onnx
import sklearn
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "models")
FIXTURES = os.path.join(ROOT, "test", "fixtures")
FIXTURE_MODELS = os.path.join(FIXTURES, "models")

OPSET = 17
IR_VERSION = 8
PRODUCER = "plumbline scripts/build-models.py"

CREDIT_FEATURES = ["age", "income", "debt_ratio", "tenure_months", "num_accounts"]
IRIS_FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
DEMAND_FEATURES = ["price", "temperature", "promo", "weekday"]


# --------------------------------------------------------------------------
# file helpers


def write_bytes(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    print("wrote", os.path.relpath(path, ROOT))


def write_json(path, obj):
    text = json.dumps(obj, indent=2) + "\n"
    write_bytes(path, text.encode("utf-8"))


def write_model(path, model):
    onnx.checker.check_model(model, full_check=True)
    write_bytes(path, model.SerializeToString())


# --------------------------------------------------------------------------
# ONNX helpers


def f32(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def i64(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.int64), name)


def make_model(graph):
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name=PRODUCER,
        producer_version="1",
    )
    model.ir_version = IR_VERSION
    return model


def binary_head(nodes, initializers, logit):
    """logit [N,1] -> probabilities [N,2] = [1-p, p], label [N] = argmax."""
    initializers.append(f32("one", [1.0]))
    nodes += [
        helper.make_node("Sigmoid", [logit], ["p"], name="sigmoid"),
        helper.make_node("Sub", ["one", "p"], ["q"], name="one_minus_p"),
        helper.make_node("Concat", ["q", "p"], ["probabilities"], axis=1, name="concat"),
        helper.make_node("ArgMax", ["probabilities"], ["label"], axis=1, keepdims=0, name="argmax"),
    ]


def classifier_outputs(n_classes):
    return [
        helper.make_tensor_value_info("label", TensorProto.INT64, ["N"]),
        helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", n_classes]),
    ]


def binary_logreg_onnx(name, mean, scale, coef, intercept, n_features, doc):
    """Standardize (Sub/Div), linear, sigmoid. Raw feature values go in."""
    initializers = [
        f32("mean", np.reshape(mean, (1, n_features))),
        f32("scale", np.reshape(scale, (1, n_features))),
        f32("coef", np.reshape(coef, (n_features, 1))),
        f32("intercept", np.reshape(intercept, (1,))),
    ]
    nodes = [
        helper.make_node("Sub", ["input", "mean"], ["centered"], name="center"),
        helper.make_node("Div", ["centered", "scale"], ["scaled"], name="scale"),
        helper.make_node("MatMul", ["scaled", "coef"], ["xw"], name="matmul"),
        helper.make_node("Add", ["xw", "intercept"], ["logit"], name="bias"),
    ]
    binary_head(nodes, initializers, "logit")
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", n_features])],
        classifier_outputs(2),
        initializer=initializers,
        doc_string=doc,
    )
    return make_model(graph)


# --------------------------------------------------------------------------
# credit: binary logistic regression on synthetic loan data

REGIONS = ["eu", "us", "apac"]
CHANNELS = ["web", "branch", "mobile"]
GENDERS = ["f", "m"]
CREDIT_CLASSES = ["repaid", "default"]


def credit_data(seed, n):
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 81, n).astype(np.float64)
    income = np.round(np.clip(rng.lognormal(np.log(55000), 0.55, n), 10000, 200000), -2)
    debt_ratio = np.round(np.clip(rng.gamma(2.0, 0.22, n), 0.0, 1.5), 3)
    tenure = np.minimum(rng.integers(0, 241, n), np.maximum(0, (age - 18) * 12)).astype(np.float64)
    num_accounts = np.clip(rng.poisson(3.5, n), 0, 12).astype(np.float64)
    X = np.column_stack([age, income, debt_ratio, tenure, num_accounts])

    region = rng.integers(0, len(REGIONS), n)
    channel = rng.choice(len(CHANNELS), n, p=[0.5, 0.2, 0.3])
    gender = rng.integers(0, len(GENDERS), n)

    logit = (
        -1.6
        + 4.0 * (debt_ratio - 0.45)
        - 1.2 * (np.log(income) - np.log(55000))
        - 0.035 * (age - 45)
        - 0.002 * (tenure - 60)
        + rng.normal(0.0, 0.6, n)
    )
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    return X, y, region, channel, gender


def fit_credit(X, y, C):
    pipe = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000))
    pipe.fit(X, y)
    return pipe


def credit_onnx(pipe, version):
    scaler, lr = pipe[0], pipe[1]
    return binary_logreg_onnx(
        f"credit_v{version}",
        scaler.mean_,
        scaler.scale_,
        lr.coef_[0],
        lr.intercept_,
        len(CREDIT_FEATURES),
        f"credit default classifier v{version}; input columns: " + ",".join(CREDIT_FEATURES),
    )


def write_reference_csv(path, X, y, region, channel, gender):
    lines = [",".join(CREDIT_FEATURES + ["region", "channel", "gender", "label"])]
    for i in range(len(y)):
        age, income, debt, tenure, accounts = X[i]
        lines.append(
            f"{int(age)},{int(income)},{debt:.3f},{int(tenure)},{int(accounts)},"
            f"{REGIONS[region[i]]},{CHANNELS[channel[i]]},{GENDERS[gender[i]]},{CREDIT_CLASSES[y[i]]}"
        )
    write_bytes(path, ("\n".join(lines) + "\n").encode("utf-8"))


CREDIT_CONFIG = {
    "task": "binary",
    "input": "input",
    "features": CREDIT_FEATURES,
    "output": "probabilities",
    "classes": CREDIT_CLASSES,
    "positiveClass": "default",
    "threshold": 0.5,
    "loss": {"name": "log_loss"},
    "segments": ["region", "channel"],
    "sensitive": ["gender"],
    "privileged": {"gender": "m"},
    "drift": {"method": "auto", "minSamples": 100},
    "fairness": {"minSamples": 30},
}

# Values chosen exactly representable in float32 so ONNX and sklearn see the
# same inputs.
CREDIT_ROWS = [
    [35.0, 52000.0, 0.375, 48.0, 3.0],
    [62.0, 18000.0, 1.25, 200.0, 9.0],
    [22.0, 150000.0, 0.0625, 2.0, 1.0],
    [45.0, 90000.0, 0.75, 120.0, 6.0],
    [80.0, 10000.0, 1.5, 240.0, 12.0],
]


# --------------------------------------------------------------------------
# iris: multiclass logistic regression (softmax)

IRIS_CLASSES = ["setosa", "versicolor", "virginica"]
IRIS_ROW_INDICES = [0, 50, 100, 70, 133]


def iris_onnx(lr):
    initializers = [
        f32("coef", lr.coef_.T),
        f32("intercept", lr.intercept_),
    ]
    nodes = [
        helper.make_node("MatMul", ["input", "coef"], ["xw"], name="matmul"),
        helper.make_node("Add", ["xw", "intercept"], ["logits"], name="bias"),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1, name="softmax"),
        helper.make_node("ArgMax", ["probabilities"], ["label"], axis=1, keepdims=0, name="argmax"),
    ]
    graph = helper.make_graph(
        nodes,
        "iris_v1",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 4])],
        classifier_outputs(3),
        initializer=initializers,
        doc_string="iris multinomial logistic regression; input columns: " + ",".join(IRIS_FEATURES),
    )
    return make_model(graph)


IRIS_CONFIG = {
    "task": "multiclass",
    "input": "input",
    "features": IRIS_FEATURES,
    "output": "probabilities",
    "classes": IRIS_CLASSES,
    "loss": {"name": "log_loss"},
    "segments": ["source"],
}


# --------------------------------------------------------------------------
# demand: linear regression on synthetic sales data


def demand_data(seed, n):
    rng = np.random.default_rng(seed)
    price = np.round(rng.uniform(1.0, 20.0, n), 2)
    temperature = np.round(rng.uniform(-5.0, 35.0, n), 1)
    promo = (rng.random(n) < 0.25).astype(np.float64)
    weekday = rng.integers(0, 7, n).astype(np.float64)
    y = (
        60.0
        - 2.2 * price
        + 0.9 * temperature
        + 14.0 * promo
        + 1.5 * weekday
        + rng.normal(0.0, 4.0, n)
    )
    return np.column_stack([price, temperature, promo, weekday]), y


def demand_onnx(lr):
    initializers = [
        f32("coef", np.reshape(lr.coef_, (4, 1))),
        f32("intercept", np.reshape(lr.intercept_, (1,))),
    ]
    nodes = [
        helper.make_node("MatMul", ["input", "coef"], ["xw"], name="matmul"),
        helper.make_node("Add", ["xw", "intercept"], ["variable"], name="bias"),
    ]
    graph = helper.make_graph(
        nodes,
        "demand_v1",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("variable", TensorProto.FLOAT, ["N", 1])],
        initializer=initializers,
        doc_string="demand linear regression; input columns: " + ",".join(DEMAND_FEATURES),
    )
    return make_model(graph)


DEMAND_CONFIG = {
    "task": "regression",
    "input": "input",
    "features": DEMAND_FEATURES,
    "output": "variable",
    "loss": {"name": "mse"},
    "segments": ["store"],
    "categorical": ["weekday"],
}

DEMAND_ROWS = [
    [2.5, 18.0, 0.0, 3.0],
    [9.75, 30.5, 1.0, 6.0],
    [19.5, -4.5, 0.0, 0.0],
    [12.25, 12.0, 1.0, 4.0],
    [5.0, 25.25, 0.0, 5.0],
]


# --------------------------------------------------------------------------
# test fixtures

DTYPE_INPUTS = [
    ("f32", TensorProto.FLOAT),
    ("f64", TensorProto.DOUBLE),
    ("f16", TensorProto.FLOAT16),
    ("i8", TensorProto.INT8),
    ("i16", TensorProto.INT16),
    ("i32", TensorProto.INT32),
    ("i64", TensorProto.INT64),
    ("u8", TensorProto.UINT8),
    ("u16", TensorProto.UINT16),
    ("u32", TensorProto.UINT32),
    ("u64", TensorProto.UINT64),
    ("b", TensorProto.BOOL),
]


def dtypes_onnx():
    inputs = [helper.make_tensor_value_info(n, t, ["N", 2]) for n, t in DTYPE_INPUTS]
    inputs.append(helper.make_tensor_value_info("s", TensorProto.STRING, ["N"]))
    nodes = [
        helper.make_node("Cast", [n], [f"{n}_d"], to=TensorProto.DOUBLE, name=f"cast_{n}")
        for n, _ in DTYPE_INPUTS
    ]
    nodes += [
        helper.make_node("Concat", [f"{n}_d" for n, _ in DTYPE_INPUTS], ["concat"], axis=1, name="concat"),
        helper.make_node("ReduceSum", ["concat", "axes"], ["sum"], keepdims=0, name="sum"),
        helper.make_node("Identity", ["s"], ["s_out"], name="s_identity"),
    ]
    graph = helper.make_graph(
        nodes,
        "dtypes",
        inputs,
        [
            helper.make_tensor_value_info("concat", TensorProto.DOUBLE, ["N", 2 * len(DTYPE_INPUTS)]),
            helper.make_tensor_value_info("sum", TensorProto.DOUBLE, ["N"]),
            helper.make_tensor_value_info("s_out", TensorProto.STRING, ["N"]),
        ],
        initializer=[i64("axes", [1])],
        doc_string="one input per ONNX tensor type; casts to double, concat and row sum",
    )
    return make_model(graph)


def fixed_onnx():
    graph = helper.make_graph(
        [helper.make_node("ReduceSum", ["input", "axes"], ["y"], keepdims=1, name="sum")],
        "fixed",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1])],
        initializer=[i64("axes", [1])],
        doc_string="fixed batch of 1: y = a + b + c",
    )
    return make_model(graph)


def multi_onnx(version, k):
    initializers = [f32("coef", [[k], [-k]])]
    nodes = [helper.make_node("MatMul", ["input", "coef"], ["logit"], name="matmul")]
    binary_head(nodes, initializers, "logit")
    graph = helper.make_graph(
        nodes,
        f"multi_v{version}",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 2])],
        classifier_outputs(2),
        initializer=initializers,
        doc_string=f"p = sigmoid({k:g} * (x0 - x1))",
    )
    return make_model(graph)


MULTI_CONFIG = {
    "task": "binary",
    "input": "input",
    "features": ["x0", "x1"],
    "output": "probabilities",
    "classes": ["neg", "pos"],
    "segments": ["region"],
    "sensitive": ["gender"],
}


# --------------------------------------------------------------------------


def floats(a):
    return [[float(v) for v in row] for row in np.asarray(a, dtype=np.float64)]


def main():
    # credit
    X1, y1, region1, channel1, gender1 = credit_data(seed=20240601, n=2000)
    credit_v1 = fit_credit(X1, y1, C=1.0)
    X2, y2, _, _, _ = credit_data(seed=20240602, n=3000)
    credit_v2 = fit_credit(X2, y2, C=0.02)
    credit_v1_bytes = credit_onnx(credit_v1, 1).SerializeToString()
    write_model(os.path.join(MODELS, "credit", "1", "model.onnx"), credit_onnx(credit_v1, 1))
    write_model(os.path.join(MODELS, "credit", "2", "model.onnx"), credit_onnx(credit_v2, 2))
    write_json(os.path.join(MODELS, "credit", "config.json"), CREDIT_CONFIG)
    write_reference_csv(os.path.join(MODELS, "credit", "reference.csv"), X1, y1, region1, channel1, gender1)

    # iris
    iris = load_iris()
    iris_lr = LogisticRegression(max_iter=1000)
    iris_lr.fit(iris.data, iris.target)
    write_model(os.path.join(MODELS, "iris", "1", "model.onnx"), iris_onnx(iris_lr))
    write_json(os.path.join(MODELS, "iris", "config.json"), IRIS_CONFIG)

    # demand
    Xd, yd = demand_data(seed=20240603, n=2000)
    demand_lr = LinearRegression()
    demand_lr.fit(Xd, yd)
    demand_model = demand_onnx(demand_lr)
    write_model(os.path.join(MODELS, "demand", "1", "model.onnx"), demand_model)
    write_json(os.path.join(MODELS, "demand", "config.json"), DEMAND_CONFIG)

    # test fixture repository
    write_model(os.path.join(FIXTURE_MODELS, "dtypes", "1", "model.onnx"), dtypes_onnx())
    write_json(
        os.path.join(FIXTURE_MODELS, "dtypes", "config.json"),
        {"task": "regression", "input": "f32", "output": "sum"},
    )

    write_model(os.path.join(FIXTURE_MODELS, "fixed", "1", "model.onnx"), fixed_onnx())
    write_json(
        os.path.join(FIXTURE_MODELS, "fixed", "config.json"),
        {"task": "regression", "input": "input", "features": ["a", "b", "c"], "output": "y"},
    )

    multi_v1 = multi_onnx(1, 1.0)
    write_model(os.path.join(FIXTURE_MODELS, "multi", "1", "model.onnx"), multi_v1)
    write_model(os.path.join(FIXTURE_MODELS, "multi", "2", "model.onnx"), multi_onnx(2, 2.0))
    write_json(os.path.join(FIXTURE_MODELS, "multi", "config.json"), MULTI_CONFIG)

    write_model(os.path.join(FIXTURE_MODELS, "badconfig", "1", "model.onnx"), multi_v1)
    write_json(os.path.join(FIXTURE_MODELS, "badconfig", "config.json"), dict(MULTI_CONFIG, colour="blue"))

    write_model(os.path.join(FIXTURE_MODELS, "badloss", "1", "model.onnx"), demand_model)
    write_json(
        os.path.join(FIXTURE_MODELS, "badloss", "config.json"),
        {"task": "regression", "loss": {"name": "log_loss"}},
    )

    write_bytes(os.path.join(FIXTURE_MODELS, "garbage", "1", "model.onnx"), b"not an onnx model\n")
    write_json(os.path.join(FIXTURE_MODELS, "garbage", "config.json"), {"task": "regression"})

    write_bytes(os.path.join(FIXTURE_MODELS, "credit", "1", "model.onnx"), credit_v1_bytes)
    write_json(os.path.join(FIXTURE_MODELS, "credit", "config.json"), CREDIT_CONFIG)

    # independent expected values from scikit-learn itself
    credit_rows = np.array(CREDIT_ROWS, dtype=np.float64)
    iris_rows = iris.data[IRIS_ROW_INDICES]
    demand_rows = np.array(DEMAND_ROWS, dtype=np.float64)
    expected = {
        "_source": f"scikit-learn {sklearn.__version__} predict_proba/predict, scripts/build-models.py",
        "credit": {
            "model": "credit",
            "version": "1",
            "features": CREDIT_FEATURES,
            "classes": CREDIT_CLASSES,
            "rows": floats(credit_rows),
            "predict_proba": floats(credit_v1.predict_proba(credit_rows)),
            "predict": [int(v) for v in credit_v1.predict(credit_rows)],
        },
        "iris": {
            "model": "iris",
            "version": "1",
            "features": IRIS_FEATURES,
            "classes": IRIS_CLASSES,
            "rows": floats(iris_rows),
            "predict_proba": floats(iris_lr.predict_proba(iris_rows)),
            "predict": [int(v) for v in iris_lr.predict(iris_rows)],
        },
        "demand": {
            "model": "demand",
            "version": "1",
            "features": DEMAND_FEATURES,
            "rows": floats(demand_rows),
            "predict": [float(v) for v in demand_lr.predict(demand_rows)],
        },
    }
    write_json(os.path.join(FIXTURES, "sklearn-expected.json"), expected)

    print(
        "credit v1 default rate %.3f, train acc v1 %.3f v2 %.3f; iris acc %.3f; demand R^2 %.3f"
        % (
            y1.mean(),
            credit_v1.score(X1, y1),
            credit_v2.score(X2, y2),
            iris_lr.score(iris.data, iris.target),
            demand_lr.score(Xd, yd),
        ),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
