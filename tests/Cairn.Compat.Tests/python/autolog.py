"""Automatic model logging of scikit-learn models: joblib.dump logs an output model, and
joblib.load in another task logs it as an input model (lineage). argv[1] is the project name.
PyTorch has a script of its own (autolog_torch.py).
"""
import os
import sys

from cairn_steps import check, equal, finish, keep, start_sdk, step, work_dir

project = sys.argv[1]
Task = start_sdk()
import joblib  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402



def wait_models(task, kind, count):
    """Automatic logging uploads in the background: poll the server for the task's models."""
    import time
    deadline = time.monotonic() + 60
    models = []
    while time.monotonic() < deadline:
        models = Task.get_task(task_id=task.id).models[kind]
        if len(models) >= count and all(m.url and "uploading_file" not in m.url for m in models):
            return models
        time.sleep(0.5)
    raise AssertionError("the task has fewer than %d %s models with weights: %s" % (count, kind, [(m.name, m.url) for m in models]))


with step("joblib.dump is logged as an output model"):
    train = Task.init(project_name=project, task_name="autolog train", output_uri=True, auto_connect_frameworks={"joblib": True})
    classifier = LogisticRegression().fit([[0, 0], [1, 1], [0, 1], [1, 0]], [0, 1, 0, 1])
    joblib.dump(classifier, os.path.join(work_dir(), "classifier.pkl"))
    models = wait_models(train, "output", 1)
    equal([m.framework for m in models], ["ScikitLearn"], "frameworks")
    keep("train_task", train.id)
    keep("output_models", [m.id for m in models])
    train.close()

with step("joblib.load is logged as an input model (lineage)"):
    use = Task.init(project_name=project, task_name="autolog use", auto_connect_frameworks={"joblib": True})
    loaded = joblib.load(os.path.join(work_dir(), "classifier.pkl"))
    equal(list(loaded.predict([[1, 1]])), [1], "loaded classifier")
    inputs = wait_models(use, "input", 1)
    keep("use_task", use.id)
    keep("input_models", [m.id for m in inputs])
    use.close()

finish()
