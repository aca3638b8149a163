"""Removing, deleting, cloning and user properties with the real SDK.

Model.remove(delete_weights_file=True), Task.delete(delete_artifacts_and_models=True),
Task.clone, and set_user_properties on a completed task. argv[1] is the project name.
"""
import os
import sys

from cairn_steps import check, equal, finish, keep, start_sdk, step, write_file

project = sys.argv[1]
Task = start_sdk()
from clearml import Model, OutputModel  # noqa: E402
from clearml.storage import StorageManager  # noqa: E402

with step("Task.init, models and an artifact"):
    task = Task.init(project_name=project, task_name="lifecycle", output_uri=True, auto_connect_frameworks=False)
    task.connect({"lr": 0.1, "epochs": 3}, name="Args")
    task.connect_configuration({"layers": 3}, name="net")
    kept = OutputModel(task=task, name="kept model", tags=["kept"])
    kept.update_weights(weights_filename=write_file("kept.bin", os.urandom(256)), auto_delete_file=False)
    removed = OutputModel(task=task, name="removed model")
    removed.update_weights(weights_filename=write_file("removed.bin", os.urandom(256)), auto_delete_file=False)
    OutputModel.wait_for_uploads()
    task.upload_artifact("report", {"ok": True}, wait_on_upload=True)
    keep("task", task.id)
    keep("kept_model", kept.id)
    keep("removed_model", removed.id)
    keep("removed_url", removed.url)

with step("Model.remove(delete_weights_file=True)"):
    url = removed.url
    check(Model.remove(removed.id, delete_weights_file=True, raise_on_errors=True), "Model.remove returned False")
    check(not StorageManager.exists_file(url), "weights still stored at %s", url)

with step("task.close"):
    task.close()

with step("set_user_properties on a completed task"):
    done = Task.get_task(task_id=task.id)
    equal(done.status, "completed", "status")
    check(done.set_user_properties(owner="ana", stage={"value": "prod", "description": "where it runs"}), "set_user_properties failed")
    props = Task.get_task(task_id=task.id).get_user_properties(value_only=True)
    equal(props.get("owner"), "ana", "owner property")
    equal(props.get("stage"), "prod", "stage property")
    check(done.delete_user_properties([("properties", "owner")]), "delete_user_properties failed")
    equal(sorted(Task.get_task(task_id=task.id).get_user_properties(value_only=True)), ["stage"], "properties left")

with step("Task.clone"):
    clone = Task.clone(source_task=task.id, name="lifecycle clone")
    keep("clone", clone.id)
    clone = Task.get_task(task_id=clone.id)
    equal(clone.status, "created", "clone status")
    equal(clone.parent, task.id, "clone parent")
    equal(clone.name, "lifecycle clone", "clone name")
    equal(clone.get_parameters_as_dict().get("Args"), {"lr": "0.1", "epochs": "3"}, "clone parameters")
    check("net" in clone.get_configuration_objects(), "clone configuration missing")
    equal(len(clone.models["output"]), 0, "clone output models")
    equal(sorted(clone.artifacts), [], "clone output artifacts")

with step("Task.delete(delete_artifacts_and_models=True)"):
    victim = Task.init(project_name=project, task_name="to delete", output_uri=True, auto_connect_frameworks=False, reuse_last_task_id=False)
    model = OutputModel(task=victim, name="doomed model")
    model.update_weights(weights_filename=write_file("doomed.bin", os.urandom(256)), auto_delete_file=False)
    OutputModel.wait_for_uploads()
    victim.upload_artifact("doomed", {"x": 1}, wait_on_upload=True)
    weights_url, artifact_url = model.url, victim.artifacts["doomed"].url
    keep("deleted_task", victim.id)
    keep("deleted_model", model.id)
    victim.close()
    check(Task.get_task(task_id=victim.id).delete(delete_artifacts_and_models=True, raise_on_error=True), "Task.delete returned False")
    check(not StorageManager.exists_file(weights_url), "model weights still stored")
    check(not StorageManager.exists_file(artifact_url), "artifact still stored")

finish()
