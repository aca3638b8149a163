"""ClearML Datasets with the real SDK: create, add_files, upload, finalize, get, list_files, get_local_copy.

argv[1] is the project name.
"""
import os
import sys

from cairn_steps import check, equal, finish, keep, start_sdk, step, work_dir, write_file

project = sys.argv[1]
start_sdk()
from clearml import Dataset  # noqa: E402

with step("Dataset.create, add_files, upload, finalize"):
    write_file("data/train/a.csv", "x,y\n1,2\n")
    write_file("data/train/b.csv", "x,y\n3,4\n")
    write_file("data/readme.txt", "two small tables\n")
    dataset = Dataset.create(dataset_name="tables", dataset_project=project)
    added = dataset.add_files(path=os.path.join(work_dir(), "data"))
    equal(added, 3, "files added")
    dataset.upload()
    check(dataset.finalize(), "finalize failed")
    keep("dataset", dataset.id)

with step("Dataset.get, list_files, get_local_copy"):
    found = Dataset.get(dataset_name="tables", dataset_project=project)
    equal(found.id, dataset.id, "Dataset.get")
    equal(sorted(found.list_files()), ["readme.txt", "train/a.csv", "train/b.csv"], "listed files")
    copy = found.get_local_copy()
    with open(os.path.join(copy, "train", "b.csv")) as table:
        equal(table.read(), "x,y\n3,4\n", "downloaded file")

finish()
