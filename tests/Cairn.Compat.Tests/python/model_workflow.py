"""The model workflow of ClearML's documentation, end to end, with the real SDK (the suite's main script).

Train: Task.init(output_uri=True), OutputModel with labels, design, tags and framework,
update_weights, update_weights_package, wait_for_uploads, metadata, model reports, artifacts of
every kind, publish. Use: InputModel by id and by name, import_model (twice: the second reuses the
first), connect, query_models with every tag-operator form, get_local_copy, artifacts[...].get(),
task.models['output'][-1]. argv[1] is the project name (unique per run).
"""
import os
import sys

from cairn_steps import check, equal, finish, keep, start_sdk, step, work_dir, write_file

project = sys.argv[1]
Task = start_sdk()
from clearml import InputModel, Model, OutputModel  # noqa: E402
import numpy  # noqa: E402
from PIL import Image  # noqa: E402

files_host = os.environ["CLEARML_FILES_HOST"]

with step("Task.init (output_uri=True)"):
    task = Task.init(project_name=project, task_name="train", output_uri=True, auto_connect_frameworks=False)
    check(task.id, "Task.init gave no task id")
    keep("train_task", task.id)

with step("OutputModel.update_weights"):
    weights = write_file("weights.bin", os.urandom(4096))
    first = OutputModel(task=task, name="resnet", label_enumeration={"cat": 1, "dog": 2},
                        config_dict={"layers": 50, "act": "relu"}, tags=["a"], framework="PyTorch")
    first.update_weights(weights_filename=weights, iteration=3, auto_delete_file=False)
    OutputModel.wait_for_uploads()
    check(first.id, "no model id after update_weights")
    check(first.url.startswith(files_host), "weights not on the file server: %s", first.url)
    keep("first_model", first.id)
    keep("first_url", first.url)

with step("OutputModel.update_weights_package"):
    package = os.path.join(work_dir(), "package")
    os.makedirs(package, exist_ok=True)
    write_file("package/model.json", '{"kind": "package"}')
    write_file("package/weights.npy", os.urandom(1024))
    second = OutputModel(task=task, name="resnet package", tags=["a", "b"], framework="PyTorch")
    second.update_weights_package(weights_path=package, iteration=5, auto_delete_file=False)
    OutputModel.wait_for_uploads()
    check(second.url and second.url.startswith(files_host), "package not on the file server: %s", second.url)
    keep("package_model", second.id)

with step("third output model (tags c)"):
    third = OutputModel(task=task, name="resnet small", tags=["c"], framework="PyTorch")
    third.update_weights(weights_filename=write_file("small.bin", os.urandom(512)), auto_delete_file=False)
    OutputModel.wait_for_uploads()
    keep("third_model", third.id)

with step("metadata"):
    check(first.set_metadata("epochs", "10", "int"), "set_metadata failed")
    first.set_all_metadata({"dataset": {"value": "v3", "type": "str"}}, replace=False)
    reread = Model(first.id)
    equal(reread.get_metadata("epochs"), "10", "metadata epochs")
    equal(reread.get_metadata("dataset"), "v3", "metadata dataset")
    equal(sorted(reread.get_all_metadata()), ["dataset", "epochs"], "metadata keys")

with step("model reports"):
    for i in range(3):
        first.report_scalar("loss", "train", 1.0 / (i + 1), i)
    first.report_single_value("accuracy", 0.93)
    first.report_confusion_matrix("confusion", "val", iteration=0, matrix=[[5, 1], [2, 7]], xaxis="predicted", yaxis="actual")

with step("artifacts of every kind"):
    notes = write_file("notes.txt", "trained on v3\n")
    folder = os.path.join(work_dir(), "artifact folder")
    os.makedirs(folder, exist_ok=True)
    write_file("artifact folder/a.txt", "a")
    write_file("artifact folder/b.txt", "b")
    check(task.upload_artifact("config", {"lr": 0.1, "layers": [1, 2]}, wait_on_upload=True), "dict artifact")
    check(task.upload_artifact("notes", notes, wait_on_upload=True), "file artifact")
    check(task.upload_artifact("folder", folder, wait_on_upload=True), "folder artifact")
    check(task.upload_artifact("array", numpy.arange(12).reshape(3, 4), wait_on_upload=True), "numpy artifact")
    check(task.upload_artifact("image", Image.new("RGB", (8, 8), (255, 0, 0)), wait_on_upload=True), "image artifact")
    check(task.upload_artifact("object", {"a", "set"}, wait_on_upload=True), "pickled artifact")
    check(task.upload_artifact("text", "plain text value", wait_on_upload=True), "string artifact")

with step("task.models['output'][-1]"):
    outputs = Task.get_task(task_id=task.id).models["output"]
    equal(len(outputs), 3, "output model count")
    equal(outputs[-1].id, third.id, "last output model")

with step("publish"):
    # The package model: the first one's reports are sent at close, and a published model takes no more.
    Model(second.id).publish()
    check(Model(second.id).published, "model not published")

with step("task.close (train)"):
    task.close()

with step("Task.init (use)"):
    use = Task.init(project_name=project, task_name="use", auto_connect_frameworks=False)
    keep("use_task", use.id)

with step("InputModel by id, connect"):
    by_id = InputModel(model_id=first.id)
    equal(by_id.labels, {"cat": 1, "dog": 2}, "labels")
    equal(by_id.config_dict, {"layers": 50, "act": "relu"}, "design")
    equal(by_id.framework, "PyTorch", "framework")
    by_id.connect(use)
    check(any(m.id == first.id for m in use.models["input"]), "connected model is not an input of the task")

with step("InputModel by name"):
    by_name = InputModel(name="resnet", project=project)
    equal(by_name.id, first.id, "InputModel by name")

with step("InputModel.import_model (dedup)"):
    external = "https://example.com/models/external.bin"
    imported = InputModel.import_model(weights_url=external, name="external", project=project, tags=["imported"])
    again = InputModel.import_model(weights_url=external, name="external", project=project)
    equal(again.id, imported.id, "second import of the same URL")
    keep("imported_model", imported.id)

with step("query_models with every tag form"):
    ids = {first.id: "first", second.id: "second", third.id: "third"}

    def names(**query):
        return sorted(ids.get(m.id, m.id) for m in Model.query_models(project_name=project, **query) if m.id in ids)

    equal(names(tags=["a"]), ["first", "second"], "tags a")
    equal(names(tags=["a", "c"]), ["first", "second", "third"], "tags a or c")
    equal(names(tags=["a", "-b"]), ["first"], "tags a, -b")
    equal(names(tags=["-a"]), ["third"], "tags -a")
    equal(names(tags=["__$all", "a", "b"]), ["second"], "tags all a b")
    equal(names(tags=["__$all", "a", "__$not", "b"]), ["first"], "tags all a not b")
    equal(names(tags=["__$all", "a", "__$or", "b", "c"]), ["second"], "tags a and (b or c)")
    equal(names(tags=["__$not", "a"]), ["third"], "tags not a")
    equal(names(model_name="resnet"), ["first"], "by name")
    equal(names(only_published=True), ["second"], "only published")
    equal(names(metadata={"epochs": "10"}), ["first"], "by metadata")
    Model(third.id).archive()
    equal(names(tags=["c"]), [], "archived hidden")
    equal(names(tags=["c"], include_archived=True), ["third"], "archived included")

with step("get_local_copy"):
    with open(Model(first.id).get_local_copy(), "rb") as copy, open(weights, "rb") as original:
        check(copy.read() == original.read(), "downloaded weights differ")
    unpacked = Model(second.id).get_local_copy()
    check(os.path.isdir(unpacked), "package not extracted: %s", unpacked)
    equal(sorted(os.listdir(unpacked)), ["model.json", "weights.npy"], "package files")

with step("artifacts[...].get()"):
    artifacts = Task.get_task(task_id=task.id).artifacts
    equal(artifacts["config"].get(), {"lr": 0.1, "layers": [1, 2]}, "dict artifact")
    with open(artifacts["notes"].get_local_copy()) as text:
        equal(text.read(), "trained on v3\n", "file artifact")
    check((artifacts["array"].get() == numpy.arange(12).reshape(3, 4)).all(), "numpy artifact differs")
    equal(artifacts["image"].get().size, (8, 8), "image artifact size")
    equal(artifacts["object"].get(), {"a", "set"}, "pickled artifact")
    equal(artifacts["text"].get(), "plain text value", "string artifact")
    folder_copy = artifacts["folder"].get_local_copy()
    check(os.path.isdir(folder_copy), "folder artifact not extracted: %s", folder_copy)
    equal(sorted(os.listdir(folder_copy)), ["a.txt", "b.txt"], "folder artifact files")

with step("task.close (use)"):
    use.close()

finish()
