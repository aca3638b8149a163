"""Automatic model logging with the frameworks Debian packages: joblib.dump (scikit-learn) and,
when installed, torch.save, as output models; loading them back in another task logs an input
model (lineage). argv[1] is the project name.
"""
import importlib.util
import os
import sys

from cairn_steps import check, equal, finish, keep, start_sdk, step, work_dir

project = sys.argv[1]
Task = start_sdk()
import joblib  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

has_torch = importlib.util.find_spec("torch") is not None
keep("torch", has_torch)


def wait_models(task, kind, count):
    """Automatic logging uploads in the background: poll the server for the task's models."""
    import time
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        models = Task.get_task(task_id=task.id).models[kind]
        if len(models) >= count and all(m.url and "uploading_file" not in m.url for m in models):
            return models
        time.sleep(0.5)
    raise AssertionError("the task has fewer than %d %s models with weights" % (count, kind))


with step("joblib.dump is logged as an output model"):
    train = Task.init(project_name=project, task_name="autolog train", output_uri=True,
                      auto_connect_frameworks={"joblib": True, "pytorch": True})
    classifier = LogisticRegression().fit([[0, 0], [1, 1], [0, 1], [1, 0]], [0, 1, 0, 1])
    joblib.dump(classifier, os.path.join(work_dir(), "classifier.pkl"))
    if has_torch:
        import torch
        torch.save(torch.nn.Linear(2, 1).state_dict(), os.path.join(work_dir(), "linear.pt"))
    models = wait_models(train, "output", 2 if has_torch else 1)
    frameworks = sorted(m.framework for m in models)
    check("ScikitLearn" in frameworks, "no scikit-learn model among %s", frameworks)
    if has_torch:
        check("PyTorch" in frameworks, "no PyTorch model among %s", frameworks)
    keep("train_task", train.id)
    keep("output_models", [m.id for m in models])
    train.close()

with step("joblib.load is logged as an input model (lineage)"):
    use = Task.init(project_name=project, task_name="autolog use", auto_connect_frameworks={"joblib": True, "pytorch": True})
    loaded = joblib.load(os.path.join(work_dir(), "classifier.pkl"))
    equal(list(loaded.predict([[1, 1]])), [1], "loaded classifier")
    inputs = wait_models(use, "input", 1)
    keep("use_task", use.id)
    keep("input_models", [m.id for m in inputs])
    use.close()

finish()
